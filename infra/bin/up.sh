#!/usr/bin/env bash
# `npm run up`: from a fresh clone to a running local Atelier. Installs what is missing,
# starts PostgreSQL databases, Kafka, anvil, deploys the contracts, starts the indexer, its
# relay, the gateway and settlement apps, waits until each is healthy, seeds the demo market
# (works with provenance, a settled batch, a direct fill, a contributor's withdrawal, then a live
# book of signed asks and bids placed through the gateway's API), starts the demo bot that keeps
# trading through the API (docs/demo.md) and prints where everything is.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ATELIER_COMPONENT=up
started=$SECONDS
bash "$ATELIER_ROOT/infra/bin/ensure-deps.sh"
use_project_node
# shellcheck source=env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
bash "$ATELIER_ROOT/infra/bin/stack.sh" start postgres kafka anvil contracts indexer relay gateway settlement
(cd "$ATELIER_ROOT" && tsx contracts/script/seed-demo.ts) # the demo market, on a local chain only
bash "$ATELIER_ROOT/infra/bin/stack.sh" start bot # after the seed: its book is the bot's market
row() { # part, address[, what to ask it]: aligned columns whatever the ports' widths
  if [ $# -gt 2 ]; then printf '  %-11s %-23s %s\n' "$@"; else printf '  %-11s %s\n' "$@"; fi
}
printf '\nAtelier is up (%ss).\n' "$((SECONDS - started))"
row gateway "http://127.0.0.1:$GATEWAY_PORT" "(GET /health, /metrics, /v1/deployments, /v1/orders)"
row indexer "http://127.0.0.1:$INDEXER_PORT" "(GET /health/ready, /graphql, /status, /metrics)"
row relay "http://127.0.0.1:$RELAY_PORT" "(chain facts to Kafka chain.*; GET /health, /metrics)"
row settlement "http://127.0.0.1:$SETTLEMENT_PORT" "(GET /health, /metrics)"
row demo-bot "http://127.0.0.1:$BOT_PORT" "(GET /health: rounds, orders, matches; log .data/logs/bot.log)"
row chain "$RPC_URL" "(anvil, chain $CHAIN_ID; deployments in $ATELIER_DEPLOYMENTS)"
row kafka "$KAFKA_BROKERS"
row postgres "$GATEWAY_DATABASE_URL" "(+ _indexer, _settlement)"
row logs "$ATELIER_DATA/logs/"
echo 'Stop everything with: npm run down    Show what runs: npm run status'
