# Resolves, starts and stops a single-node Apache Kafka broker in KRaft mode
# (broker and controller in one JVM) for the tests. Source it after
# common.sh; run.sh does both. Run it directly as `kafka.sh resolve` to
# fill the jar cache ahead of time.
# shellcheck shell=bash

# Kafka version of the org.apache.kafka:kafka_2.13 jars: 4.4.0, the newest
# 4.x release checked. segmentio/kafka-go v0.4.51 sends old request
# versions: JoinGroup v1-v2, SyncGroup v0, Heartbeat v0, FindCoordinator v0,
# OffsetFetch v1, OffsetCommit v2 and Metadata v1. Kafka 4.0.0 is reported
# to reject its JoinGroup v1, but the ApiVersions responses of 4.0.2, 4.1.1
# and 4.4.0 list all of these versions. A kafka-go consumer group
# (FetchMessage, CommitMessages) and a kafka.Writer with RequireAll and the
# Hash balancer worked against 4.0.2, 4.1.1, 4.3.2 and 4.4.0 brokers that
# this script started.
KAFKA_VERSION="${ARENASYNC_TESTENV_KAFKA_VERSION:-4.4.0}"

# Seconds to wait for the broker to return metadata and a group coordinator
# after the JVM starts.
KAFKA_START_TIMEOUT="${ARENASYNC_TESTENV_KAFKA_TIMEOUT:-60}"

# JVM options for the broker. The test machines have 2 cores, so the heap
# stays small enough to leave room for go test -race.
KAFKA_JVM_OPTS="${ARENASYNC_TESTENV_KAFKA_JVM_OPTS:--Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError}"

KAFKA_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/arenasync/kafka-$KAFKA_VERSION"
# Set by kafka_resolve_jars to the folder of this pom's jars.
KAFKA_LIBS_DIR=""
KAFKA_POM="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka-pom.xml"

KAFKA_PID=""
KAFKA_BROKERS=""
KAFKA_STARTED_AT=""

