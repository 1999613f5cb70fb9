#!/usr/bin/env bash
# Writes contracts/.gas-snapshot (gas of every forge test; fuzz and invariant runs are deterministic with
# the fixed seed in foundry.toml), or with --check compares the suite against the committed snapshot and
# exits non-zero on any difference (add e.g. --tolerance 1 to allow 1%). Extra arguments go to
# `forge snapshot`. Commit the file whenever a change moves gas on purpose.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/foundry.sh"
run_forge snapshot "$@"
