#!/usr/bin/env bash
# `npm run status`: one line per part of the local stack.
set -euo pipefail
bash "$(dirname "$0")/stack.sh" status 2>&1
