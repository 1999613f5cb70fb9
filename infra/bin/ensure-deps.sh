#!/usr/bin/env bash
# Installs what the project needs when it is missing or stale: npm packages (which carry
# Node 24, anvil, forge and solc), and checks Java and Maven for Kafka. Safe to run often.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ATELIER_COMPONENT=deps

cd "$ATELIER_ROOT"
stamp="node_modules/.package-lock.json"
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  log "installing npm packages (npm ci; install scripts as decided in package.json allowScripts)"
  started=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error
  log "npm packages installed in $((SECONDS - started))s"
fi
use_project_node

command -v java >/dev/null || die "Java 17+ is required for Kafka (apt-get install openjdk-17-jre-headless)"
java_major="$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -n1)"
[ "${java_major:-0}" -ge 17 ] || die "Java 17+ is required for Kafka, found ${java_major:-none}"
if [ "${ATELIER_KAFKA_EXTERNAL:-0}" != 1 ]; then
  command -v mvn >/dev/null || die "Maven is required to fetch the Kafka jars (apt-get install maven)"
fi
