#!/usr/bin/env bash
# Stops the local anvil started by start.sh (SIGTERM, then SIGKILL after a grace period). Never touches
# an external chain (ANVIL_EXTERNAL=1) or a process that merely reuses the recorded pid.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/anvil.sh"

if anvil_external; then
  log "ANVIL_EXTERNAL=1 and RPC_URL=$RPC_URL is not ours: nothing to stop"
  exit 0
fi

if [ -f "$ANVIL_PIDFILE" ] && pid_alive "$ANVIL_PIDFILE" && ! anvil_pid >/dev/null; then
  log "pid file names $(describe_pid "$(cat "$ANVIL_PIDFILE")"), which is not anvil: stale, removed"
  rm -f "$ANVIL_PIDFILE"
  exit 0
fi
stop_pidfile "$ANVIL_PIDFILE" anvil 10
