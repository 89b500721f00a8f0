#!/usr/bin/env bash
# Starts real PostgreSQL, Redis and Apache Kafka (KRaft, single node) on loopback for tests and demos, waits
# until each answers a real request, and writes <repo>/.cache/services/env (VIGIL_DATABASE_URL, VIGIL_REDIS_URL,
# VIGIL_KAFKA_BROKERS). A service that is already running and ready is left alone.
# Data lives under <repo>/.cache/services/<name> and is kept across stop/start (so restart.sh can test
# recovery); --fresh wipes the named services' data first.
# Usage: scripts/services/start.sh [--fresh] [postgres] [redis] [kafka]     (none named: all three)
# Needs scripts/services/install.sh to have run.
source "$(dirname "$0")/lib.sh"

fresh=0
args=()
for a in "$@"; do
  case "$a" in
    --fresh) fresh=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
parse_services "${args[@]+"${args[@]}"}"

if [ "$fresh" = 1 ]; then
  "$(dirname "$0")/stop.sh" "${SERVICES[@]}"
  for s in "${SERVICES[@]}"; do
    case "$s" in
      postgres) rm -rf "$PG_BASE" "$PG_HOME" ;;
      redis) rm -rf "$REDIS_HOME" ;;
      kafka) rm -rf "$KAFKA_HOME" ;;
    esac
    log "$s: data wiped (--fresh)"
  done
  pg_set_paths
fi

# wait_until NAME LOGFILE PID_CHECK_CMD READY_CMD: poll READY_CMD every 0.2 s until it succeeds; fail fast with the
# log's tail when the process died, and after READY_TIMEOUT seconds.
wait_until() {
  local name=$1 logfile=$2 alive=$3 ready=$4 deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while ! eval "$ready" >/dev/null 2>&1; do
    if ! eval "$alive"; then die "$name exited during start-up" "$logfile"; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then die "$name not ready after ${READY_TIMEOUT}s" "$logfile"; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- PostgreSQL
start_postgres() {
  local t bindir; t=$(now_ms)
  bindir=$(pg_bindir) || die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): run scripts/services/install.sh"
  local psql=("$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1)
  if pg_running; then
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres; then log "postgres: already running on 127.0.0.1:$PG_PORT"; return; fi
    die "postgres: a server runs on $PG_DATA but does not answer on 127.0.0.1:$PG_PORT (other port? run stop.sh postgres)" "$PG_LOG"
  fi
  local stale; stale=$(read_pid "$PG_DATA/postmaster.pid")
  if [ -n "$stale" ]; then
    # A server that was killed: its zombie (not yet reaped by init) still holds the pid in the lock file.
    local deadline=$(( $(date +%s) + 10 ))
    while kill -0 "$stale" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
    if kill -0 "$stale" 2>/dev/null; then rm -f "$PG_DATA/postmaster.pid"; fi
  fi
  if port_open "$PG_PORT"; then die "postgres: port 127.0.0.1:$PG_PORT is in use by another process (set VIGIL_PG_PORT)"; fi

  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' system user to run the server as: run scripts/services/install.sh"
    mkdir -p "$PG_HOME"
    if [ ! -e "$PG_HOME/base" ]; then
      mkdir -p "$PG_HOME/base"; chown postgres: "$PG_HOME/base"
      if ! runuser -u postgres -- test -w "$PG_HOME/base"; then
        # The postgres user cannot reach the repository: keep the data in a folder of its own under /tmp.
        rmdir "$PG_HOME/base"
        local elsewhere; elsewhere=$(mktemp -d /tmp/vigil-postgres.XXXXXX)
        chown postgres: "$elsewhere"; chmod 700 "$elsewhere"
        ln -s "$elsewhere" "$PG_HOME/base"
        log "postgres: user 'postgres' cannot reach $PG_HOME; data in $elsewhere"
      fi
      pg_set_paths
    fi
  else
    mkdir -p "$PG_HOME/base"
  fi

  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    rm -rf "$PG_DATA"
    pg_as "$bindir/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_BASE/initdb.log" 2>&1 \
      || die "postgres: initdb failed" "$PG_BASE/initdb.log"
  fi
  # TCP on loopback only, no Unix socket (its path would depend on where the repository is).
  # fsync/full_page_writes off: survives a killed server (the OS still has the pages), not a machine crash; fine
  # for tests. synchronous_commit stays on, so a commit that returned is durable across restart.sh --kill.
  local opts="-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off"
  opts+=" -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning"
  pg_as "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$opts" -s -w -t "$READY_TIMEOUT" start \
    || die "postgres: pg_ctl start failed" "$PG_LOG"
  wait_until postgres "$PG_LOG" pg_running "'$bindir/pg_isready' -q -h 127.0.0.1 -p $PG_PORT -U $PG_USER -d postgres"
  if [ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$PG_DB\"" || die "postgres: CREATE DATABASE $PG_DB failed" "$PG_LOG"
  fi
  [ "$("${psql[@]}" -d "$PG_DB" -tAc 'SELECT 1')" = 1 ] || die "postgres: SELECT 1 on $PG_DB failed" "$PG_LOG"
  log "postgres: ready in $(since "$t") at $(pg_url) ($("$bindir/postgres" --version))"
}

# ---------------------------------------------------------------- Redis
start_redis() {
  local t; t=$(now_ms)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || die "redis: redis-server/redis-cli not found: run scripts/services/install.sh"
  local ping=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping)
  if redis_running; then
    if [ "$("${ping[@]}" 2>/dev/null)" = PONG ]; then log "redis: already running on 127.0.0.1:$REDIS_PORT"; return; fi
    die "redis: pid $(read_pid "$REDIS_PIDFILE") runs but does not answer PING on 127.0.0.1:$REDIS_PORT (run stop.sh redis)" "$REDIS_LOG"
  fi
  if port_open "$REDIS_PORT"; then die "redis: port 127.0.0.1:$REDIS_PORT is in use by another process (set VIGIL_REDIS_PORT)"; fi
  mkdir -p "$REDIS_HOME/data"
  # No persistence (Postgres is the source of truth; the outbox relay re-creates lost jobs); noeviction, as BullMQ requires.
  cat >"$REDIS_HOME/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
logfile ""
dir $REDIS_HOME/data
save ""
appendonly no
maxmemory-policy noeviction
EOF
  : >"$REDIS_LOG"
  launch "$REDIS_PIDFILE" "$REDIS_LOG" redis-server "$REDIS_HOME/redis.conf"
  wait_until redis "$REDIS_LOG" redis_running "[ \"\$(${ping[*]})\" = PONG ]"
  log "redis: ready in $(since "$t") at $(redis_url) ($(redis-server --version | awk '{print $3}'))"
}

# ---------------------------------------------------------------- Kafka
kafka_ready() {
  if command -v kcat >/dev/null; then
    # A metadata request that lists our broker: it only answers once the broker is registered and unfenced.
    # (Output captured first: with pipefail, grep -q closing the pipe early would fail a long listing.)
    local md
    port_open "$KAFKA_PORT" && md=$(kcat -b "$(kafka_brokers)" -L -m 3 2>/dev/null) \
      && [[ "$md" == *"broker 1 at 127.0.0.1:$KAFKA_PORT"* ]]
  else
    port_open "$KAFKA_PORT" && kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_brokers)" --list
  fi
}

