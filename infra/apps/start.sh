#!/usr/bin/env bash
# Starts one Atelier app (gateway | settlement | indexer | relay) in the background, its own
# process group, logs under .data/logs, and waits until /health/ready answers 200.
# Idempotent like the other parts: a running app is found, a stale pid reported and cleaned.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../bin/env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
app="${1:?usage: start.sh gateway|settlement|indexer|relay|bot}"
ATELIER_COMPONENT="$app"
use_project_node

# Ponder refuses a schema written by another build, and a restarted anvil is a new chain:
# the indexer's schema is named after the deployment and the code that decides what it writes
# (config, schema, handlers, contract list, ABIs, the fact encoding), so the same build resumes
# after a crash while a new chain or new code indexes into a fresh schema. Readers use the
# stable views schema "chain"; inactive old schemas are pruned first. The relay reads the same
# schema, so both compute it here.
indexer_schema() {
  local build_hash
  build_hash="$(cat "$ATELIER_DEPLOYMENTS" apps/indexer/ponder.config.ts apps/indexer/ponder.schema.ts \
    apps/indexer/contracts.ts apps/indexer/setup.ts apps/indexer/scope.ts \
    $(find apps/indexer/src libs/contracts/abi/src libs/chain/messages/src -name '*.ts' ! -name '*.spec.ts' | sort) 2>/dev/null |
    sha256sum | cut -c1-12)"
  printf '%s\n' "${INDEXER_SCHEMA:-chain_$build_hash}"
}

cd "$ATELIER_ROOT"
# The compiled app (npm run build; stack.sh builds before it starts apps); built here if missing.
compiled() { # compiled BUILD_NAME PATH_IN_DIST
  [ -f "dist/$2" ] || bash infra/bin/build.sh "$1" >&2
  printf '%s\n' "$ATELIER_ROOT/dist/$2"
}
case "$app" in
  gateway) port=$GATEWAY_PORT; cmd=(node --enable-source-maps "$(compiled gateway apps/gateway/src/main.js)") ;;
  settlement) port=$SETTLEMENT_PORT; cmd=(node --enable-source-maps "$(compiled settlement apps/settlement/src/main.js)") ;;
  # The living demo's traders (docs/demo.md), started by `npm run up` after the seed.
  bot) port=$BOT_PORT; cmd=(node --enable-source-maps "$(compiled demo-bot apps/demo-bot/src/main.js)") ;;
  indexer)
    port=$INDEXER_PORT
    schema="$(indexer_schema)"
    cmd=(bash -c "cd apps/indexer && ponder db prune --config ponder.config.ts >/dev/null 2>&1; exec ponder start --config ponder.config.ts --port $INDEXER_PORT --hostname 127.0.0.1 --schema $schema --views-schema ${INDEXER_VIEWS_SCHEMA:-chain} --log-format json")
    ;;
  relay)
    # The Kafka relay of the indexer's chain facts: its own process beside Ponder, reading the
    # same schema the indexer writes (docs/indexer.md). Reorg policy: RELAY_REORG_MODE,
    # RELAY_CONFIRMATIONS (default: retract at once).
    port=$RELAY_PORT
    schema="$(indexer_schema)"
    relay_js="$(compiled relay apps/indexer/relay/main.js)"
    cmd=(env INDEXER_SCHEMA="$schema" RELAY_PORT="$RELAY_PORT" bash -c "cd apps/indexer && exec node --enable-source-maps $relay_js")
    ;;
  *) die "unknown app '$app' (gateway | settlement | indexer | relay | bot)" ;;
esac

port_var="${app^^}_PORT"
refuse_ephemeral_ports "$port_var"

pidfile="$ATELIER_DATA/apps/$app.pid"
logfile="$ATELIER_DATA/logs/$app.log"
mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"

if pid_alive "$pidfile"; then
  log "already running (pid $(cat "$pidfile")) at http://127.0.0.1:$port"
  exit 0
fi
if [ -f "$pidfile" ]; then
  log "stale pid file (pid $(cat "$pidfile") is gone), removed"
  rm -f "$pidfile"
fi
if port_open 127.0.0.1 "$port"; then
  owner="$(port_owner "$port")"
  die "port $port is taken by another process${owner:+ (pid $owner)}; stop it or set $port_var"
fi

cd "$ATELIER_ROOT"
HOST=127.0.0.1 nohup setsid "${cmd[@]}" >>"$logfile" 2>&1 </dev/null &
echo $! >"$pidfile"
log "starting (pid $!), log $logfile"

timeout="${APP_START_TIMEOUT:-90}"
for ((i = 0; i < timeout * 4; i++)); do
  if ! pid_alive "$pidfile"; then
    tail -n 30 "$logfile" >&2 || true
    rm -f "$pidfile"
    die "exited during start-up (log above)"
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" = 200 ]; then
    log "ready at http://127.0.0.1:$port (health: /health/ready, metrics: /metrics)"
    exit 0
  fi
  sleep 0.25
done
curl -s "http://127.0.0.1:$port/health/ready" >&2 || true
die "not ready after ${timeout}s (log: $logfile)"
