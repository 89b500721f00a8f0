#!/usr/bin/env bash
# Dedicated PostgreSQL, Redis and Kafka servers that only speak TLS and only let in a user with a password, on free
# loopback ports, for the TLS/authentication tests (packages/daemon/test/run/run-tls.test.ts). They are separate
# from the main services of start.sh (own folders, ports and processes) and live in one folder that stop removes.
#
#   scripts/services/tls.sh start DIR [OWNER_PID]   creates DIR (must not exist or be empty), writes DIR/env
#   scripts/services/tls.sh stop DIR                stops the servers started in DIR and removes DIR
#
# start makes a private CA (DIR/ca/ca.pem), a server certificate for 127.0.0.1 and localhost and a client certificate
# (CN vigil, DIR/ca/client.pem + client.key) signed by it, and a second, unrelated CA (DIR/ca/other-ca.pem) for
# wrong-CA tests; then, in parallel:
#   - PostgreSQL: ssl=on, pg_hba `hostssl ... scram-sha-256` only (a connection without TLS is refused), user vigil
#     with a password, database vigil; database vigil_mtls also wants the client certificate (clientcert=verify-full);
#   - Redis: `port 0` (no plain port), tls-port, the default user off and an ACL user vigil with a password;
#   - Kafka (single-node KRaft, the jars of install.sh): a SASL_SSL listener (PEM keystore) with PLAIN and
#     SCRAM-SHA-256/512 for user vigil (SCRAM credentials added at format time), and an SSL listener that wants a
#     client certificate (mutual TLS); the KRaft controller listener is plaintext on loopback (broker-internal).
# DIR/env (mode 600) holds the ports, the CA paths, the user and the three passwords (random unless given as
# VIGIL_TLS_PG_PASSWORD, VIGIL_TLS_REDIS_PASSWORD, VIGIL_TLS_KAFKA_PASSWORD). With OWNER_PID, a watcher stops the
# servers and removes DIR when that process ends (a test killed before its clean-up leaves nothing behind).
# A failed start stops what it started. Needs scripts/services/install.sh (Postgres, Redis with TLS, Java, jars).
source "$(dirname "$0")/lib.sh"

TLS_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
TLS_USER=vigil

usage() { sed -n '2,21p' "$0" >&2; exit 2; }

# free_port VAR: sets VAR to a port in 20000-32767 (below Linux's ephemeral range) that nothing listens on and that
# was not picked before (not in a subshell, so PICKED remembers).
PICKED=" "
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12768 ))
    if [[ "$PICKED" != *" $p "* ]] && ! port_open "$p"; then PICKED+="$p "; printf -v "$1" '%s' "$p"; return; fi
  done
  die "no free loopback port found"
}

secret() { openssl rand -hex 16; }

