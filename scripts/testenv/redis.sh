# Starts and stops a throw-away redis-server for the tests. Source it after
# common.sh; run.sh does both.
# shellcheck shell=bash

# Seconds to wait for the first PONG.
REDIS_START_TIMEOUT="${ARENASYNC_TESTENV_REDIS_TIMEOUT:-15}"

REDIS_PID=""
REDIS_ADDR=""
REDIS_STARTED_AT=""

# redis-server comes from Debian's package, which also brings redis-cli.
redis_install() {
  ensure_command redis-server redis-server
  ensure_command redis-cli redis-tools
}

# Start redis-server in the background without persistence, working in dir.
redis_start() {
  local dir="$1" port="$2"

  mkdir -p "$dir"
  REDIS_ADDR="127.0.0.1:$port"
  REDIS_STARTED_AT="$(now_seconds)"
  log "starting redis on $REDIS_ADDR"

  start_process_group "$dir/redis.out" \
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --dir "$dir" --logfile "$dir/redis.log"
  REDIS_PID="$STARTED_PID"
}

# Wait until redis-cli gets PONG, or fail with the server log.
redis_wait() {
  local dir="$1"
  local port="${REDIS_ADDR##*:}"

  while true; do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
      log "redis ready on $REDIS_ADDR after $(elapsed_since "$REDIS_STARTED_AT") s"
      return 0
    fi

    if ! process_alive "$REDIS_PID"; then
      show_log_tail "$dir/redis.log"
      show_log_tail "$dir/redis.out"
      die "redis-server on $REDIS_ADDR exited during start-up"
    fi

    if deadline_passed "$REDIS_STARTED_AT" "$REDIS_START_TIMEOUT"; then
      show_log_tail "$dir/redis.log"
      die "redis on $REDIS_ADDR did not return PONG within $REDIS_START_TIMEOUT s"
    fi
    sleep 0.1
  done
}

redis_stop() {
  if [[ -n "$REDIS_PID" ]]; then
    stop_process_group "$REDIS_PID" redis
    REDIS_PID=""
  fi
}
