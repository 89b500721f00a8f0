#!/usr/bin/env bash
# Restarts one service (or several) keeping its data: a clean stop.sh then start.sh.
# --kill: SIGKILL the server instead of a clean stop (a crash, for recovery tests), then start it again.
# Usage: scripts/services/restart.sh [--kill] NAME...      (NAME: postgres | redis | kafka)
source "$(dirname "$0")/lib.sh"
hard=0
if [ "${1:-}" = --kill ]; then hard=1; shift; fi
[ $# -gt 0 ] || die "usage: restart.sh [--kill] postgres|redis|kafka ..."
parse_services "$@"
here=$(dirname "$0")
if [ "$hard" = 1 ]; then
  for s in "${SERVICES[@]}"; do
    case "$s" in
      postgres) pid=$(pg_running && read_pid "$PG_DATA/postmaster.pid" || true) ;;
      redis) pid=$(redis_pid) ;;
      kafka) pid=$(kafka_pid) ;;
    esac
    if [ -n "$pid" ]; then
      # The server's own children (Postgres backends, checkpointer...) exit by themselves once it is gone.
      kids=$(pgrep -P "$pid" || true)
      kill -KILL "$pid"
      deadline=$(( $(date +%s) + 15 ))
      for p in $pid $kids; do
        # kill -0 until the pid is gone for good: a zombie still holds it, and Postgres refuses to start while the
        # pid in postmaster.pid exists.
        while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
      done
      if [ "$s" = postgres ] && kill -0 "$pid" 2>/dev/null; then
        # Still a zombie that init has not reaped: the lock file is stale, Postgres' shared-memory check still
        # protects the data directory.
        rm -f "$PG_DATA/postmaster.pid"
      fi
      log "$s: killed pid $pid (SIGKILL)"
    else
      log "$s: not running"
    fi
  done
else
  "$here/stop.sh" "${SERVICES[@]}"
fi
exec "$here/start.sh" "${SERVICES[@]}"
