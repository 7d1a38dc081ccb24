#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft) and a redis-server on free
# 127.0.0.1 ports, runs a command with their addresses in the environment,
# then stops both and exits with the command's status.
#
#   scripts/testenv/run.sh go test -race -count=1 ./...
#   scripts/testenv/run.sh          # no command: print the addresses and
#                                   # keep the servers up until Ctrl-C
#
# The command gets ARENASYNC_TEST_KAFKA_BROKERS, ARENASYNC_TEST_REDIS_ADDR,
# ARENASYNC_TEST_KUBERNETES_VALIDATE (the schema validator that
# deploytools.sh installs with promtool and prometheus) and
# ARENASYNC_TEST_REQUIRE_SERVERS=1, runs with stdin from /dev/null in
# a process group of its own, and receives SIGINT or SIGTERM sent to this
# script. Both servers keep their data and logs in one temporary folder
# that is removed on exit; set ARENASYNC_TESTENV_KEEP=1 to keep it.
# shellcheck disable=SC2317 # cleanup and on_signal run from traps.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"
# shellcheck source=redis.sh
source "$here/redis.sh"
# shellcheck source=kafka.sh
source "$here/kafka.sh"
# shellcheck source=deploytools.sh
source "$here/deploytools.sh"

work_dir=""
command_pid=""
hold_sleep_pid=""

cleanup() {
  local status=$?

  # A second signal during clean-up must not cut it short.
  trap '' INT TERM

  if [[ -n "$command_pid" ]] && process_alive "$command_pid"; then
    kill -TERM -- "-$command_pid" 2>/dev/null || true
    wait "$command_pid" 2>/dev/null || true
  fi
  if [[ -n "$hold_sleep_pid" ]]; then
    kill "$hold_sleep_pid" 2>/dev/null || true
  fi

  if [[ -n "$KAFKA_PID" || -n "$REDIS_PID" ]]; then
    log "stopping kafka and redis"
  fi
  kafka_stop
  redis_stop

  if [[ -n "$work_dir" ]]; then
    if [[ "${ARENASYNC_TESTENV_KEEP:-0}" == 1 ]]; then
      log "kept logs and data in $work_dir"
    else
      rm -rf "$work_dir"
    fi
  fi
  exit "$status"
}

# Forward a signal to the command's process group and let the wait loop in
# run_command collect its status. Before the command runs, exit at once.
on_signal() {
  local signal="$1" status="$2"

  if [[ -n "$command_pid" ]]; then
    log "received SIG$signal; forwarding it to the command"
    kill -s "$signal" -- "-$command_pid" 2>/dev/null || true
    return
  fi
  exit "$status"
}

start_servers() {
  local ports

  ensure_command python3 python3
  redis_install
  kafka_install
  kafka_resolve_jars
  deploytools_install

  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/arenasync-testenv.XXXXXX")"
  mapfile -t ports < <(free_ports 3)
  ((${#ports[@]} == 3)) || die "could not find 3 free ports on 127.0.0.1"

  redis_start "$work_dir/redis" "${ports[0]}"
  redis_wait "$work_dir/redis"
  kafka_start "$work_dir/kafka" "${ports[1]}" "${ports[2]}"
  kafka_wait "$work_dir/kafka"

  export ARENASYNC_TEST_KAFKA_BROKERS="$KAFKA_BROKERS"
  export ARENASYNC_TEST_REDIS_ADDR="$REDIS_ADDR"
  export ARENASYNC_TEST_REQUIRE_SERVERS=1
  export ARENASYNC_TEST_KUBERNETES_VALIDATE="$KUBERNETES_VALIDATE"
}

# Log every server that is no longer running, with its log tail, and
# return 1 if there is one.
check_servers() {
  local status=0

  if ! process_alive "$KAFKA_PID"; then
    log "kafka on $KAFKA_BROKERS is no longer running"
    show_log_tail "$work_dir/kafka/server.log" 20
    status=1
  fi
  if ! process_alive "$REDIS_PID"; then
    log "redis on $REDIS_ADDR is no longer running"
    show_log_tail "$work_dir/redis/redis.log" 20
    status=1
  fi
  return "$status"
}

# Run the command in its own process group (job control on), so a signal
# reaches it through on_signal and the wait below returns at once.
run_command() {
  local status=0

  log "running: $*"
  set -m
  "$@" </dev/null &
  command_pid=$!
  set +m

  while true; do
    status=0
    wait "$command_pid" || status=$?
    if ! process_alive "$command_pid"; then
      break
    fi
  done

  command_pid=""
  log "command exited with status $status"
  check_servers || true
  return "$status"
}

# Print the addresses as shell exports, on stdout and in an env file, and
# keep the servers up until SIGINT or SIGTERM, or until one of them exits.
hold_servers() {
  {
    echo "export ARENASYNC_TEST_KAFKA_BROKERS=$ARENASYNC_TEST_KAFKA_BROKERS"
    echo "export ARENASYNC_TEST_REDIS_ADDR=$ARENASYNC_TEST_REDIS_ADDR"
    echo "export ARENASYNC_TEST_REQUIRE_SERVERS=1"
    echo "export ARENASYNC_TEST_KUBERNETES_VALIDATE=$ARENASYNC_TEST_KUBERNETES_VALIDATE"
  } | tee "$work_dir/env.sh"

  log "servers are running; in another shell: source $work_dir/env.sh && go test -race ./..."
  log "press Ctrl-C (or send SIGTERM to pid $$) to stop them"
  while check_servers; do
    sleep 2 &
    hold_sleep_pid=$!
    wait "$hold_sleep_pid" || true
  done
  die "stopping the test environment because a server exited"
}

main() {
  trap cleanup EXIT
  trap 'on_signal INT 130' INT
  trap 'on_signal TERM 143' TERM

  start_servers
  if (($# == 0)); then
    hold_servers
  fi

  local status=0
  run_command "$@" || status=$?
  exit "$status"
}

# main and exit share one line so that bash, which reads a script while it
# runs it, never reads past this line even when the file is replaced.
main "$@"; exit
