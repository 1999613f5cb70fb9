#!/usr/bin/env bash
# `npm run bench:<name>`: runs bench/<name>.ts on the isolated bench stack (ATELIER_STACK=bench),
# starting the parts it needs first. Results land in bench/results/<name>.json.
set -euo pipefail
export ATELIER_STACK=bench # before common.sh, which picks the data folder from it
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
name="${1:?usage: bench.sh <name> [parts to start...]}"
shift
ATELIER_COMPONENT="bench:$name"
bash "$ATELIER_ROOT/infra/bin/ensure-deps.sh"
use_project_node
# shellcheck source=env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(postgres kafka anvil contracts)
[ "${parts[*]}" != none ] || parts=() # `bench.sh <name> none`: an in-process bench, no stack part
[ ${#parts[@]} -eq 0 ] || bash "$ATELIER_ROOT/infra/bin/stack.sh" start "${parts[@]}"
cd "$ATELIER_ROOT"
status=0
tsx "bench/$name.ts" || status=$?
[ "${ATELIER_KEEP_STACK:-0}" = 1 ] || [ ${#parts[@]} -eq 0 ] || bash infra/bin/stack.sh stop "${parts[@]}" >/dev/null 2>&1 || true
exit "$status"