# Print the java binary: JAVA_HOME's when set, else the one on PATH.
kafka_java_path() {
  if [[ -n "${JAVA_HOME:-}" ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java
  fi
}

kafka_install() {
  if [[ -z "${JAVA_HOME:-}" ]]; then
    ensure_command java openjdk-17-jre-headless
  fi
  ensure_command mvn maven
}

# Print a key that changes with the pom and the version, so an edited pom
# resolves into a new folder instead of using stale jars.
kafka_cache_key() {
  { cat "$KAFKA_POM"; echo "$KAFKA_VERSION"; } | sha256sum | cut -c1-12
}

# Copy the broker's runtime jars into KAFKA_LIBS_DIR once per version and
# pom. A lock file keeps two concurrent runs from resolving at the same
# time. A new pom gets a new folder, because brokers that other runs
# started may still load classes from the old one.
# NOTE: folders of earlier poms stay in KAFKA_CACHE_DIR until removed by hand.
kafka_resolve_jars() {
  local staging started lock_fd

  KAFKA_LIBS_DIR="$KAFKA_CACHE_DIR/libs-$(kafka_cache_key)"
  mkdir -p "$KAFKA_CACHE_DIR"
  exec {lock_fd}>"$KAFKA_CACHE_DIR/.lock"
  flock "$lock_fd"

  if [[ -f "$KAFKA_LIBS_DIR/.complete" ]]; then
    log "kafka $KAFKA_VERSION jars cached in $KAFKA_LIBS_DIR"
    exec {lock_fd}>&-
    return 0
  fi

  started="$(now_seconds)"
  log "resolving kafka $KAFKA_VERSION jars with maven into $KAFKA_LIBS_DIR"
  staging="$KAFKA_LIBS_DIR.partial"
  rm -rf "$staging"

  if ! mvn -B -q -ntp -f "$KAFKA_POM" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$staging" >"$KAFKA_CACHE_DIR/mvn.log" 2>&1; then
    show_log_tail "$KAFKA_CACHE_DIR/mvn.log"
    exec {lock_fd}>&-
    die "maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION; see $KAFKA_CACHE_DIR/mvn.log"
  fi

  touch "$staging/.complete"
  rm -rf "$KAFKA_LIBS_DIR"
  mv "$staging" "$KAFKA_LIBS_DIR"
  log "resolved kafka $KAFKA_VERSION jars after $(elapsed_since "$started") s"
  exec {lock_fd}>&-
}

# Write server.properties and a log4j2 configuration that sends every broker
# log line to dir/server.log instead of the terminal.
kafka_write_config() {
  local dir="$1" port="$2" controller_port="$3"

  cat >"$dir/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPERTIES

  cat >"$dir/log4j2.properties" <<LOG4J
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
LOG4J
}

# Format the log directory as a new single-node cluster whose only
# controller is this node (a standalone dynamic quorum).
kafka_format() {
  local dir="$1" cluster_id

  cluster_id="$(python3 "$TESTENV_SCRIPTS_DIR/helpers.py" kafka-cluster-id)"
  # shellcheck disable=SC2086 # KAFKA_JVM_OPTS is a list of options.
  if ! "$(kafka_java_path)" $KAFKA_JVM_OPTS -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$KAFKA_LIBS_DIR/*" kafka.tools.StorageTool format --standalone \
    --cluster-id "$cluster_id" --config "$dir/server.properties" >"$dir/format.out" 2>&1; then
    show_log_tail "$dir/format.out"
    die "formatting the kafka log directory $dir/data failed"
  fi
}

# Write the configuration, format storage and start the broker in the
# background. kafka_wait waits until it serves requests.
kafka_start() {
  local dir="$1" port="$2" controller_port="$3"

  mkdir -p "$dir"
  KAFKA_BROKERS="127.0.0.1:$port"
  KAFKA_STARTED_AT="$(now_seconds)"
  log "starting kafka $KAFKA_VERSION on $KAFKA_BROKERS (controller 127.0.0.1:$controller_port)"

  kafka_write_config "$dir" "$port" "$controller_port"
  kafka_format "$dir"

  # shellcheck disable=SC2086 # KAFKA_JVM_OPTS is a list of options.
  start_process_group "$dir/kafka.out" "$(kafka_java_path)" $KAFKA_JVM_OPTS \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$KAFKA_LIBS_DIR/*" kafka.Kafka "$dir/server.properties"
  KAFKA_PID="$STARTED_PID"
}

# Wait until the broker lists itself in a Metadata response and returns a
# group coordinator, or fail with the log tail. In KRaft mode the broker
# accepts client connections only once it has caught up with the metadata
# log and is unfenced. The first FindCoordinator request makes the broker
# create __consumer_offsets. Sending it here spares the first kafka-go
# consumer group in the tests a failed join and kafka-go's default 5 s
# JoinGroupBackoff.
kafka_wait() {
  local dir="$1"
  local helpers="$TESTENV_SCRIPTS_DIR/helpers.py"

  while true; do
    if python3 "$helpers" kafka-ready "$KAFKA_BROKERS" 2>/dev/null \
      && python3 "$helpers" kafka-group-coordinator "$KAFKA_BROKERS" arenasync-testenv-warmup 2>/dev/null; then
      log "kafka $KAFKA_VERSION ready on $KAFKA_BROKERS after $(elapsed_since "$KAFKA_STARTED_AT") s"
      return 0
    fi

    if ! process_alive "$KAFKA_PID"; then
      show_log_tail "$dir/server.log"
      show_log_tail "$dir/kafka.out"
      die "kafka on $KAFKA_BROKERS exited during start-up"
    fi

    if deadline_passed "$KAFKA_STARTED_AT" "$KAFKA_START_TIMEOUT"; then
      show_log_tail "$dir/server.log"
      show_log_tail "$dir/kafka.out"
      die "kafka on $KAFKA_BROKERS did not return metadata and a group coordinator within $KAFKA_START_TIMEOUT s"
    fi
    sleep 0.5
  done
}

kafka_stop() {
  if [[ -n "$KAFKA_PID" ]]; then
    stop_process_group "$KAFKA_PID" kafka
    KAFKA_PID=""
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  # shellcheck source=common.sh
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

  case "${1:-}" in
  resolve)
    kafka_install
    kafka_resolve_jars
    echo "$KAFKA_LIBS_DIR"
    ;;
  *)
    echo "usage: $0 resolve    (fill the jar cache; run.sh starts the broker)" >&2
    exit 2
    ;;
  esac
fi
