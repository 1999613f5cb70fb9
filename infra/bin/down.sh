#!/usr/bin/env bash
# `npm run down`: stops every part `npm run up` started, apps first; leaves data in .data/.
set -euo pipefail
bash "$(dirname "$0")/stack.sh" stop
