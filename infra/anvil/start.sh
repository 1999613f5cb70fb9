#!/usr/bin/env bash
# Starts the local chain (anvil, chain id 31337, deterministic dev accounts) that `npm run up`, the
# deploy script and the indexer expect at 127.0.0.1:${ANVIL_PORT:-18545}. Idempotent: a healthy running
# instance is reused, a stale pid file is cleaned, a foreign listener on the port is an error.
# Env: ANVIL_PORT, ANVIL_BLOCK_TIME (seconds; default automine), ANVIL_HARDFORK (default prague, the
# contracts' evm_version), ANVIL_START_TIMEOUT (default 30), ANVIL_EXTERNAL=1 + RPC_URL (use that chain).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/anvil.sh"

if anvil_external; then
  log "ANVIL_EXTERNAL=1 and RPC_URL=$RPC_URL is not ours: not starting anvil"
  exit 0
fi

refuse_ephemeral_ports ANVIL_PORT
mkdir -p "$ANVIL_DIR"
# Two concurrent starts would both launch anvil and race on the pid file.
exec 9>"$ANVIL_DIR/start.lock"
flock -w 60 9 || die "another anvil start.sh holds $ANVIL_DIR/start.lock"

timeout="${ANVIL_START_TIMEOUT:-30}"

# wait_ready PID SECONDS -> 0 once our URL answers eth_chainId; fails early if PID died
wait_ready() {
  local pid="$1" deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -n "$(rpc "$ANVIL_URL" eth_chainId || true)" ]; then return 0; fi
    sleep 0.2
  done
  return 1
}

# 1. Already ours?
if [ -f "$ANVIL_PIDFILE" ]; then
  if pid="$(anvil_pid)"; then
    # It may still be starting (a concurrent start.sh) or stopping (a concurrent stop.sh).
    if wait_ready "$pid" "$timeout"; then
      chain="$(rpc "$ANVIL_URL" eth_chainId)"
      [ "$chain" = "$ANVIL_CHAIN_ID_HEX" ] ||
        die "anvil (pid $pid) at $ANVIL_URL answers chain id $((chain)), expected $ANVIL_CHAIN_ID; run infra/anvil/stop.sh"
      log "already running (pid $pid) at $ANVIL_URL, chain $ANVIL_CHAIN_ID"
      exit 0
    fi
    kill -0 "$pid" 2>/dev/null &&
      die "anvil (pid $pid) is alive but $ANVIL_URL does not answer; see $ANVIL_LOG or run infra/anvil/stop.sh"
    log "anvil (pid $pid) exited while we waited for it; starting a new one"
  else
    log "stale pid file (pid $(cat "$ANVIL_PIDFILE" 2>/dev/null), no anvil with that pid), removed"
  fi
  rm -f "$ANVIL_PIDFILE"
fi

# 2. Someone else on our port?
if port_open "$ANVIL_HOST" "$ANVIL_PORT"; then
  die "port $ANVIL_PORT is held by another process: $(describe_pid "$(port_owner "$ANVIL_PORT")"); stop it or set ANVIL_PORT"
fi

# 3. Start.
args=(
  --host "$ANVIL_HOST" --port "$ANVIL_PORT"
  --chain-id "$ANVIL_CHAIN_ID"
  --mnemonic "$ANVIL_MNEMONIC"
  --hardfork "${ANVIL_HARDFORK:-prague}"
)
mining=automine
if [ -n "${ANVIL_BLOCK_TIME:-}" ]; then
  if ! [[ "$ANVIL_BLOCK_TIME" =~ ^[1-9][0-9]*$ ]]; then
    die "ANVIL_BLOCK_TIME must be a whole number of seconds > 0, got '$ANVIL_BLOCK_TIME'"
  fi
  args+=(--block-time "$ANVIL_BLOCK_TIME")
  mining="block time ${ANVIL_BLOCK_TIME}s"
fi

anvil_bin="$(foundry_bin anvil)"
[ -f "$ANVIL_LOG" ] && mv -f "$ANVIL_LOG" "$ANVIL_LOG.1"
# setsid: the chain outlives this script and ignores Ctrl-C in the terminal that ran `npm run up`.
# No job control here, so setsid execs in place and $! is anvil's own pid.
# 9>&-: the start lock must not be inherited, or it would be held for anvil's whole life.
setsid "$anvil_bin" "${args[@]}" </dev/null >"$ANVIL_LOG" 2>&1 9>&- &
echo $! >"$ANVIL_PIDFILE"
pid="$(cat "$ANVIL_PIDFILE")"

if ! wait_ready "$pid" "$timeout"; then
  if kill -0 "$pid" 2>/dev/null; then
    log "anvil (pid $pid) did not answer eth_chainId at $ANVIL_URL within ${timeout}s; last lines of $ANVIL_LOG:"
  else
    log "anvil exited during startup; last lines of $ANVIL_LOG:"
  fi
  tail -n 30 "$ANVIL_LOG" >&2 || true
  kill -TERM "$pid" 2>/dev/null || true
  rm -f "$ANVIL_PIDFILE"
  exit 1
fi
chain="$(rpc "$ANVIL_URL" eth_chainId)"
[ "$chain" = "$ANVIL_CHAIN_ID_HEX" ] || die "anvil answered chain id $chain, expected $ANVIL_CHAIN_ID_HEX"
log "started (pid $pid) at $ANVIL_URL, chain $ANVIL_CHAIN_ID, $mining, hardfork ${ANVIL_HARDFORK:-prague}; log: $ANVIL_LOG"
