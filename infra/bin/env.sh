#!/usr/bin/env bash
# The stack's addresses in one place: every port, URL and path the scripts, apps and tests
# use is derived here from a few overridable variables. Sourced after infra/lib/common.sh.
# Tests set ATELIER_STACK=test and benchmarks ATELIER_STACK=bench to get isolated stacks (other
# ports, data dir, DBs), so neither touches a stack started by `npm run up`, nor each other.
#
# Every fixed port sits below the kernel's ephemeral range (Linux: 32768-60999), where an
# outgoing connection can hold a port before our listener binds it (EADDRINUSE on `up`);
# stack.sh and the start scripts refuse a port inside it (refuse_ephemeral_ports, common.sh).
# Kafka and anvil keep their usual endings (9092, 8545) behind a digit per stack, bench 100 above
# test; the apps take the low 3000s, one block per stack, the relay beside the indexer:
#
#   stack  kafka (controller)  anvil  gateway  settlement  indexer  relay
#   dev    19092 (19093)       18545  3000     3100        3200     3201
#   test   29092 (29093)       28545  3300     3400        3450     3451
#   bench  29192 (29193)       28645  3500     3600        3650     3651

case "${ATELIER_STACK:-dev}" in
  test)
    : "${KAFKA_PORT:=29092}" "${KAFKA_CONTROLLER_PORT:=29093}" "${ANVIL_PORT:=28545}"
    : "${GATEWAY_PORT:=3300}" "${SETTLEMENT_PORT:=3400}" "${INDEXER_PORT:=3450}"
    : "${ATELIER_DB_PREFIX:=atelier_test}"
    ;;
  bench)
    : "${KAFKA_PORT:=29192}" "${KAFKA_CONTROLLER_PORT:=29193}" "${ANVIL_PORT:=28645}"
    : "${GATEWAY_PORT:=3500}" "${SETTLEMENT_PORT:=3600}" "${INDEXER_PORT:=3650}"
    : "${ATELIER_DB_PREFIX:=atelier_bench}"
    ;;
esac
: "${KAFKA_PORT:=19092}" "${KAFKA_CONTROLLER_PORT:=19093}" "${ANVIL_PORT:=18545}"
: "${GATEWAY_PORT:=3000}" "${SETTLEMENT_PORT:=3100}" "${INDEXER_PORT:=3200}"
: "${ATELIER_DB_PREFIX:=atelier}" "${CHAIN_ID:=31337}"
: "${RELAY_PORT:=$((INDEXER_PORT + 1))}" # the indexer's Kafka relay listens beside it
: "${BOT_PORT:=$((SETTLEMENT_PORT + 2))}" # the demo bot's /health (npm run up only)
# A KAFKA_BROKERS set by the caller means an outside cluster: the scripts then start no broker.
if [ -n "${KAFKA_BROKERS:-}" ] && [ -z "${ATELIER_KAFKA_EXTERNAL:-}" ]; then ATELIER_KAFKA_EXTERNAL=1; fi
: "${ATELIER_KAFKA_EXTERNAL:=0}"
: "${KAFKA_BROKERS:=127.0.0.1:$KAFKA_PORT}"
: "${RPC_URL:=http://127.0.0.1:$ANVIL_PORT}"
: "${ATELIER_DEPLOYMENTS:=$ATELIER_DATA/deployments/$CHAIN_ID.json}"
: "${GATEWAY_DATABASE_URL:=postgres://atelier:atelier@127.0.0.1:5432/$ATELIER_DB_PREFIX}"
: "${INDEXER_DATABASE_URL:=postgres://atelier:atelier@127.0.0.1:5432/${ATELIER_DB_PREFIX}_indexer}"
: "${SETTLEMENT_DATABASE_URL:=postgres://atelier:atelier@127.0.0.1:5432/${ATELIER_DB_PREFIX}_settlement}"

export ATELIER_DATA KAFKA_PORT KAFKA_CONTROLLER_PORT ANVIL_PORT GATEWAY_PORT SETTLEMENT_PORT \
  INDEXER_PORT RELAY_PORT BOT_PORT ATELIER_DB_PREFIX ATELIER_KAFKA_EXTERNAL CHAIN_ID KAFKA_BROKERS RPC_URL ATELIER_DEPLOYMENTS \
  GATEWAY_DATABASE_URL INDEXER_DATABASE_URL SETTLEMENT_DATABASE_URL

# The ports this stack listens on (an external Kafka's are not ours), for the start-time guard.
ATELIER_LISTEN_PORTS=(ANVIL_PORT GATEWAY_PORT SETTLEMENT_PORT INDEXER_PORT RELAY_PORT BOT_PORT)
[ "$ATELIER_KAFKA_EXTERNAL" = 1 ] || ATELIER_LISTEN_PORTS+=(KAFKA_PORT KAFKA_CONTROLLER_PORT)
