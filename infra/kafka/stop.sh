#!/usr/bin/env bash
# infra/kafka/stop.sh — stops the local broker started by start.sh (pid in
# .data/kafka/kafka.pid): SIGTERM for a clean controlled shutdown, SIGKILL after
# KAFKA_STOP_TIMEOUT (30 s). Idempotent. Data in .data/kafka/data is kept.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

run_file="${KAFKA_STATE_DIR}/kafka.run"

if [[ ! -f "$KAFKA_PID_FILE" ]]; then
  log "not running"
  exit 0
fi
pid=$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)
# Only signal the pid if it is still our JVM: after a reboot the number may
# belong to something else entirely.
if ! pid_matches "$KAFKA_PID_FILE" "$KAFKA_PID_NEEDLE"; then
  log "not running (stale pid file for pid ${pid:-?}, removed)"
  rm -f "$KAFKA_PID_FILE" "$run_file"
  exit 0
fi
stop_pidfile "$KAFKA_PID_FILE" kafka "${KAFKA_STOP_TIMEOUT:-30}"
rm -f "$run_file"
# After a SIGKILL the kernel still needs a moment to reap the JVM and release
# its ports; a start.sh right after must not find them taken.
for _ in {1..50}; do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
