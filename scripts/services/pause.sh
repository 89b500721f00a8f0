#!/usr/bin/env bash
# Freezes a running server with SIGSTOP, to simulate a network partition or a hung broker: connections stay open
# but nothing answers until resume.sh. Supported: kafka, redis (single-process servers).
# Usage: scripts/services/pause.sh kafka|redis
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: pause.sh kafka|redis"
case "$1" in
  kafka) pid=$(kafka_pid) ;;
  redis) pid=$(redis_pid) ;;
  *) die "pause.sh: '$1' not supported (kafka or redis)" ;;
esac
[ -n "$pid" ] || die "$1 is not running"
kill -STOP "$pid"
log "$1: paused (SIGSTOP pid $pid); resume with scripts/services/resume.sh $1"
