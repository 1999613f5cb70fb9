#!/usr/bin/env bash
# Builds the Solidity contracts offline: forge with the solc-js shim (infra/solc/solc), artifacts in
# contracts/out/ for deploy.ts and the indexer. Extra arguments go to `forge build` (e.g. --force).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/foundry.sh"
run_forge build "$@"
