#!/usr/bin/env bash
# Stops one app: SIGTERM to its whole process group (graceful shutdown), SIGKILL after a grace.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../bin/env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
app="${1:?usage: stop.sh gateway|settlement|indexer|relay|bot}"
ATELIER_COMPONENT="$app"
pidfile="$ATELIER_DATA/apps/$app.pid"
if ! [ -f "$pidfile" ]; then log "not running"; exit 0; fi
pid="$(cat "$pidfile")"
if ! kill -0 "$pid" 2>/dev/null; then log "stale pid file ($pid), removed"; rm -f "$pidfile"; exit 0; fi
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for ((i = 0; i < ${APP_STOP_TIMEOUT:-15} * 10; i++)); do
  kill -0 -- "-$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 -- "-$pid" 2>/dev/null; then
  log "still alive after ${APP_STOP_TIMEOUT:-15}s, SIGKILL"
  kill -KILL -- "-$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
log "stopped (pid $pid)"
