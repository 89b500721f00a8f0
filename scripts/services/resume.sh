#!/usr/bin/env bash
# Resumes a server frozen by pause.sh (SIGCONT). Idempotent.
# Usage: scripts/services/resume.sh kafka|redis
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: resume.sh kafka|redis"
case "$1" in
  kafka) pid=$(kafka_pid) ;;
  redis) pid=$(redis_pid) ;;
  *) die "resume.sh: '$1' not supported (kafka or redis)" ;;
esac
[ -n "$pid" ] || die "$1 is not running"
kill -CONT "$pid"
log "$1: resumed (SIGCONT pid $pid)"
