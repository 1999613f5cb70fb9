#!/usr/bin/env bash
# Runs the Solidity test suite (unit, fuzz, invariant) with forge's normal output; exits non-zero on
# any failure. Extra arguments go to `forge test` (e.g. -vvv, --match-test NAME).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/foundry.sh"
run_forge test "$@"
