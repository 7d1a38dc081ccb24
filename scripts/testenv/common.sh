# Shared helpers for the test environment scripts. Source it; do not run it.
# shellcheck shell=bash

TESTENV_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Seconds to wait after SIGTERM before a server's process group gets SIGKILL.
TESTENV_STOP_TIMEOUT="${ARENASYNC_TESTENV_STOP_TIMEOUT:-10}"

testenv_apt_updated=0

# Print a time-stamped progress line to stderr.
log() {
  printf '%s testenv: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

# Print the tail of a server log to stderr, for start-up failures.
show_log_tail() {
  local file="$1" lines="${2:-40}"

  if [[ -s "$file" ]]; then
    log "last $lines lines of $file:"
    tail -n "$lines" "$file" >&2
  else
    log "$file is empty or missing"
  fi
}

# Install a Debian package when the command it provides is not on PATH.
# Runs apt-get update once per run, before the first install.
ensure_command() {
  local command_name="$1" package="$2"
  local sudo=()

  if command -v "$command_name" >/dev/null 2>&1; then
    return 0
  fi

  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
      die "$command_name is not installed and this user cannot install it; run: sudo apt-get install -y $package"
    fi
    sudo=(sudo -n)
  fi

  if [[ "$testenv_apt_updated" -eq 0 ]]; then
    log "installing $package: apt-get update"
    "${sudo[@]}" apt-get update -qq >&2 || die "apt-get update failed"
    testenv_apt_updated=1
  fi

  log "installing $package: apt-get install -y $package"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >&2 \
    || die "apt-get install -y $package failed"

  command -v "$command_name" >/dev/null 2>&1 \
    || die "$command_name is still missing after installing $package"
}

# Print N distinct free TCP ports on 127.0.0.1, one a line.
free_ports() {
  python3 "$TESTENV_SCRIPTS_DIR/helpers.py" free-ports "$1"
}

# Start a command in the background in a new session, so it and its children
# form one process group that stop_process_group can end. Output goes to a
# file. Sets STARTED_PID, which is also the process group id.
start_process_group() {
  local output_file="$1"
  shift

  setsid "$@" >"$output_file" 2>&1 </dev/null &
  # shellcheck disable=SC2034 # read by the scripts that source this file.
  STARTED_PID=$!
}

# Return 0 while the process exists and is not a zombie.
process_alive() {
  local pid="$1" state

  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# Send SIGTERM to a process group, wait for its leader to exit, then send
# SIGKILL to whatever is left of the group.
stop_process_group() {
  local pid="$1" name="$2"
  local waited=0

  [[ -n "$pid" ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true

  while process_alive "$pid" && ((waited < TESTENV_STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done

  if process_alive "$pid"; then
    log "$name did not stop within ${TESTENV_STOP_TIMEOUT} s; sending SIGKILL"
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Seconds since the epoch with one decimal, for start-up timings.
now_seconds() {
  date +%s.%1N
}

elapsed_since() {
  awk -v start="$1" -v end="$(now_seconds)" 'BEGIN { printf "%.1f", end - start }'
}

# Return 0 once limit seconds have passed since start (from now_seconds).
deadline_passed() {
  awk -v waited="$(elapsed_since "$1")" -v limit="$2" 'BEGIN { exit !(waited >= limit) }'
}
