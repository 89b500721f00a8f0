# shellcheck shell=bash
# Shared settings and helpers for scripts/services/*.sh (sourced, not run).
# Everything is overridable by environment variables; see docs/decisions/0002-real-services-on-loopback.md.

set -euo pipefail

SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVICES_DIR=${VIGIL_SERVICES_DIR:-$SERVICES_ROOT/.cache/services}
KAFKA_LIBS=${VIGIL_KAFKA_LIBS:-$SERVICES_ROOT/.cache/kafka/libs}
KAFKA_POM=$SERVICES_ROOT/scripts/services/kafka/pom.xml

PG_PORT=${VIGIL_PG_PORT:-55432}
PG_DB=${VIGIL_PG_DB:-vigil}
PG_USER=${VIGIL_PG_USER:-vigil}
REDIS_PORT=${VIGIL_REDIS_PORT:-56379}
KAFKA_PORT=${VIGIL_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${VIGIL_KAFKA_CONTROLLER_PORT:-59093}
KAFKA_PARTITIONS=${VIGIL_KAFKA_PARTITIONS:-3}
KAFKA_HEAP=${VIGIL_KAFKA_HEAP:-512m}
# Seconds to wait for a service to become ready before giving up.
READY_TIMEOUT=${VIGIL_SERVICES_TIMEOUT:-90}

ALL_SERVICES=(postgres redis kafka)

log() { printf '[services] %s\n' "$*" >&2; }

# die MESSAGE [LOGFILE]: print the message (and the log's tail, when given) and exit 1.
die() {
  printf '[services] ERROR: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf '[services] ---- last 40 lines of %s ----\n' "$2" >&2
    tail -n 40 "$2" >&2 || true
    printf '[services] ---- end of %s ----\n' "$2" >&2
  fi
  exit 1
}

# Milliseconds since the epoch, for timings.
now_ms() { date +%s%3N; }
since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }

# Is something accepting TCP connections on 127.0.0.1:PORT?
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A pid that exists and is not a zombie (our servers are re-parented to init, which may reap them late).
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
read_pid() { [ -f "$1" ] && head -n1 "$1" | tr -dc '0-9' || true; }

# launch PIDFILE LOGFILE CMD...: run CMD in the background in a session of its own (so it outlives this script and
# its terminal), stdout+stderr appended to LOGFILE; PIDFILE gets the command's own pid. Waits for the PIDFILE.
launch() {
  local pidfile=$1 logfile=$2; shift 2
  rm -f "$pidfile"
  PIDFILE=$pidfile setsid bash -c 'echo $$ >"$PIDFILE"; exec "$@"' launch "$@" >>"$logfile" 2>&1 </dev/null &
  local deadline=$(( $(date +%s) + 5 ))
  while [ ! -s "$pidfile" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  [ -s "$pidfile" ] || die "could not start $1" "$logfile"
}

# Validate service names given on the command line; none means all.
parse_services() {
  if [ $# -eq 0 ]; then SERVICES=("${ALL_SERVICES[@]}"); return; fi
  SERVICES=()
  local s
  for s in "$@"; do
    case "$s" in
      postgres|redis|kafka) SERVICES+=("$s") ;;
      pg|postgresql) SERVICES+=(postgres) ;;
      *) die "unknown service '$s' (expected: postgres redis kafka)" ;;
    esac
  done
}

# ---------- PostgreSQL ----------
pg_bindir() {
  local d
  if [ -n "${VIGIL_PG_BINDIR:-}" ]; then echo "$VIGIL_PG_BINDIR"; return; fi
  # Highest installed major version that has a server binary.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  return 1
}
PG_HOME=$SERVICES_DIR/postgres
# The server runs as 'postgres' when we are root, and that user must reach its data directory. When it cannot
# (a clone inside a 0700 folder, e.g. from mktemp -d), start.sh keeps the data under /tmp and leaves a symlink
# $PG_HOME/base pointing there; otherwise $PG_HOME/base is a plain folder.
pg_set_paths() {
  PG_BASE=$PG_HOME/base
  if [ -L "$PG_BASE" ]; then PG_BASE=$(readlink -f "$PG_BASE"); fi
  PG_DATA=$PG_BASE/data
  PG_LOG=$PG_BASE/postgres.log
}
pg_set_paths
# Postgres refuses to run as root: when we are root, it runs as the 'postgres' system user.
pg_as() {
  # From /: the current folder may be one that user cannot enter (pg_ctl and initdb complain otherwise).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
pg_running() { [ -f "$PG_DATA/postmaster.pid" ] && pid_alive "$(read_pid "$PG_DATA/postmaster.pid")"; }
pg_url() { echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"; }

# ---------- Redis ----------
REDIS_HOME=$SERVICES_DIR/redis
REDIS_PIDFILE=$REDIS_HOME/redis.pid
REDIS_LOG=$REDIS_HOME/redis.log
redis_pid() {
  local pid; pid=$(read_pid "$REDIS_PIDFILE")
  if pid_alive "$pid" && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" =~ redis-server ]]; then echo "$pid"; fi
}
redis_running() { [ -n "$(redis_pid)" ]; }
redis_url() { echo "redis://127.0.0.1:$REDIS_PORT"; }

# ---------- Kafka ----------
KAFKA_HOME=$SERVICES_DIR/kafka
KAFKA_PIDFILE=$KAFKA_HOME/kafka.pid
KAFKA_LOG=$KAFKA_HOME/kafka.out
kafka_pid() {
  local pid; pid=$(read_pid "$KAFKA_PIDFILE")
  # Only our broker: the pid must be alive and be a JVM running kafka.Kafka.
  if pid_alive "$pid" && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" =~ kafka[.]Kafka ]]; then echo "$pid"; fi
}
kafka_running() { [ -n "$(kafka_pid)" ]; }
kafka_paused() { local pid; pid=$(kafka_pid); [ -n "$pid" ] && [ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)" = T ]; }
kafka_brokers() { echo "127.0.0.1:$KAFKA_PORT"; }
kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"; }
kafka_java() { java -cp "$KAFKA_LIBS/*" "$@"; }

# Rewrite $SERVICES_DIR/env with the URLs of the services that are up (KEY=value lines, dotenv style).
write_env() {
  mkdir -p "$SERVICES_DIR"
  local tmp="$SERVICES_DIR/env.tmp.$$"
  {
    if pg_running; then echo "VIGIL_DATABASE_URL=$(pg_url)"; fi
    if redis_running; then echo "VIGIL_REDIS_URL=$(redis_url)"; fi
    if kafka_running; then echo "VIGIL_KAFKA_BROKERS=$(kafka_brokers)"; fi
  } >"$tmp"
  mv -f "$tmp" "$SERVICES_DIR/env"
}
