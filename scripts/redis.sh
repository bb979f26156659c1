#!/usr/bin/env bash
# Runs a local redis-server (Debian package) on loopback for Eddy's sink tests and demo.
#   scripts/redis.sh start|stop|status     (port: $EDDY_REDIS_PORT, default 6379)
# Stops only the server it started, by the pid in its pid file.
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
PORT=${EDDY_REDIS_PORT:-6379}
DIR=$REPO_ROOT/.local/redis
PIDFILE=$DIR/redis-$PORT.pid

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then echo "redis.sh: already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; exit 0; fi
    command -v redis-server >/dev/null || { echo "redis.sh: redis-server missing; run scripts/setup.sh" >&2; exit 1; }
    mkdir -p "$DIR"
    redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --pidfile "$PIDFILE" --logfile "$DIR/redis-$PORT.log" --dir "$DIR"
    for _ in $(seq 1 50); do
      if redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; then
        echo "redis.sh: running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; exit 0
      fi
      sleep 0.1
    done
    echo "redis.sh: redis-server did not answer on port $PORT; log:" >&2
    tail -20 "$DIR/redis-$PORT.log" >&2 || true
    exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$PIDFILE"); kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "redis.sh: stopped (pid $pid)"
    else
      echo "redis.sh: not running"
    fi
    rm -f "$PIDFILE"
    ;;
  status)
    if running; then echo "redis.sh: running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "redis.sh: not running"; exit 3; fi
    ;;
  *)
    echo "usage: scripts/redis.sh start|stop|status   (EDDY_REDIS_PORT, default 6379)" >&2; exit 2 ;;
esac
