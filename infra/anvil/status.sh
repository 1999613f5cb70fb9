#!/usr/bin/env bash
# Reports whether the local chain is up and answering, without changing anything.
# Exit: 0 running and answering; 1 unhealthy (stale pid file, not answering, port taken by someone
# else, external chain unreachable); 3 not running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/anvil.sh"

if anvil_external; then
  if chain="$(rpc "$RPC_URL" eth_chainId)"; then
    block="$(rpc "$RPC_URL" eth_blockNumber || echo '?')"
    log "external chain at $RPC_URL: chain $((chain)), block $((block))"
    exit 0
  fi
  log "external chain at $RPC_URL: not answering eth_chainId"
  exit 1
fi

if [ -f "$ANVIL_PIDFILE" ]; then
  if pid="$(anvil_pid)"; then
    if chain="$(rpc "$ANVIL_URL" eth_chainId)"; then
      block="$(rpc "$ANVIL_URL" eth_blockNumber || echo 0x0)"
      log "running (pid $pid) at $ANVIL_URL, chain $((chain)), block $((block)); log: $ANVIL_LOG"
      exit 0
    fi
    log "process $pid is alive but $ANVIL_URL does not answer eth_chainId; see $ANVIL_LOG"
    exit 1
  fi
  log "stale pid file: $(describe_pid "$(cat "$ANVIL_PIDFILE" 2>/dev/null)") is not a running anvil (start.sh or stop.sh cleans it)"
  exit 1
fi

if port_open "$ANVIL_HOST" "$ANVIL_PORT"; then
  log "not running (no pid file), but port $ANVIL_PORT is held by $(describe_pid "$(port_owner "$ANVIL_PORT")")"
  exit 1
fi
log "not running"
exit 3
