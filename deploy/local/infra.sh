#!/usr/bin/env bash
# Local infrastructure for telebill without Docker: a single-node Apache Kafka
# (KRaft, broker+controller) and FerretDB (MongoDB wire protocol on SQLite).
#
# Usage: infra.sh install|up|down|status|ferretdb-bin|stop kafka|stop ferretdb
#
# Environment (defaults):
#   TELEBILL_CACHE       $HOME/.cache/telebill   downloads, jars, built binaries
#   TELEBILL_STATE       $TELEBILL_CACHE/state   data, pid files, logs/
#   TELEBILL_KAFKA_HOST  127.0.0.1
#   TELEBILL_KAFKA_PORT  9092                    (controller listens on port+1)
#   TELEBILL_KAFKA_HEAP  1G
#   TELEBILL_MONGO_HOST  127.0.0.1
#   TELEBILL_MONGO_PORT  27017
#   TELEBILL_FERRETDB_DEBUG  (unset)             host:port for FerretDB's Go /debug/pprof, to profile it
#   TELEBILL_FERRETDB_SYNCHRONOUS  full          SQLite's synchronous pragma (full: fsync per commit)
#
# `status` exits 0 when everything is running, 3 otherwise. `ferretdb-bin` builds the FerretDB
# wrapper if needed and prints its path (tests start their own server on a scratch directory).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly KAFKA_VERSION=3.9.2

readonly CACHE="${TELEBILL_CACHE:-$HOME/.cache/telebill}"
readonly STATE="${TELEBILL_STATE:-$CACHE/state}"
readonly LOG_DIR="$STATE/logs"

readonly KAFKA_HOST="${TELEBILL_KAFKA_HOST:-127.0.0.1}"
readonly KAFKA_PORT="${TELEBILL_KAFKA_PORT:-9092}"
readonly KAFKA_CTRL_PORT="$((KAFKA_PORT + 1))"
readonly KAFKA_HEAP="${TELEBILL_KAFKA_HEAP:-1G}"
readonly MONGO_HOST="${TELEBILL_MONGO_HOST:-127.0.0.1}"
readonly MONGO_PORT="${TELEBILL_MONGO_PORT:-27017}"
readonly FERRET_DEBUG="${TELEBILL_FERRETDB_DEBUG:-}"
readonly FERRET_SYNCHRONOUS="${TELEBILL_FERRETDB_SYNCHRONOUS:-full}"

readonly KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
readonly KAFKA_LIBS="$KAFKA_HOME/libs"
readonly KAFKA_MARKER="$KAFKA_HOME/.installed"
readonly KAFKA_STATE="$STATE/kafka"
readonly KAFKA_DATA="$KAFKA_STATE/data"
readonly KAFKA_CONFIG="$KAFKA_STATE/server.properties"
readonly KAFKA_CLUSTER_ID_FILE="$KAFKA_STATE/cluster.id"
readonly KAFKA_PID="$STATE/kafka.pid"
readonly KAFKA_LOG="$LOG_DIR/kafka.log"
readonly KAFKA_TIMEOUT=90

readonly FERRET_SRC="$SCRIPT_DIR/ferretdb"
readonly FERRET_BIN_DIR="$CACHE/ferretdb"
readonly FERRET_DATA="$STATE/ferretdb"
readonly FERRET_PID="$STATE/ferretdb.pid"
readonly FERRET_LOG="$LOG_DIR/ferretdb.log"
readonly FERRET_TIMEOUT=30

readonly STOP_TIMEOUT=20

log() { echo "infra: $*" >&2; }
die() { echo "infra: error: $*" >&2; exit 1; }

# --- helpers ---------------------------------------------------------------

port_answers() { # host port
  timeout 1 bash -c ": >/dev/tcp/$1/$2" 2>/dev/null
}