# wait_ready NAME LOGFILE PIDFILE READY_CMD: poll until READY_CMD succeeds; fail when the process died or after READY_TIMEOUT.
wait_ready() {
  local name=$1 logfile=$2 pidfile=$3 ready=$4 deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while ! eval "$ready" >/dev/null 2>&1; do
    pid_alive "$(read_pid "$pidfile")" || die "$name (TLS) exited during start-up" "$logfile"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name (TLS) not ready after ${READY_TIMEOUT}s" "$logfile"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- certificates
make_certs() {
  local ca=$DIR/ca
  mkdir -p "$ca"
  (
    cd "$ca"
    for name in ca other-ca; do
      openssl req -x509 -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.pem" -days 2 -subj "/CN=Vigil test $name" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    done
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
    # The client certificate for mutual TLS: CN = the user (Postgres' `clientcert=verify-full` compares them).
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=$TLS_USER" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext 2>/dev/null
    openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
    rm -f server.csr server.ext client.csr client.ext ca.srl ca.key other-ca.key
    chmod 600 server.key client.key
    chmod 644 ca.pem other-ca.pem server.pem client.pem
  ) || die "openssl could not make the test certificates"
}

# ---------------------------------------------------------------- PostgreSQL
start_postgres() {
  local bindir home=$DIR/postgres
  bindir=$(pg_bindir) || die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): run scripts/services/install.sh"
  mkdir -p "$home"
  cp "$DIR/ca/server.pem" "$home/server.crt"; cp "$DIR/ca/server.key" "$home/server.key"; cp "$DIR/ca/ca.pem" "$home/ca.crt"
  printf '%s\n' "$PG_PASSWORD" >"$home/pwfile"
  chmod 600 "$home/server.key" "$home/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$home"; fi
  pg_as "$bindir/initdb" -D "$home/data" -U "$TLS_USER" --pwfile="$home/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    >"$home/initdb.log" 2>&1 || die "postgres (TLS): initdb failed" "$home/initdb.log"
  rm -f "$home/pwfile"
  # TLS or nothing: no Unix socket, and pg_hba lets in only hostssl connections that pass SCRAM; database
  # vigil_mtls also wants a client certificate signed by the CA whose CN is the user.
  printf '%s\n' 'hostssl vigil_mtls all 127.0.0.1/32 scram-sha-256 clientcert=verify-full' \
    'hostssl all all 127.0.0.1/32 scram-sha-256' 'hostssl all all ::1/128 scram-sha-256' >"$home/data/pg_hba.conf"
  cat >>"$home/data/postgresql.conf" <<EOF
port = $PG_TLS_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
ssl = on
ssl_cert_file = '$home/server.crt'
ssl_key_file = '$home/server.key'
ssl_ca_file = '$home/ca.crt'
password_encryption = 'scram-sha-256'
fsync = off
full_page_writes = off
max_connections = 50
shared_buffers = 32MB
log_min_messages = warning
EOF
  pg_as "$bindir/pg_ctl" -D "$home/data" -l "$home/postgres.log" -s -w -t "$READY_TIMEOUT" start \
    || die "postgres (TLS): pg_ctl start failed" "$home/postgres.log"
  local conn="host=127.0.0.1 port=$PG_TLS_PORT user=$TLS_USER sslmode=verify-full sslrootcert=$DIR/ca/ca.pem"
  PGPASSWORD=$PG_PASSWORD "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$conn dbname=postgres" -c "CREATE DATABASE $TLS_USER" -c "CREATE DATABASE ${TLS_USER}_mtls" \
    >>"$home/postgres.log" 2>&1 || die "postgres (TLS): CREATE DATABASE over TLS failed" "$home/postgres.log"
  # The server must refuse a connection without TLS (pg_hba has no `host` line).
  if PGPASSWORD=$PG_PASSWORD "$bindir/psql" -X -q "host=127.0.0.1 port=$PG_TLS_PORT user=$TLS_USER dbname=$TLS_USER sslmode=disable" -c 'SELECT 1' >/dev/null 2>&1; then
    die "postgres (TLS): a connection without TLS was accepted"
  fi
  log "postgres (TLS): ready on 127.0.0.1:$PG_TLS_PORT"
}

