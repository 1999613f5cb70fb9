#!/usr/bin/env bash
# Rebuilds one projection on the selected stack (ATELIER_STACK dev | test | bench): drops its
# read-model tables and checkpoints and replays the event store into it from position 0,
# with a progress bar and a final count. Live projectors of that projection pause meanwhile.
# usage: rebuild-projection.sh --catalog <module exporting `catalog`> --projection <name> [--batch-size n]
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
ATELIER_COMPONENT=rebuild
use_project_node
cd "$ATELIER_ROOT"
# read models and the event store live in the gateway's database unless told otherwise
export PROJECTIONS_DATABASE_URL="${PROJECTIONS_DATABASE_URL:-$GATEWAY_DATABASE_URL}"
export EVENT_STORE_DATABASE_URL="${EVENT_STORE_DATABASE_URL:-$GATEWAY_DATABASE_URL}"
exec node -r @swc-node/register libs/infra/projections/src/cli/rebuild.ts "$@"
