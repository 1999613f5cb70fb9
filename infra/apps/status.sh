#!/usr/bin/env bash
# One line per app: running and ready / running but not ready / stopped / stale.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../bin/env.sh
source "$ATELIER_ROOT/infra/bin/env.sh"
for app in "$@"; do
  port_var="${app^^}_PORT"
  port="${!port_var}"
  pidfile="$ATELIER_DATA/apps/$app.pid"
  if pid_alive "$pidfile"; then
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)"
    state=$([ "$code" = 200 ] && echo ready || echo "not ready (health $code)")
    printf '%-11s running  pid %-7s http://127.0.0.1:%s  %s\n' "$app" "$(cat "$pidfile")" "$port" "$state"
  elif [ -f "$pidfile" ]; then
    printf '%-11s stale    pid file names dead pid %s\n' "$app" "$(cat "$pidfile")"
  else
    printf '%-11s stopped\n' "$app"
  fi
done