stop_postgres() {
  local bindir data=$DIR/postgres/data
  [ -f "$data/postmaster.pid" ] || return 0
  bindir=$(pg_bindir) || return 0
  pg_as "$bindir/pg_ctl" -D "$data" -s -m immediate -t 20 stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- Redis
start_redis() {
  local home=$DIR/redis
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || die "redis-server/redis-cli not found: run scripts/services/install.sh"
  mkdir -p "$home"
  umask 077
  cat >"$home/redis.conf" <<EOF
bind 127.0.0.1
port 0
tls-port $REDIS_TLS_PORT
tls-cert-file $DIR/ca/server.pem
tls-key-file $DIR/ca/server.key
tls-ca-cert-file $DIR/ca/ca.pem
tls-auth-clients no
protected-mode yes
daemonize no
logfile ""
dir $home
save ""
appendonly no
maxmemory-policy noeviction
user default off
user $TLS_USER on >$REDIS_PASSWORD ~* &* +@all
EOF
  umask 022
  launch "$home/redis.pid" "$home/redis.log" redis-server "$home/redis.conf"
  # REDISCLI_AUTH keeps the password off the command line.
  wait_ready redis "$home/redis.log" "$home/redis.pid" \
    "[ \"\$(REDISCLI_AUTH=\$REDIS_PASSWORD redis-cli --no-auth-warning --tls --cacert '$DIR/ca/ca.pem' -h 127.0.0.1 -p $REDIS_TLS_PORT --user $TLS_USER ping)\" = PONG ]"
  log "redis (TLS): ready on 127.0.0.1:$REDIS_TLS_PORT"
}

# ---------------------------------------------------------------- Kafka
start_kafka() {
  local home=$DIR/kafka version
  command -v java >/dev/null || die "kafka: Java not found (Java 17+ needed): run scripts/services/install.sh"
  version=$(kafka_version)
  ls "$KAFKA_LIBS"/kafka_2.13-"$version".jar >/dev/null 2>&1 || die "kafka: Kafka $version jars not in $KAFKA_LIBS: run scripts/services/install.sh"
  mkdir -p "$home/data" "$home/logs"
  umask 077
  # PEM keystore: the unencrypted PKCS#8 key and the certificate in one file (no keytool).
  cat "$DIR/ca/server.key" "$DIR/ca/server.pem" >"$home/keystore.pem"
  local admin_password; admin_password=$(secret)
  cat >"$home/server.properties" <<EOF
# Written by scripts/services/tls.sh: single-node KRaft with a SASL_SSL client listener, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_TLS_CONTROLLER_PORT
listeners=SASL_SSL://127.0.0.1:$KAFKA_TLS_PORT,SSL://127.0.0.1:$KAFKA_TLS_MTLS_PORT,CONTROLLER://127.0.0.1:$KAFKA_TLS_CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$KAFKA_TLS_PORT,SSL://127.0.0.1:$KAFKA_TLS_MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
# The SSL listener authenticates clients by certificate (mutual TLS) instead of SASL.
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_password" user_admin="$admin_password" user_$TLS_USER="$KAFKA_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$home/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$DIR/ca/ca.pem
ssl.endpoint.identification.algorithm=https
log.dirs=$home/data
auto.create.topics.enable=false
num.partitions=2
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=2
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=2
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
EOF
  cat >"$home/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
EOF
  # kcat's settings for the readiness check (the password stays out of the command line). PLAIN: kcat 1.7.1
  # (librdkafka 2.0.2, Debian) fails SCRAM against this broker where the Java client and kafkajs succeed.
  cat >"$home/kcat.conf" <<EOF
security.protocol=SASL_SSL
sasl.mechanisms=PLAIN
sasl.username=$TLS_USER
sasl.password=$KAFKA_PASSWORD
ssl.ca.location=$DIR/ca/ca.pem
EOF
  umask 022
  local id=-
  while [[ "$id" == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
  # --add-scram takes the password on the command line: this JVM lives for a second or two, on a test machine.
  kafka_java -Xmx256m -Dlog4j2.configurationFile="$home/log4j2.properties" kafka.tools.StorageTool format \
    --cluster-id "$id" --config "$home/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=\"$TLS_USER\",password=\"$KAFKA_PASSWORD\"]" \
    --add-scram "SCRAM-SHA-512=[name=\"$TLS_USER\",password=\"$KAFKA_PASSWORD\"]" >"$home/format.log" 2>&1 \
    || die "kafka (TLS): kafka-storage format failed" "$home/format.log"
  launch "$home/kafka.pid" "$home/kafka.out" \
    java -Xms128m -Xmx"${VIGIL_TLS_KAFKA_HEAP:-512m}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$home/log4j2.properties" \
    -Dkafka.logs.dir="$home/logs" -cp "$KAFKA_LIBS/*" kafka.Kafka "$home/server.properties"
  local md
  wait_ready kafka "$home/kafka.out" "$home/kafka.pid" \
    "port_open $KAFKA_TLS_PORT && md=\$(kcat -F '$home/kcat.conf' -b 127.0.0.1:$KAFKA_TLS_PORT -L -m 3 2>/dev/null) && [[ \"\$md\" == *'broker 1 at 127.0.0.1:$KAFKA_TLS_PORT'* ]]"
  log "kafka (TLS): ready on 127.0.0.1:$KAFKA_TLS_PORT (SASL_SSL)"
}

# ---------------------------------------------------------------- stop
# stop_pidfile PIDFILE PATTERN: TERM (then KILL after 10 s) the pid in PIDFILE if its command line contains PATTERN.
stop_pidfile() {
  local pid; pid=$(read_pid "$1")
  pid_alive "$pid" || return 0
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$2"* ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + 10 ))
  while pid_alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
  if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
}

stop_all() {
  [ -d "$DIR" ] || return 0
  # The watcher first, unless we are it.
  local w; w=$(read_pid "$DIR/watcher.pid")
  if [ -n "$w" ] && [ "$w" != "${WATCHER_SELF:-}" ] && pid_alive "$w"; then kill -TERM "$w" 2>/dev/null || true; fi
  stop_pidfile "$DIR/kafka/kafka.pid" "$DIR/kafka/server.properties" &
  # Redis rewrites its process title (redis-server 127.0.0.1:port).
  stop_pidfile "$DIR/redis/redis.pid" redis-server &
  stop_postgres &
  wait
  rm -rf "$DIR"
}

# ---------------------------------------------------------------- main
[ $# -ge 2 ] || usage
cmd=$1
DIR=$2
case "$DIR" in /*) ;; *) DIR=$(pwd)/$DIR ;; esac

case "$cmd" in
  stop)
    [ -f "$DIR/env" ] || [ -d "$DIR/ca" ] || { [ -d "$DIR" ] || exit 0; die "$DIR was not made by tls.sh start"; }
    stop_all
    log "TLS servers in $DIR stopped"
    ;;
  watch)
    # Internal: OWNER_PID in $3. Stops everything once the owner is gone.
    owner=$3
    WATCHER_SELF=$$
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    stop_all
    ;;
  start)
    owner=${3:-}
    if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then die "$DIR exists and is not empty"; fi
    mkdir -p "$DIR"
    # Postgres runs as 'postgres' when we are root: it must be able to pass through DIR (not list it).
    chmod 711 "$DIR"
    started=0
    trap 'rc=$?; if [ "$rc" -ne 0 ] && [ "$started" = 0 ]; then stop_all; fi' EXIT
    t=$(now_ms)
    for v in PG_TLS_PORT REDIS_TLS_PORT KAFKA_TLS_PORT KAFKA_TLS_MTLS_PORT KAFKA_TLS_CONTROLLER_PORT; do free_port "$v"; done
    PG_PASSWORD=${VIGIL_TLS_PG_PASSWORD:-$(secret)}
    REDIS_PASSWORD=${VIGIL_TLS_REDIS_PASSWORD:-$(secret)}
    KAFKA_PASSWORD=${VIGIL_TLS_KAFKA_PASSWORD:-$(secret)}
    export REDIS_PASSWORD
    make_certs
    if [ -n "$owner" ]; then
      setsid "$TLS_SCRIPT" watch "$DIR" "$owner" >/dev/null 2>&1 </dev/null &
      echo $! >"$DIR/watcher.pid"
    fi
    # The three in parallel (Kafka's JVM is the slow one); each writes its own log.
    pids=()
    start_kafka >"$DIR/kafka-start.log" 2>&1 & pids+=($!)
    start_postgres >"$DIR/postgres-start.log" 2>&1 & pids+=($!)
    start_redis >"$DIR/redis-start.log" 2>&1 & pids+=($!)
    failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    cat "$DIR"/*-start.log >&2
    [ "$failed" = 0 ] || die "TLS servers did not start (see above)"
    umask 077
    cat >"$DIR/env" <<EOF
TLS_DIR=$DIR
TLS_CA_FILE=$DIR/ca/ca.pem
TLS_OTHER_CA_FILE=$DIR/ca/other-ca.pem
TLS_CLIENT_CERT_FILE=$DIR/ca/client.pem
TLS_CLIENT_KEY_FILE=$DIR/ca/client.key
TLS_USER=$TLS_USER
TLS_PG_PORT=$PG_TLS_PORT
TLS_PG_PASSWORD=$PG_PASSWORD
TLS_REDIS_PORT=$REDIS_TLS_PORT
TLS_REDIS_PASSWORD=$REDIS_PASSWORD
TLS_KAFKA_PORT=$KAFKA_TLS_PORT
TLS_KAFKA_MTLS_PORT=$KAFKA_TLS_MTLS_PORT
TLS_KAFKA_PASSWORD=$KAFKA_PASSWORD
EOF
    started=1
    log "TLS servers ready in $(since "$t"): postgres 127.0.0.1:$PG_TLS_PORT, redis 127.0.0.1:$REDIS_TLS_PORT, kafka 127.0.0.1:$KAFKA_TLS_PORT (SASL_SSL) and :$KAFKA_TLS_MTLS_PORT (SSL, client certificate); settings in $DIR/env"
    ;;
  *) usage ;;
esac
