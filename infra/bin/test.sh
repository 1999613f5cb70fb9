#!/usr/bin/env bash
# `npm test`: the whole suite on its own isolated stack (ATELIER_STACK=test: other ports,
# .data/test, atelier_test* databases), so it never disturbs a stack from `npm run up`.
# Order: forge (contracts), static checks (ABI freshness, typecheck, lint, format), jest unit,
# jest int (real Kafka/PostgreSQL/anvil, in band), jest e2e (whole scripts). Ends with one line "N passed, N failed" summed over all.
set -uo pipefail
export ATELIER_STACK=test # before common.sh, which picks the data folder from it
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ATELIER_COMPONENT=test
bash "$ATELIER_ROOT/infra/bin/ensure-deps.sh" || exit 1
use_project_node
# shellcheck source=env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
cd "$ATELIER_ROOT"
results="$ATELIER_DATA/test-results"
rm -rf "$results" && mkdir -p "$results"
passed=0 failed=0 status=0
started=$SECONDS

count_jest() { # adds a jest --json report's counts; a missing report is a failed stage
  local file="$1" stage="$2" p f
  if [ -s "$file" ]; then
    p=$(node -e 'const r=require(process.argv[1]);process.stdout.write(String(r.numPassedTests))' "$file")
    f=$(node -e 'const r=require(process.argv[1]);process.stdout.write(String(r.numFailedTests+r.numRuntimeErrorTestSuites))' "$file")
  else
    p=0 f=1
    log "$stage produced no report"
  fi
  passed=$((passed + p)) failed=$((failed + f))
  log "$stage: $p passed, $f failed"
}

log "starting the test stack (postgres, kafka, anvil, contracts)"
if ! bash infra/bin/stack.sh start postgres kafka anvil contracts; then
  log "the test stack did not start"
  echo "0 passed, 1 failed"
  exit 1
fi

log "forge test"
forge_out="$results/forge.txt"
bash infra/contracts/test.sh 2>&1 | tee "$forge_out"
forge_status=${PIPESTATUS[0]}
fp=$(grep -oE '[0-9]+ tests passed' "$forge_out" | tail -n1 | grep -oE '^[0-9]+' || echo 0)
ff=$(grep -oE '[0-9]+ failed' "$forge_out" | tail -n1 | grep -oE '^[0-9]+' || echo 0)
[ "$forge_status" -ne 0 ] && [ "$ff" -eq 0 ] && ff=1
passed=$((passed + fp)) failed=$((failed + ff))
log "forge: $fp passed, $ff failed"

# Static checks, one counted result each: a red one fails the run like a failed test.
check() {
  local name="$1"
  shift
  log "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)) && log "$name FAILED"; fi
}
check "ABI modules match the forge build" tsx libs/contracts/abi/scripts/generate.ts --check
check "client types match the gateway's /openapi.json" node -r @swc-node/register libs/client/scripts/generate.ts --check
check "typecheck (every Nx project)" nx run-many -t typecheck --parallel=2 --output-style=static
check "typecheck (infra, bench, contracts scripts)" \
  bash -c 'tsc -p infra/tsconfig.json --noEmit && tsc -p bench/tsconfig.json --noEmit && tsc -p contracts/tsconfig.json --noEmit'
check "production build (npm run build)" bash infra/bin/build.sh
check "lint (eslint with module boundaries)" bash -c 'nx show projects >/dev/null && eslint --max-warnings=-1 .'
check "format (prettier --check .)" prettier --check --log-level=warn .

for tier in unit int e2e; do
  log "jest $tier"
  extra=()
  # Int and e2e specs run in band against real brokers; --forceExit ends jest once the results
  # are written, so a client a spec left retrying (kafkajs timers after an app closed) can
  # neither hang the run nor turn its exit code (the counts come from the reports anyway).
  [ "$tier" = unit ] || extra=(--runInBand --forceExit)
  # NestJS 12 ships ESM only; jest can load it from our CommonJS specs only with vm modules.
  NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" \
    jest --selectProjects "$tier" --ci --passWithNoTests "${extra[@]}" \
    --json --outputFile="$results/jest-$tier.json" || status=1
  count_jest "$results/jest-$tier.json" "jest $tier"
done

[ "${ATELIER_KEEP_STACK:-0}" = 1 ] || bash infra/bin/stack.sh stop >/dev/null 2>&1 || true
log "done in $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