start_kafka() {
  local t; t=$(now_ms)
  if kafka_running; then
    if kafka_paused; then die "kafka: the broker (pid $(kafka_pid)) is paused: run scripts/services/resume.sh kafka"; fi
    if kafka_ready; then log "kafka: already running on $(kafka_brokers)"; return; fi
    die "kafka: pid $(kafka_pid) runs but does not answer a metadata request on $(kafka_brokers) (run stop.sh kafka)" "$KAFKA_LOG"
  fi
  command -v java >/dev/null || die "kafka: Java not found (Java 17+ needed): run scripts/services/install.sh"
  local version; version=$(kafka_version)
  ls "$KAFKA_LIBS"/kafka_2.13-"$version".jar >/dev/null 2>&1 \
    || die "kafka: Kafka $version jars not in $KAFKA_LIBS: run scripts/services/install.sh"
  local p; for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then die "kafka: port 127.0.0.1:$p is in use by another process (set VIGIL_KAFKA_PORT / VIGIL_KAFKA_CONTROLLER_PORT)"; fi
  done
  mkdir -p "$KAFKA_HOME/data" "$KAFKA_HOME/logs"

  cat >"$KAFKA_HOME/server.properties" <<EOF
# Written by scripts/services/start.sh: single-node KRaft, broker and controller in one process, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_HOME/data
auto.create.topics.enable=true
num.partitions=$KAFKA_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# A broker killed with SIGKILL cannot re-register until its old session expires: 5 s instead of 9 s makes
# restart.sh --kill kafka quicker.
broker.session.timeout.ms=5000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
  cat >"$KAFKA_HOME/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF

  if [ ! -f "$KAFKA_HOME/data/meta.properties" ]; then
    # Cluster id: 16 random bytes, URL-safe base64 without padding (what kafka-storage random-uuid prints).
    local id=-
    while [[ "$id" == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
    kafka_java -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" kafka.tools.StorageTool format \
      --cluster-id "$id" --config "$KAFKA_HOME/server.properties" --ignore-formatted >"$KAFKA_HOME/format.log" 2>&1 \
      || die "kafka: kafka-storage format failed" "$KAFKA_HOME/format.log"
  fi

  : >"$KAFKA_LOG"
  launch "$KAFKA_PIDFILE" "$KAFKA_LOG" \
    java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_HOME/logs" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$KAFKA_HOME/server.properties"
  wait_until kafka "$KAFKA_LOG" kafka_running kafka_ready
  log "kafka: ready in $(since "$t") at $(kafka_brokers) (Apache Kafka $version, KRaft, pid $(kafka_pid))"
}

t_all=$(now_ms)
for s in "${SERVICES[@]}"; do "start_$s"; done
write_env
log "all ready in $(since "$t_all"); $SERVICES_DIR/env:"
sed 's/^/  /' "$SERVICES_DIR/env" >&2
