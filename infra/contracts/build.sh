#!/usr/bin/env bash
# Builds the Solidity contracts offline: forge with the solc-js shim (infra/solc/solc), artifacts in
# contracts/out/ for deploy.ts and the indexer. Extra arguments go to `forge build` (e.g. --force).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/foundry.sh"
ATELIER_COMPONENT=contracts

use_project_node
check_contract_deps
forge="$(foundry_bin forge)"
cd "$ATELIER_ROOT/contracts"
exec "$forge" build "$@"
