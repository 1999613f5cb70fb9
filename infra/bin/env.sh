#!/usr/bin/env bash
# The stack's addresses in one place: every port, URL and path the scripts, apps and tests
# use is derived here from a few overridable variables. Sourced after infra/lib/common.sh.
# Tests set ATELIER_STACK=test and benchmarks ATELIER_STACK=bench to get isolated stacks (other
# ports, data dir, DBs), so neither touches a stack started by `npm run up`, nor each other.

case "${ATELIER_STACK:-dev}" in
  test)
    : "${KAFKA_PORT:=29092}" "${KAFKA_CONTROLLER_PORT:=29093}" "${ANVIL_PORT:=28545}"
    : "${GATEWAY_PORT:=3300}" "${SETTLEMENT_PORT:=3400}" "${INDEXER_PORT:=42169}"
    : "${ATELIER_DB_PREFIX:=atelier_test}"
    ;;
  bench)
    : "${KAFKA_PORT:=39092}" "${KAFKA_CONTROLLER_PORT:=39093}" "${ANVIL_PORT:=38545}"
    : "${GATEWAY_PORT:=3500}" "${SETTLEMENT_PORT:=3600}" "${INDEXER_PORT:=42269}"
    : "${ATELIER_DB_PREFIX:=atelier_bench}"
    ;;
esac
: "${KAFKA_PORT:=19092}" "${KAFKA_CONTROLLER_PORT:=19093}" "${ANVIL_PORT:=18545}"
: "${GATEWAY_PORT:=3000}" "${SETTLEMENT_PORT:=3100}" "${INDEXER_PORT:=42069}"
: "${ATELIER_DB_PREFIX:=atelier}" "${CHAIN_ID:=31337}"
: "${RELAY_PORT:=$((INDEXER_PORT + 1))}" # the indexer's Kafka relay listens beside it
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
  INDEXER_PORT RELAY_PORT ATELIER_DB_PREFIX ATELIER_KAFKA_EXTERNAL CHAIN_ID KAFKA_BROKERS RPC_URL ATELIER_DEPLOYMENTS \
  GATEWAY_DATABASE_URL INDEXER_DATABASE_URL SETTLEMENT_DATABASE_URL
