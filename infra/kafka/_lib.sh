# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are read by the scripts that source this
# infra/kafka/_lib.sh — settings shared by the kafka scripts: which version, where
# its jars and state live, which Java runs it. Sourced, never executed.

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ATELIER_COMPONENT=kafka

KAFKA_DIR="${ATELIER_ROOT}/infra/kafka"
# One pinned version for every script; KAFKA_VERSION overrides it so the
# compatibility matrix (docs/decisions/0001) can be re-run without editing files.
KAFKA_PINNED_VERSION="$(tr -d '[:space:]' <"${KAFKA_DIR}/version")"
KAFKA_VERSION="${KAFKA_VERSION:-${KAFKA_PINNED_VERSION}}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_STATE_DIR="${KAFKA_DATA_DIR:-${ATELIER_DATA}/kafka}"
KAFKA_PID_FILE="${KAFKA_STATE_DIR}/kafka.pid"
KAFKA_LOG_FILE="${KAFKA_STATE_DIR}/logs/server.log"

# kafka_libs_dir VERSION — where fetch.sh puts that version's jars.
kafka_libs_dir() { printf '%s/kafka/%s/libs\n' "${ATELIER_CACHE}" "$1"; }
# The marker is written last by fetch.sh: its presence means the jar set is whole.
# Complete: the marker written last, and the command-line tools (a cache from before they were
# fetched is filled again).
kafka_cache_complete() {
  [[ -f "${ATELIER_CACHE}/kafka/$1/.complete" ]] &&
    compgen -G "${ATELIER_CACHE}/kafka/$1/libs/kafka-tools-*.jar" >/dev/null
}

# A pid in our pid file only counts if it is really our broker (see pid_matches in infra/lib/common.sh).
KAFKA_PID_NEEDLE="kafka.Kafka"

_java_major() { # JAVA_BIN — feature release of that JVM, e.g. 17
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

# kafka_java VERSION — print a java binary able to run that Kafka version.
# Kafka states its minimum per release (4.x brokers need 17), but reading the
# class-file level of kafka-server's jar (recorded by fetch.sh) stays correct
# for future releases too. JAVA_HOME wins when set and new enough; otherwise
# PATH's java, then any JDK under /usr/lib/jvm.
kafka_java() {
  local need candidates=() c have
  need=$(cat "${ATELIER_CACHE}/kafka/$1/java-release" 2>/dev/null || echo 17)
  if [[ -n "${JAVA_HOME:-}" ]]; then candidates+=("${JAVA_HOME}/bin/java"); fi
  if command -v java >/dev/null 2>&1; then candidates+=("$(command -v java)"); fi
  candidates+=(/usr/lib/jvm/*/bin/java)
  for c in "${candidates[@]}"; do
    [[ -x "$c" ]] || continue
    have=$(_java_major "$c")
    if [[ -n "$have" ]] && ((have >= need)); then
      printf '%s\n' "$c"
      return 0
    fi
  done
  die "Kafka ${1} needs Java >= ${need}; none found (set JAVA_HOME)"
}

# kafka_api_ping HOST PORT — does a Kafka broker answer there? Sends ApiVersions
# v0 (api key 18, correlation id 42) over bash's /dev/tcp and checks that the
# reply echoes the correlation id with error 0. An open port only proves that
# something listens; this proves the broker's request path is up, without
# starting a second JVM (kafka-broker-api-versions) or needing node_modules.
kafka_api_ping() {
  local out
  # shellcheck disable=SC2016  # $1/$2 are the inner shell's arguments
  out=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "\x00\x00\x00\x11\x00\x12\x00\x00\x00\x00\x00\x2a\x00\x07atelier" >&3
    head -c 10 <&3 | od -An -tx1' _ "$1" "$2" 2>/dev/null) || return 1
  out=${out//[[:space:]]/}
  # reply: int32 size | int32 correlation id | int16 error code
  [[ "${out:8:12}" == 0000002a0000 ]]
}
