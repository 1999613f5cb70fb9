#!/usr/bin/env bash
# `npm run build`: the production build of the apps (gateway, settlement, the indexer's relay,
# the atelier CLI) into dist/, compiled JavaScript that `npm run up` and the benches run
# (infra/build/build.ts says how). usage: build.sh [app ...]   (no app = all of them)
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ATELIER_COMPONENT=build
use_project_node
cd "$ATELIER_ROOT"
exec tsx infra/build/build.ts "$@"
