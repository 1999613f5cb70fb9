#!/usr/bin/env bash
# infra/kafka/status.sh — prints one line about the local broker on stdout:
#   running pid=<pid> port=<port> version=<v> | not-answering ... | stopped | stale pid=<pid> | external brokers=<list>
# Exit status as infra/anvil/status.sh (LSB-like): 0 running (or external);
# 1 unhealthy: stale pid file, alive but not answering, or port held by a
# foreign process; 3 stopped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if [[ -n "${KAFKA_BROKERS:-}" ]]; then
  echo "kafka: external brokers=${KAFKA_BROKERS}"
  exit 0
fi
if [[ ! -f "$KAFKA_PID_FILE" ]]; then
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    owner=$(port_owner "$KAFKA_PORT")
    echo "kafka: stopped, but port ${KAFKA_PORT} is held by ${owner:+pid }${owner:-an unknown process} (start.sh will refuse)"
    exit 1
  fi
  echo "kafka: stopped"
  exit 3
fi
pid=$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)
if ! pid_matches "$KAFKA_PID_FILE" "$KAFKA_PID_NEEDLE"; then
  echo "kafka: stale pid=${pid:-?} (no broker with that pid; start.sh or stop.sh will clean it)"
  exit 1
fi
read -r version port <"${KAFKA_STATE_DIR}/kafka.run" 2>/dev/null || true
port=${port:-$KAFKA_PORT}
if kafka_api_ping "$KAFKA_HOST" "$port"; then
  echo "kafka: running pid=${pid} port=${port} version=${version:-unknown}"
  exit 0
fi
echo "kafka: not-answering pid=${pid} port=${port} version=${version:-unknown} (still starting, or hung)"
exit 1
