#!/usr/bin/env bash
# Starts, stops or reports the parts of the local stack, in dependency order:
#   postgres kafka anvil contracts indexer relay gateway settlement
# A start first refuses any of the stack's ports inside the kernel's ephemeral range (env.sh).
# usage: stack.sh start|stop|status [part ...]   (no part = all of them) | stack.sh env
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
ATELIER_COMPONENT=stack
action="${1:?usage: stack.sh start|stop|status [part ...]}"
shift
all=(postgres kafka anvil contracts indexer relay gateway settlement bot)
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=("${all[@]}")
cd "$ATELIER_ROOT"

kafka() { # our broker scripts read KAFKA_BROKERS as "use an outside cluster"
  if [ "$ATELIER_KAFKA_EXTERNAL" = 1 ]; then
    log "kafka: using the external cluster at $KAFKA_BROKERS"
  else
    env -u KAFKA_BROKERS bash infra/kafka/"$1".sh
  fi
}

start_part() {
  case "$1" in
    postgres) tsx infra/postgres/ensure.ts >/dev/null ;;
    kafka) kafka start ;;
    anvil) bash infra/anvil/start.sh ;;
    contracts) bash infra/contracts/deploy.sh ;;
    indexer | relay | gateway | settlement | bot) bash infra/apps/start.sh "$1" ;;
    *) die "unknown part '$1' (${all[*]})" ;;
  esac
}

stop_part() {
  case "$1" in
    postgres | contracts) ;; # the server is the machine's; deployments live on the chain
    kafka) kafka stop ;;
    anvil) bash infra/anvil/stop.sh ;;
    indexer | relay | gateway | settlement | bot) bash infra/apps/stop.sh "$1" ;;
    *) die "unknown part '$1' (${all[*]})" ;;
  esac
}

use_project_node
case "$action" in
  start)
    refuse_ephemeral_ports "${ATELIER_LISTEN_PORTS[@]}" # every port of the stack, before any part starts
    # The apps run compiled (dist/): build the ones asked for once, before any of them starts.
    built=()
    for p in "${parts[@]}"; do case "$p" in relay | gateway | settlement) built+=("$p") ;; bot) built+=(demo-bot) ;; esac; done
    [ ${#built[@]} -eq 0 ] || bash infra/bin/build.sh "${built[@]}"
    for p in "${parts[@]}"; do start_part "$p"; done
    ;;
  stop) for ((i = ${#parts[@]} - 1; i >= 0; i--)); do stop_part "${parts[$i]}"; done ;;
  status)
    for p in "${parts[@]}"; do
      case "$p" in
        postgres) tsx infra/postgres/ensure.ts >/dev/null 2>&1 && echo "postgres    reachable  $GATEWAY_DATABASE_URL (and _indexer, _settlement)" || echo "postgres    UNREACHABLE" ;;
        kafka) [ "$ATELIER_KAFKA_EXTERNAL" = 1 ] && echo "kafka       external   $KAFKA_BROKERS" || kafka status || true ;;
        anvil) bash infra/anvil/status.sh || true ;;
        contracts) [ -f "$ATELIER_DEPLOYMENTS" ] && echo "contracts   deployed   $ATELIER_DEPLOYMENTS" || echo "contracts   not deployed" ;;
        *) bash infra/apps/status.sh "$p" ;;
      esac
    done
    ;;
  env) # the stack's variables as KEY=value lines, for tests and tools
    for v in ATELIER_DATA KAFKA_BROKERS ATELIER_KAFKA_EXTERNAL RPC_URL CHAIN_ID ATELIER_DEPLOYMENTS \
      GATEWAY_PORT SETTLEMENT_PORT INDEXER_PORT GATEWAY_DATABASE_URL INDEXER_DATABASE_URL \
      SETTLEMENT_DATABASE_URL KAFKA_PORT KAFKA_CONTROLLER_PORT ANVIL_PORT RELAY_PORT BOT_PORT; do printf '%s=%s\n' "$v" "${!v}"; done
    ;;
  *) die "unknown action '$action' (start | stop | status | env)" ;;
esac
