#!/usr/bin/env bash
# Deploys the contracts to RPC_URL (default: the local anvil) and writes the deployments file the
# indexer and API read; see contracts/script/deploy.ts for the env it takes. Builds first when the
# artifacts are missing or older than the sources, so a fresh checkout needs no separate build step.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ATELIER_COMPONENT=contracts

use_project_node
contracts="$ATELIER_ROOT/contracts"
stamp="$contracts/cache/solidity-files-cache.json"
if [ ! -d "$contracts/out" ] || [ ! -f "$stamp" ] ||
  [ -n "$(find "$contracts/src" "$contracts/foundry.toml" -newer "$stamp" -print -quit)" ]; then
  log "artifacts missing or older than contracts/src: building"
  bash "$ATELIER_ROOT/infra/contracts/build.sh"
fi
exec tsx "$contracts/script/deploy.ts" "$@"
