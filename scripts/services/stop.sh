#!/usr/bin/env bash
# Stops the services started by start.sh, cleanly: pg_ctl stop -m fast, redis SHUTDOWN NOSAVE, SIGTERM to Kafka's
# JVM (controlled shutdown) and wait. Idempotent: a service that is not running is skipped. Data is kept.
# Usage: scripts/services/stop.sh [postgres] [redis] [kafka]     (none named: all three)
source "$(dirname "$0")/lib.sh"
parse_services "$@"

# wait_gone NAME PID SECONDS: wait for PID to exit; SIGKILL it after SECONDS.
wait_gone() {
  local name=$1 pid=$2 deadline=$(( $(date +%s) + $3 ))
  while pid_alive "$pid"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$name: pid $pid still alive after ${3}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      pid_alive "$pid" && die "$name: pid $pid survived SIGKILL"
      return 0
    fi
    sleep 0.1
  done
}

stop_postgres() {
  if ! pg_running; then log "postgres: not running"; return; fi
  local t bindir pid; t=$(now_ms); pid=$(read_pid "$PG_DATA/postmaster.pid")
  bindir=$(pg_bindir) || die "postgres: server binaries not found"
  pg_as "$bindir/pg_ctl" -D "$PG_DATA" -m fast -s -w -t 60 stop || log "postgres: pg_ctl stop failed, killing pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone postgres "$pid" 30
  log "postgres: stopped in $(since "$t")"
}

stop_redis() {
  local pid; pid=$(redis_pid)
  if [ -z "$pid" ]; then log "redis: not running"; rm -f "$REDIS_PIDFILE"; return; fi
  local t; t=$(now_ms)
  kill -CONT "$pid" 2>/dev/null || true   # in case pause.sh stopped it
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_gone redis "$pid" 20
  rm -f "$REDIS_PIDFILE"
  log "redis: stopped in $(since "$t")"
}

stop_kafka() {
  local pid; pid=$(kafka_pid)
  if [ -z "$pid" ]; then log "kafka: not running"; rm -f "$KAFKA_PIDFILE"; return; fi
  local t; t=$(now_ms)
  kill -CONT "$pid" 2>/dev/null || true   # in case pause.sh stopped it
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone kafka "$pid" 60
  rm -f "$KAFKA_PIDFILE"
  log "kafka: stopped in $(since "$t")"
}

for s in "${SERVICES[@]}"; do "stop_$s"; done
if [ -d "$SERVICES_DIR" ]; then write_env; fi