pid_alive() { # pid
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

pid_cmdline() { # pid
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

read_pid() { # pidfile
  if [[ -f "$1" ]]; then
    cat "$1" 2>/dev/null || true
  fi
}

# A recycled pid must not be mistaken for ours, so match the command line too.
pid_matches() { # pid pattern
  pid_alive "$1" && [[ "$(pid_cmdline "$1")" == *"$2"* ]]
}

# Serialises install/up/down so concurrent callers wait, then see the result.
take_lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.infra.lock"
  flock 9
}

# Starts a detached process (own session, so the caller's Ctrl-C or job kill
# does not reach it) and records its pid. fd 9 is closed so the daemon does not
# keep holding the lock.
spawn() { # pidfile logfile cmd...
  local pidfile="$1" logfile="$2"
  shift 2
  setsid nohup "$@" >"$logfile" 2>&1 </dev/null 9>&- &
  echo "$!" >"$pidfile"
}

rotate_log() { # logfile
  [[ -s "$1" ]] && mv -f "$1" "$1.1"
  : >"$1"
}

tail_log() { # logfile
  echo "---- last lines of $1 ----" >&2
  tail -n 40 "$1" >&2 || true
  echo "----" >&2
}

stop_pid() { # name pidfile pattern
  local name="$1" pidfile="$2" pattern="$3" pid waited=0
  pid="$(read_pid "$pidfile")"
  if ! pid_matches "$pid" "$pattern"; then
    rm -f "$pidfile"
    echo "$name: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid" && ((waited < STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if pid_alive "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "$name: stopped (pid $pid)"
}

ensure_port_free() { # host port
  if port_answers "$1" "$2"; then
    die "port $2 is taken by another process ($1:$2 answers, but not from a process started by infra.sh)"
  fi
}

# --- install ---------------------------------------------------------------

java_major_version() {
  java -version 2>&1 | sed -E -n 's/.* version "([0-9]+)(\.[0-9]+)*.*".*/\1/p' | head -n 1
}

kafka_pom_hash() {
  sha256sum "$SCRIPT_DIR/kafka/pom.xml" | cut -c1-16
}

kafka_installed() {
  [[ -f "$KAFKA_MARKER" && "$(cat "$KAFKA_MARKER")" == "$(kafka_pom_hash)" ]]
}

# Changes whenever the wrapper's source or dependencies change.
ferret_build_key() {
  cat "$FERRET_SRC"/*.go "$FERRET_SRC/go.mod" "$FERRET_SRC/go.sum" | sha256sum | cut -c1-16
}

ferret_bin() {
  echo "$FERRET_BIN_DIR/ferretdb-$(ferret_build_key)"
}

require_tools() { # tool...
  local missing=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    die "missing required tool(s): ${missing[*]} (need Java 17+, Maven 3.6+, Go 1.24+ on PATH)"
  fi
  if [[ " $* " == *" java "* ]]; then
    local major
    major="$(java_major_version)"
    [[ -n "$major" && "$major" -ge 17 ]] || die "Java 17+ required, found: $(java -version 2>&1 | head -n 1)"
  fi
}

install_kafka() {
  if kafka_installed; then
    return 0
  fi
  log "fetching Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS"
  local tmp="$KAFKA_HOME/libs.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Maven 3.8 prints colour codes even with -q, so keep its output in a file.
  mvn -q -B -f "$SCRIPT_DIR/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp" \
    >"$KAFKA_HOME/mvn.log" 2>&1 9>&- ||
    { tail_log "$KAFKA_HOME/mvn.log"; die "mvn failed to fetch Kafka jars"; }
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  kafka_pom_hash >"$KAFKA_MARKER"
}

install_ferretdb() {
  local bin
  bin="$(ferret_bin)"
  if [[ -x "$bin" ]]; then
    return 0
  fi
  log "building FerretDB wrapper into $bin"
  mkdir -p "$FERRET_BIN_DIR"
  (cd "$FERRET_SRC" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -o "$bin.tmp" . 9>&-) ||
    die "go build of $FERRET_SRC failed"
  mv -f "$bin.tmp" "$bin"
  # Old builds are unreachable once the key changed; a running one keeps its inode.
  find "$FERRET_BIN_DIR" -maxdepth 1 -name 'ferretdb-*' ! -name "$(basename "$bin")" -delete
}

cmd_install() {
  local tools=(java)
  kafka_installed || tools+=(mvn)
  [[ -x "$(ferret_bin)" ]] || tools+=(go)
  require_tools "${tools[@]}"
  mkdir -p "$CACHE"
  install_kafka
  install_ferretdb
}

# --- kafka -----------------------------------------------------------------

kafka_java() { # java args...
  java -cp "$KAFKA_LIBS/*" "$@"
}

kafka_pid_running() {
  pid_matches "$(read_pid "$KAFKA_PID")" "$KAFKA_CONFIG"
}

kafka_running() {
  kafka_pid_running && port_answers "$KAFKA_HOST" "$KAFKA_PORT"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_CONFIG" <<EOF
# Generated by deploy/local/infra.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CTRL_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CTRL_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

num.network.threads=2
num.io.threads=4
num.partitions=6
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0

# Single node: internal topics cannot be replicated. Fewer offsets/txn
# partitions than the default 50 make the first group join much faster.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6

# Dev box: keep disk use bounded.
log.retention.hours=24
log.retention.bytes=268435456
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
EOF
}

kafka_cluster_id() {
  if [[ ! -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
    kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$KAFKA_CLUSTER_ID_FILE.tmp"
    [[ -s "$KAFKA_CLUSTER_ID_FILE.tmp" ]] || die "kafka StorageTool random-uuid produced no id"
    mv "$KAFKA_CLUSTER_ID_FILE.tmp" "$KAFKA_CLUSTER_ID_FILE"
  fi
  cat "$KAFKA_CLUSTER_ID_FILE"
}

format_kafka_storage() {
  if [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  cluster_id="$(kafka_cluster_id)"
  log "formatting Kafka storage in $KAFKA_DATA (cluster id $cluster_id)"
  kafka_java -Dlog4j.configuration="file:$SCRIPT_DIR/kafka/log4j.properties" -Dkafka.logs.dir="$LOG_DIR" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" >"$LOG_DIR/kafka-format.log" 2>&1 ||
    { tail_log "$LOG_DIR/kafka-format.log"; die "kafka storage format failed"; }
}

wait_for_kafka() {
  local pid deadline=$((SECONDS + KAFKA_TIMEOUT))
  pid="$(read_pid "$KAFKA_PID")"
  until grep -q "Kafka Server started" "$KAFKA_LOG" 2>/dev/null && port_answers "$KAFKA_HOST" "$KAFKA_PORT"; do
    if ! pid_alive "$pid"; then
      tail_log "$KAFKA_LOG"
      die "kafka exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$KAFKA_LOG"
      die "kafka not ready after ${KAFKA_TIMEOUT}s (pid $pid still running; see $KAFKA_LOG)"
    fi
    sleep 0.5
  done
}

start_kafka() {
  if kafka_running; then
    echo "kafka: already running (pid $(read_pid "$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  if kafka_pid_running; then
    log "kafka (pid $(read_pid "$KAFKA_PID")) is starting; waiting"
    wait_for_kafka
    echo "kafka: running (pid $(read_pid "$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  write_kafka_config
  format_kafka_storage
  rotate_log "$KAFKA_LOG"
  # Same JVM flags as upstream bin/kafka-run-class.sh, minus JMX.
  spawn "$KAFKA_PID" "$KAFKA_LOG" java \
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j.configuration=file:$SCRIPT_DIR/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONFIG"
  wait_for_kafka
  echo "kafka: started (pid $(read_pid "$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"
}

# --- ferretdb --------------------------------------------------------------

ferret_pid_running() {
  pid_matches "$(read_pid "$FERRET_PID")" "$FERRET_BIN_DIR/ferretdb-"
}

ferret_running() {
  ferret_pid_running && port_answers "$MONGO_HOST" "$MONGO_PORT"
}

wait_for_ferretdb() {
  local pid deadline=$((SECONDS + FERRET_TIMEOUT))
  pid="$(read_pid "$FERRET_PID")"
  until port_answers "$MONGO_HOST" "$MONGO_PORT"; do
    if ! pid_alive "$pid"; then
      tail_log "$FERRET_LOG"
      die "ferretdb exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$FERRET_LOG"
      die "ferretdb not ready after ${FERRET_TIMEOUT}s (pid $pid still running; see $FERRET_LOG)"
    fi
    sleep 0.2
  done
}

start_ferretdb() {
  if ferret_running; then
    echo "ferretdb: already running (pid $(read_pid "$FERRET_PID")) on $MONGO_HOST:$MONGO_PORT"
    return 0
  fi
  if ferret_pid_running; then
    log "ferretdb (pid $(read_pid "$FERRET_PID")) is starting; waiting"
    wait_for_ferretdb
    echo "ferretdb: running (pid $(read_pid "$FERRET_PID")) on $MONGO_HOST:$MONGO_PORT"
    return 0
  fi
  mkdir -p "$FERRET_DATA"
  rotate_log "$FERRET_LOG"
  spawn "$FERRET_PID" "$FERRET_LOG" "$(ferret_bin)" -listen "$MONGO_HOST:$MONGO_PORT" -data "$FERRET_DATA" \
    -synchronous "$FERRET_SYNCHRONOUS" ${FERRET_DEBUG:+-debug-listen "$FERRET_DEBUG"}
  wait_for_ferretdb
  echo "ferretdb: started (pid $(read_pid "$FERRET_PID")) on $MONGO_HOST:$MONGO_PORT"
}

# --- commands --------------------------------------------------------------

# Checked before starting anything, so a conflict does not leave half the stack up.
ensure_ports_free() {
  if ! kafka_pid_running; then
    ensure_port_free "$KAFKA_HOST" "$KAFKA_PORT"
    ensure_port_free "$KAFKA_HOST" "$KAFKA_CTRL_PORT"
  fi
  if ! ferret_pid_running; then
    ensure_port_free "$MONGO_HOST" "$MONGO_PORT"
  fi
}

cmd_up() {
  # Fast path: nothing to build or start, so skip the tool checks entirely.
  if kafka_installed && [[ -x "$(ferret_bin)" ]] && kafka_running && ferret_running; then
    cmd_status
    return 0
  fi
  ensure_ports_free
  cmd_install
  mkdir -p "$LOG_DIR"
  start_ferretdb
  start_kafka
}

cmd_down() {
  stop_pid kafka "$KAFKA_PID" "$KAFKA_CONFIG"
  stop_pid ferretdb "$FERRET_PID" "$FERRET_BIN_DIR/ferretdb-"
}

# One component only, as an outage drill does (`up` brings it back).
cmd_stop() { # kafka|ferretdb
  case "$1" in
    kafka) stop_pid kafka "$KAFKA_PID" "$KAFKA_CONFIG" ;;
    ferretdb) stop_pid ferretdb "$FERRET_PID" "$FERRET_BIN_DIR/ferretdb-" ;;
    *) usage ;;
  esac
}

status_line() { # name state pidfile address
  local pid="-"
  [[ "$2" == stopped ]] || pid="$(read_pid "$3")"
  printf '%-9s %-8s pid %-8s %s\n' "$1" "$2" "$pid" "$4"
}

component_state() { # pid-check port-check
  if "$2"; then
    echo running
  elif "$1"; then
    echo starting
  else
    echo stopped
  fi
}

cmd_status() {
  local k f
  k="$(component_state kafka_pid_running kafka_running)"
  f="$(component_state ferret_pid_running ferret_running)"
  status_line kafka "$k" "$KAFKA_PID" "$KAFKA_HOST:$KAFKA_PORT"
  status_line ferretdb "$f" "$FERRET_PID" "$MONGO_HOST:$MONGO_PORT"
  [[ "$k" == running && "$f" == running ]] || return 3
}

cmd_ferretdb_bin() {
  [[ -x "$(ferret_bin)" ]] || require_tools go
  install_ferretdb
  ferret_bin
}

usage() {
  echo "usage: $0 install|up|down|status|ferretdb-bin|stop kafka|stop ferretdb" >&2
  exit 2
}

main() {
  [[ $# -eq 1 || ( $# -eq 2 && "$1" == stop ) ]] || usage
  case "$1" in
    stop) take_lock; cmd_stop "$2" ;;
    install) take_lock; cmd_install ;;
    up) take_lock; cmd_up ;;
    down) take_lock; cmd_down ;;
    status) cmd_status ;;
    ferretdb-bin) take_lock; cmd_ferretdb_bin ;;
    *) usage ;;
  esac
}

main "$@"
