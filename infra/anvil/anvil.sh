#!/usr/bin/env bash
# Sourced by start/stop/status.sh, never executed: one definition of where the local chain lives
# (address, chain id, state dir) and how we ask it whether it is really up (JSON-RPC eth_chainId),
# so all three scripts agree on "ours", "external", "stale" and "foreign".

# shellcheck disable=SC2034  # sourced: the variables below are used by start/stop/status.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../contracts/foundry.sh"
ATELIER_COMPONENT=anvil

ANVIL_HOST=127.0.0.1
ANVIL_PORT="${ANVIL_PORT:-18545}"
ANVIL_CHAIN_ID=31337
ANVIL_CHAIN_ID_HEX=0x7a69
ANVIL_URL="http://$ANVIL_HOST:$ANVIL_PORT"
# Foundry's well-known development mnemonic: account 0 is 0xf39F...2266. Public, never for real funds.
ANVIL_MNEMONIC="test test test test test test test test test test test junk"
# pid file, log and start lock; infra/bin/stack.sh passes ANVIL_STATE_DIR (the same path by default)
ANVIL_DIR="${ANVIL_STATE_DIR:-$ATELIER_DATA/anvil}"
ANVIL_PIDFILE="$ANVIL_DIR/anvil.pid"
ANVIL_LOG="$ANVIL_DIR/anvil.log"

# rpc URL METHOD [PARAMS_JSON] -> the JSON-RPC "result" (a hex quantity) on stdout; fails when
# unreachable, on a JSON-RPC error, or when whatever answers is not an Ethereum node
rpc() {
  local url="$1" method="$2" params="${3:-[]}" body result
  body="$(curl -sS --max-time 2 -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" "$url" 2>/dev/null)" || return 1
  result="$(jq -er '.result // empty' <<<"$body" 2>/dev/null)" || return 1
  [[ "$result" =~ ^0x[0-9a-fA-F]+$ ]] || return 1
  printf '%s\n' "$result"
}

# anvil_external -> 0 when ANVIL_EXTERNAL=1 and RPC_URL names a node that is not our port
anvil_external() {
  [ "${ANVIL_EXTERNAL:-0}" = 1 ] || return 1
  [ -n "${RPC_URL:-}" ] || return 1
  local hostport host port
  hostport="${RPC_URL#*://}"
  hostport="${hostport%%/*}"
  hostport="${hostport##*@}"
  case "$hostport" in
    \[*\]:*) host="${hostport%]:*}]" port="${hostport##*]:}" ;;
    \[*\]) host="$hostport" port="" ;;
    *:*) host="${hostport%:*}" port="${hostport##*:}" ;;
    *) host="$hostport" port="" ;;
  esac
  case "$host" in
    127.0.0.1 | localhost | "[::1]" | 0.0.0.0) [ "$port" != "$ANVIL_PORT" ] ;;
    *) return 0 ;;
  esac
}

# anvil_pid -> pid from the pid file when that process is alive AND is anvil (pids get reused)
anvil_pid() {
  local pid comm
  pid_alive "$ANVIL_PIDFILE" || return 1
  pid="$(cat "$ANVIL_PIDFILE")"
  comm="$(ps -o comm= -p "$pid" 2>/dev/null || true)"
  [ "$comm" = anvil ] || return 1
  printf '%s\n' "$pid"
}

# describe_pid PID -> "PID (command line)" for messages about processes that are not ours
describe_pid() {
  local pid="$1" args
  [ -n "$pid" ] || { printf 'unknown pid (ss could not tell)'; return; }
  args="$(ps -o args= -p "$pid" 2>/dev/null | cut -c1-120 || true)"
  printf '%s (%s)' "$pid" "${args:-exited}"
}
