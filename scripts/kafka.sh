#!/usr/bin/env bash
# Run a real Apache Kafka 4.x broker (KRaft, no ZooKeeper) straight from the
# Maven Central jars, for Eddy's integration tests, differential tests and
# benchmarks. See `scripts/kafka.sh --help`.
#
# Layout:
#   scripts/kafka/versions.env          pinned versions (sourced by other scripts too)
#   scripts/kafka/pom.xml               dependency manifest for `fetch`
#   scripts/kafka/log4j2.properties     broker logging (file, console WARN+)
#   scripts/kafka/log4j2-tools.properties  logging for `kafka.sh java ...`
#   ${EDDY_CACHE:-~/.cache/eddy}/kafka-<version>/libs   downloaded jars
#   <repo>/.local/kafka/                generated config, data, logs, pid files
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
KAFKA_CONF_DIR=$SCRIPT_DIR/kafka

# shellcheck source=kafka/versions.env
source "$KAFKA_CONF_DIR/versions.env"
: "${KAFKA_VERSION:?versions.env must set KAFKA_VERSION}"
: "${LOG4J_VERSION:?versions.env must set LOG4J_VERSION}"
: "${LOG4J_SLF4J_ARTIFACT:?versions.env must set LOG4J_SLF4J_ARTIFACT}"

CACHE_DIR=${EDDY_CACHE:-$HOME/.cache/eddy}/kafka-$KAFKA_VERSION
LIBS_DIR=$CACHE_DIR/libs
FETCH_MARKER=$CACHE_DIR/.fetch-complete
STATE_DIR=$REPO_ROOT/.local/kafka
NODES_FILE=$STATE_DIR/nodes

BROKER_HEAP_OPTS=(-Xms256m -Xmx768m)
BROKER_JVM_OPTS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true)
START_TIMEOUT_S=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT_S=30

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: scripts/kafka.sh <command> [args]

Runs Apache Kafka $KAFKA_VERSION (KRaft combined broker+controller) from Maven
Central jars. Data, generated config, logs and pid files live in
  $STATE_DIR
and are wiped on every start (each start is a clean, freshly formatted cluster).

Commands:
  fetch                 Download the Kafka jars into
                          $LIBS_DIR
                        (once; later calls are no-ops).
  start [--nodes 1|3] [--keep-data] [--secure]
                        Start a fresh cluster and wait until it answers
                        (--keep-data: restart on the existing data, no wipe).
                        EDDY_KAFKA_PORT=P moves the ports below to P, P+1, ...
                          1 node : localhost:9092 (controller 9093)
                          3 nodes: localhost:9092,9094,9096 (controllers
                                   9093,9095,9097), RF 3, min.insync.replicas 2
                        --secure (1 node): also a TLS listener on P+6 (9098;
                        client certificate required) and a SASL_SSL listener
                        on P+7 (9099; SCRAM-SHA-512 and PLAIN, user 'eddy';
                        librdkafka < 2.6.1 needs PLAIN: see docs/security.md). A CA, the
                        broker's and a client's certificates and the passwords
                        are generated at every fresh start (openssl, keytool);
                        the plaintext listener on P stays for tools and tests.
                        Prints the client properties to use.
                        A no-op if the same cluster is already running.
  stop                  Stop all nodes (SIGTERM, SIGKILL after ${STOP_TIMEOUT_S}s).
  kill-node N           SIGKILL node N of the running cluster by its pid (a crash, for
                        fault tests: the others keep running).
  start-node N          Start node N again on its data after kill-node and wait until
                        it has rejoined the cluster.
  leader TOPIC PARTITION
                        Print the node id leading that partition.
  status                Show each node; exit 0 if all run, 3 otherwise.
  bootstrap             Print the bootstrap string of the running cluster.
  client-config ssl|sasl_ssl|sasl_ssl_scram [--java]
                        Print the path of the client properties file for that
                        listener of the running --secure broker, for Eddy
                        (librdkafka names: eddy-* --kafka-config FILE) or,
                        with --java, for Kafka's Java tools (--command-config).
                        sasl_ssl logs in with PLAIN, sasl_ssl_scram with
                        SCRAM-SHA-512 (needs librdkafka >= 2.6.1).
  topics [args...]      Describe all topics (default), or run TopicCommand
                        with the given args against the running cluster,
                        e.g. topics --create --topic t --partitions 4
  java <Main|File.java> [args...]
                        Run a class (or a single-file Java source) with the
                        Kafka classpath, e.g. java
                        org.apache.kafka.tools.ProducerPerformance --help
                        Extra JVM options: \$EDDY_KAFKA_JAVA_OPTS.
  classpath             Print the Kafka classpath (for java -cp "...").
  -h, --help            This help.

Environment:
  EDDY_CACHE            Cache root (default ~/.cache/eddy).
  KAFKA_START_TIMEOUT   Seconds to wait for the cluster (default 90).
EOF
}

# ----------------------------------------------------------------------------
# Jars

fetch_fingerprint() {
  cat "$KAFKA_CONF_DIR/versions.env" "$KAFKA_CONF_DIR/pom.xml" | sha256sum | cut -d' ' -f1
}

is_fetched() {
  [[ -f $FETCH_MARKER && -d $LIBS_DIR ]] &&
    [[ $(cat "$FETCH_MARKER") == "$(fetch_fingerprint)" ]]
}

cmd_fetch() {
  if is_fetched; then
    log "Kafka $KAFKA_VERSION jars already present in $LIBS_DIR"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn (Maven) is required to fetch the Kafka jars"
  mkdir -p "$CACHE_DIR"
  local tmp=$CACHE_DIR/libs.partial
  rm -rf "$tmp" "$FETCH_MARKER"
  log "fetching Kafka $KAFKA_VERSION + log4j $LOG4J_VERSION ($LOG4J_SLF4J_ARTIFACT) from Maven Central..."
  log "  into $LIBS_DIR (first run downloads ~150 MB; this can take a minute)"
  local start=$SECONDS
  if ! mvn -q -B -f "$KAFKA_CONF_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
      -Dlog4j.slf4j.artifact="$LOG4J_SLF4J_ARTIFACT" 2>&1 |
      sed -u 's/\x1b\[[0-9;]*m//g' >&2; then # Maven 3.8 -q -B still emits colour resets
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (see output above)"
  fi
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  fetch_fingerprint >"$FETCH_MARKER"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $((SECONDS - start))s"
}

ensure_fetched() { is_fetched || cmd_fetch; }

classpath() { printf '%s/*' "$LIBS_DIR"; }

check_java() {
  command -v java >/dev/null || die "java (17 or newer) is required"
  local ver
  ver=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ ${ver%%.*} =~ ^[0-9]+$ ]] && ((${ver%%.*} >= 17)) ||
    die "Kafka $KAFKA_VERSION needs Java 17 or newer (found '${ver:-unknown}')"
}

# Run a class with the Kafka classpath and quiet client-side logging.
run_java() {
  # shellcheck disable=SC2206
  local extra=(${EDDY_KAFKA_JAVA_OPTS:-})
  java "${extra[@]}" \
    -Dlog4j2.configurationFile="file:$KAFKA_CONF_DIR/log4j2-tools.properties" \
    -cp "$(classpath)" "$@"
}

# Same for our own short-lived admin calls (StorageTool, TopicCommand probes):
# tuned for JVM start-up time rather than throughput.
run_tool() {
  EDDY_KAFKA_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m" run_java "$@"
}

# ----------------------------------------------------------------------------
# Cluster layout

# EDDY_KAFKA_PORT moves the whole cluster (default 9092: brokers 9092/9094/9096, controllers
# one above each), so two checkouts can each run a broker of their own side by side.
BASE_PORT=${EDDY_KAFKA_PORT:-9092}
broker_port() { echo $((BASE_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((BASE_PORT + 1 + 2 * ($1 - 1))); }
# --secure (single node): TLS and SASL_SSL listeners above the 3-node range.
ssl_port() { echo $((BASE_PORT + 6)); }
sasl_ssl_port() { echo $((BASE_PORT + 7)); }
SECURE_DIR=$STATE_DIR/secure
SECURE_MARKER=$STATE_DIR/secure.enabled
SCRAM_USER=eddy
node_dir() { echo "$STATE_DIR/node-$1"; }
pid_file() { echo "$(node_dir "$1")/kafka.pid"; }

configured_nodes() {
  if [[ -f $NODES_FILE ]]; then cat "$NODES_FILE"; else echo 0; fi
}

bootstrap_for() {
  local n=$1 i out=""
  for ((i = 1; i <= n; i++)); do out+="${out:+,}localhost:$(broker_port "$i")"; done
  echo "$out"
}

# Pid of node $1 if it is running and really is our broker, else nothing.
node_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the command line must be our broker for this node.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
    grep -qF -- "$(node_dir "$1")/server.properties" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_server_properties() {
  local id=$1 n=$2 dir voters="" i rf min_isr
  dir=$(node_dir "$id")
  for ((i = 1; i <= n; i++)); do voters+="${voters:+,}$i@localhost:$(controller_port "$i")"; done
  if ((n == 1)); then rf=1 min_isr=1; else rf=3 min_isr=2; fi
  cat >"$dir/server.properties" <<EOF
# Generated by scripts/kafka.sh start --nodes $n; rewritten on every start.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://localhost:$(broker_port "$id"),CONTROLLER://localhost:$(controller_port "$id")
advertised.listeners=PLAINTEXT://localhost:$(broker_port "$id")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data

auto.create.topics.enable=true
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$min_isr
group.initial.rebalance.delay.ms=0

offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
share.coordinator.state.topic.num.partitions=4

log.retention.check.interval.ms=10000
EOF
  if [[ -f $SECURE_MARKER ]]; then write_secure_properties "$dir/server.properties"; fi
}

# ----------------------------------------------------------------------------
# --secure: certificates, passwords and the TLS / SASL_SSL listeners

# A CA, the broker's key store and trust store, a client certificate with an encrypted key
# and the passwords, all fresh in $SECURE_DIR (mode 700). Kept by --keep-data restarts.
generate_secure_material() {
  command -v openssl >/dev/null || die "--secure needs openssl"
  command -v keytool >/dev/null || die "--secure needs keytool (from the JDK)"
  local d=$SECURE_DIR
  rm -rf "$d"
  mkdir -p "$d"
  chmod 700 "$d"
  (
    set -e
    umask 077
    cd "$d"
    openssl rand -hex 16 >store.password
    openssl rand -hex 16 >client-key.password
    openssl rand -hex 16 >scram.password
    # The CA every client trusts (ssl.ca.location) and the broker trusts for client certificates.
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout ca.key -out ca.pem \
      -subj "/CN=Eddy local test CA" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >broker.ext
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout broker.key -out broker.csr \
      -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -sha256 -extfile broker.ext -out broker.pem 2>/dev/null
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -out broker.p12 -passout "file:store.password"
    keytool -importcert -noprompt -alias eddy-ca -file ca.pem -keystore truststore.p12 \
      -storetype PKCS12 -storepass "$(cat store.password)" >/dev/null 2>&1
    # The client's certificate for the TLS listener (which requires one); its key is
    # encrypted, so the client needs ssl.key.password.
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout client-plain.key -out client.csr \
      -subj "/CN=eddy-client" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -sha256 -out client.pem 2>/dev/null
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client-plain.key -out client.key \
      -passout "file:client-key.password"
    openssl pkcs12 -export -in client.pem -inkey client-plain.key -name client \
      -out client.p12 -passout "file:store.password"
    rm -f client-plain.key ./*.csr ca.srl broker.ext broker.key
  ) || die "generating the CA and certificates in $d failed"
  write_client_configs
}

write_client_configs() {
  local d=$SECURE_DIR store_pw key_pw scram_pw
  store_pw=$(<"$d/store.password") key_pw=$(<"$d/client-key.password") scram_pw=$(<"$d/scram.password")
  (
    umask 077
    cat >"$d/client-ssl.properties" <<EOF
# Eddy (librdkafka) client of the TLS listener of scripts/kafka.sh start --secure.
bootstrap.servers=localhost:$(ssl_port)
security.protocol=ssl
ssl.ca.location=$d/ca.pem
ssl.certificate.location=$d/client.pem
ssl.key.location=$d/client.key
ssl.key.password=$key_pw
EOF
    # PLAIN, not SCRAM: librdkafka before 2.6.1 (Debian 12 ships 2.0.2) sends a SCRAM nonce
    # that Kafka 4.x brokers reject (librdkafka#4895); the -scram file is for newer ones.
    cat >"$d/client-sasl-ssl.properties" <<EOF
# Eddy (librdkafka) client of the SASL_SSL listener of scripts/kafka.sh start --secure.
bootstrap.servers=localhost:$(sasl_ssl_port)
security.protocol=sasl_ssl
sasl.mechanisms=PLAIN
sasl.username=$SCRAM_USER
sasl.password=$scram_pw
ssl.ca.location=$d/ca.pem
EOF
    cat >"$d/client-sasl-ssl-scram.properties" <<EOF
# SCRAM-SHA-512 on the SASL_SSL listener: needs librdkafka 2.6.1 or newer against Kafka 4.x.
bootstrap.servers=localhost:$(sasl_ssl_port)
security.protocol=sasl_ssl
sasl.mechanisms=SCRAM-SHA-512
sasl.username=$SCRAM_USER
sasl.password=$scram_pw
ssl.ca.location=$d/ca.pem
EOF
    cat >"$d/client-ssl-java.properties" <<EOF
# Kafka's Java tools (--command-config) against the TLS listener.
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
ssl.keystore.type=PKCS12
ssl.keystore.location=$d/client.p12
ssl.keystore.password=$store_pw
EOF
    cat >"$d/client-sasl-ssl-java.properties" <<EOF
# Kafka's Java tools (--command-config) against the SASL_SSL listener.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SCRAM_USER" password="$scram_pw";
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
EOF
  )
}

# Adds the TLS and SASL_SSL listeners to a node's server.properties.
write_secure_properties() {
  local file=$1 d=$SECURE_DIR p=$BASE_PORT store_pw user_pw
  store_pw=$(<"$d/store.password") user_pw=$(<"$d/scram.password")
  sed -i \
    -e "s|^listeners=.*|listeners=PLAINTEXT://localhost:$p,CONTROLLER://localhost:$((p + 1)),SSL://localhost:$(ssl_port),SASL_SSL://localhost:$(sasl_ssl_port)|" \
    -e "s|^advertised.listeners=.*|advertised.listeners=PLAINTEXT://localhost:$p,SSL://localhost:$(ssl_port),SASL_SSL://localhost:$(sasl_ssl_port)|" \
    -e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL|" \
    "$file"
  cat >>"$file" <<EOF

# --secure: a TLS listener (client certificate required) and a SASL_SSL one: SCRAM-SHA-512
# (the user is created by the storage format, see cmd_start) and PLAIN, the same user and
# password (for librdkafka < 2.6.1, whose SCRAM Kafka 4.x rejects: librdkafka#4895).
ssl.keystore.type=PKCS12
ssl.keystore.location=$d/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$d/truststore.p12
ssl.truststore.password=$store_pw
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER="$user_pw";
EOF
  chmod 600 "$file"
}

print_client_configs() {
  log "secure listeners: TLS localhost:$(ssl_port) (client certificate required), SASL_SSL localhost:$(sasl_ssl_port) (SCRAM-SHA-512 and PLAIN, user $SCRAM_USER)"
  log "client properties (StreamsConfig keys; an example app takes the file as --kafka-config FILE,"
  log "and 'scripts/kafka.sh client-config ssl|sasl_ssl' prints its path):"
  local f
  for f in "$SECURE_DIR/client-ssl.properties" "$SECURE_DIR/client-sasl-ssl.properties"; do
    printf '\n# %s\n' "$f"
    grep -v '^#' "$f"
  done
}

tail_logs() {
  local id=$1 dir f
  dir=$(node_dir "$id")
  for f in "$dir/console.log" "$dir/logs/server.log"; do
    [[ -s $f ]] || continue
    printf -- '---- node %s: last lines of %s ----\n' "$id" "$f" >&2
    tail -n 30 "$f" >&2
  done
}

# Starts node $1's JVM in the background on its config and data; records its pid.
launch_node() {
  local i=$1 dir
  dir=$(node_dir "$i")
  nohup java "${BROKER_HEAP_OPTS[@]}" "${BROKER_JVM_OPTS[@]}" \
    -Dkafka.logs.dir="$dir/logs" \
    -Dlog4j2.configurationFile="file:$KAFKA_CONF_DIR/log4j2.properties" \
    -cp "$(classpath)" kafka.Kafka "$dir/server.properties" \
    >>"$dir/console.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$i")"
  log "node $i: pid $!, localhost:$(broker_port "$i") (controller $(controller_port "$i"))"
}

# ----------------------------------------------------------------------------
# Commands

cmd_start() {
  local n=1 keep=0 secure=0
  while (($#)); do
    case $1 in
      --keep-data) keep=1; shift ;;
      --secure) secure=1; shift ;;
      --nodes) [[ $# -ge 2 ]] || die "--nodes needs a value (1 or 3)"; n=$2; shift 2 ;;
      --nodes=*) n=${1#--nodes=}; shift ;;
      -h | --help) usage; return 0 ;;
      *) die "start: unknown argument '$1' (try --help)" ;;
    esac
  done
  [[ $n == 1 || $n == 3 ]] || die "--nodes must be 1 or 3 (got '$n')"
  ((secure == 0 || n == 1)) || die "--secure runs a single node; drop --nodes $n"

  local running=0 have i
  have=$(configured_nodes)
  for ((i = 1; i <= 3; i++)); do node_pid "$i" >/dev/null && running=$((running + 1)); done
  if ((running > 0)); then
    if ((running == have && have == n)); then
      if ((secure)) && [[ ! -f $SECURE_MARKER ]]; then
        die "a cluster without --secure is running; run 'scripts/kafka.sh stop' first"
      fi
      log "already running ($n node(s), bootstrap $(bootstrap_for "$n")); nothing to do"
      if ((secure)); then print_client_configs; fi
      return 0
    fi
    die "a $have-node cluster is (partly) running ($running node(s) up); run 'scripts/kafka.sh stop' first"
  fi

  check_java
  ensure_fetched
  for ((i = 1; i <= n; i++)); do
    local p
    for p in "$(broker_port "$i")" "$(controller_port "$i")"; do
      ! port_open "$p" || die "port $p is already in use by another process; cannot start"
    done
  done
  if ((secure)) || { ((keep)) && [[ -f $SECURE_MARKER ]]; }; then
    for p in "$(ssl_port)" "$(sasl_ssl_port)"; do
      ! port_open "$p" || die "port $p (--secure) is already in use by another process; cannot start"
    done
  fi

  local t0=$SECONDS
  if ((keep)) && [[ -f $STATE_DIR/cluster.id && $(configured_nodes) == "$n" ]]; then
    # Restart on the existing data (broker-restart tests): no wipe, no format.
    log "restarting the $n-node cluster on its existing data in $STATE_DIR"
    for ((i = 1; i <= n; i++)); do : >"$(node_dir "$i")/logs/server.log"; done
  else
  log "starting a fresh $n-node Kafka $KAFKA_VERSION cluster in $STATE_DIR"
  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  echo "$n" >"$NODES_FILE"
  local scram_args=()
  if ((secure)); then
    log "--secure: generating a CA, certificates and passwords in $SECURE_DIR"
    generate_secure_material
    : >"$SECURE_MARKER"
    # KRaft keeps SCRAM credentials in the metadata log: the user is created by the format.
    scram_args=(--add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$(<"$SECURE_DIR/scram.password")]")
  fi
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$(node_dir "$i")/data" "$(node_dir "$i")/logs"
    write_server_properties "$i" "$n"
  done

  local cluster_id
  cluster_id=$(run_tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
  echo "$cluster_id" >"$STATE_DIR/cluster.id"
  log "formatting storage (cluster id $cluster_id)"
  # Static controller.quorum.voters => no --standalone / --initial-controllers.
  local fmt_pids=()
  for ((i = 1; i <= n; i++)); do
    run_tool kafka.tools.StorageTool format -t "$cluster_id" "${scram_args[@]}" \
      -c "$(node_dir "$i")/server.properties" >"$(node_dir "$i")/format.log" 2>&1 &
    fmt_pids+=($!)
  done
  for ((i = 1; i <= n; i++)); do
    if ! wait "${fmt_pids[i - 1]}"; then
      cat "$(node_dir "$i")/format.log" >&2
      die "formatting storage of node $i failed"
    fi
  done
  fi

  for ((i = 1; i <= n; i++)); do launch_node "$i"; done

  # Ready = every node logged "Kafka Server started" (i.e. it is unfenced) and
  # TopicCommand --list answers through the bootstrap string.
  local bootstrap deadline=$((SECONDS + START_TIMEOUT_S)) next_note=$((SECONDS + 5))
  bootstrap=$(bootstrap_for "$n")
  log "waiting for the cluster to answer (timeout ${START_TIMEOUT_S}s)..."
  while :; do
    local up=0
    for ((i = 1; i <= n; i++)); do
      # Alive is enough here: right after the fork its command line may not be java's yet
      # (node_pid checks that), which on a busy machine read as "exited during startup".
      if ! kill -0 "$(<"$(pid_file "$i")")" 2>/dev/null; then
        tail_logs "$i"
        cmd_stop >/dev/null 2>&1 || true
        die "node $i exited during startup (logs above; full logs in $(node_dir "$i"))"
      fi
      grep -qs 'Kafka Server started' "$(node_dir "$i")/logs/server.log" && up=$((up + 1))
    done
    if ((up == n)) &&
      timeout 30 bash "$SCRIPT_DIR/kafka.sh" __run_tool \
        org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --list \
        >/dev/null 2>&1; then
      break
    fi
    if ((SECONDS >= deadline)); then
      for ((i = 1; i <= n; i++)); do tail_logs "$i"; done
      cmd_stop >/dev/null 2>&1 || true
      die "cluster did not come up within ${START_TIMEOUT_S}s (logs above); stopped it"
    fi
    if ((SECONDS >= next_note)); then
      log "  ...$((SECONDS - t0))s, $up/$n node(s) started"
      next_note=$((SECONDS + 5))
    fi
    sleep 1
  done
  if [[ -f $SECURE_MARKER ]]; then
    # The secure listeners answer with the generated CA and the SCRAM user (Java's client).
    timeout 60 bash "$SCRIPT_DIR/kafka.sh" __run_tool org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "localhost:$(sasl_ssl_port)" \
      --command-config "$SECURE_DIR/client-sasl-ssl-java.properties" --list >/dev/null 2>&1 || {
      tail_logs 1
      cmd_stop >/dev/null 2>&1 || true
      die "the SASL_SSL listener on localhost:$(sasl_ssl_port) did not answer; stopped the cluster"
    }
  fi
  log "cluster up in $((SECONDS - t0))s; bootstrap $bootstrap"
  if [[ -f $SECURE_MARKER ]]; then print_client_configs; fi
}

cmd_stop() {
  local i pid pids=() ids=()
  for ((i = 1; i <= 3; i++)); do
    if pid=$(node_pid "$i"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      ids+=("$i")
    fi
  done
  if ((${#pids[@]} == 0)); then
    log "not running"
  else
    log "stopping node(s) ${ids[*]} (pids ${pids[*]})..."
    local deadline=$((SECONDS + STOP_TIMEOUT_S)) alive
    while :; do
      alive=()
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
      ((${#alive[@]} == 0)) && break
      if ((SECONDS >= deadline)); then
        log "still running after ${STOP_TIMEOUT_S}s, sending SIGKILL to ${alive[*]}"
        kill -KILL "${alive[@]}" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.5
    done
    log "stopped"
  fi
  for ((i = 1; i <= 3; i++)); do rm -f "$(pid_file "$i")"; done
}

cmd_status() {
  local n i pid all=0
  n=$(configured_nodes)
  if ((n == 0)); then
    echo "kafka: not running (no cluster started from $STATE_DIR)"
    return 3
  fi
  for ((i = 1; i <= n; i++)); do
    if pid=$(node_pid "$i"); then
      echo "node $i: running (pid $pid) localhost:$(broker_port "$i") controller localhost:$(controller_port "$i")"
    else
      echo "node $i: not running"
      all=3
    fi
  done
  echo "bootstrap: $(bootstrap_for "$n")"
  if [[ -f $SECURE_MARKER ]]; then
    echo "secure: TLS localhost:$(ssl_port), SASL_SSL localhost:$(sasl_ssl_port) (scripts/kafka.sh client-config ssl|sasl_ssl)"
  fi
  echo "version: $KAFKA_VERSION"
  return $all
}

running_bootstrap() {
  local n i
  n=$(configured_nodes)
  ((n > 0)) || die "no cluster running; start one with 'scripts/kafka.sh start'"
  for ((i = 1; i <= n; i++)); do
    node_pid "$i" >/dev/null || die "node $i is not running (see 'scripts/kafka.sh status')"
  done
  bootstrap_for "$n"
}

# A node id of the running cluster, checked.
node_arg() {
  local n
  n=$(configured_nodes)
  [[ ${1:-} =~ ^[1-3]$ ]] && (($1 <= n)) || die "node must be 1..$n (got '${1:-}')"
  echo "$1"
}

cmd_kill_node() {
  local id pid
  id=$(node_arg "${1:-}")
  pid=$(node_pid "$id") || die "node $id is not running"
  kill -KILL "$pid"
  # Gone, or a zombie its parent has not reaped yet (both mean the broker is dead).
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
    sleep 0.1
  done
  log "node $id (pid $pid) killed with SIGKILL"
}

cmd_start_node() {
  local id n log_file console deadline bootstrap attempt
  id=$(node_arg "${1:-}")
  n=$(configured_nodes)
  if node_pid "$id" >/dev/null; then log "node $id is already running"; return 0; fi
  log_file=$(node_dir "$id")/logs/server.log
  console=$(node_dir "$id")/console.log
  bootstrap=$(bootstrap_for "$n")
  # The ports sit in Linux's ephemeral range (32768-60999): while the node was down, a client
  # connection elsewhere may have taken its port as a source port for a while. Such a start
  # ends in "Address already in use"; it is tried again, up to 5 times.
  for ((attempt = 1; ; attempt++)); do
    : >"$log_file"
    local console_size
    console_size=$(stat -c %s "$console" 2>/dev/null || echo 0)
    launch_node "$id"
    deadline=$((SECONDS + START_TIMEOUT_S))
    until grep -qs 'Kafka Server started' "$log_file"; do
      if ! kill -0 "$(<"$(pid_file "$id")")" 2>/dev/null; then break; fi
      ((SECONDS < deadline)) || die "node $id did not start within ${START_TIMEOUT_S}s"
      sleep 0.5
    done
    grep -qs 'Kafka Server started' "$log_file" && break
    if ((attempt < 5)) && tail -c +$((console_size + 1)) "$console" | grep -q 'Address already in use'; then
      log "node $id: port $(broker_port "$id") or $(controller_port "$id") is taken for now; trying again in 3 s"
      sleep 3
      continue
    fi
    tail_logs "$id"
    die "node $id exited during startup"
  done
  log "node $id is back in the cluster ($bootstrap)"
}

# The node id leading partition $2 of topic $1 (TopicCommand --describe).
cmd_leader() {
  local topic=${1:-} partition=${2:-} bootstrap leader
  [[ -n $topic && $partition =~ ^[0-9]+$ ]] || die "usage: scripts/kafka.sh leader TOPIC PARTITION"
  bootstrap=$(running_any_bootstrap)
  leader=$(run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
    --describe --topic "$topic" 2>/dev/null |
    awk -v p="$partition" '$0 ~ "Partition: " p "\t" { for (i = 1; i < NF; ++i) if ($i == "Leader:") print $(i + 1) }') || true
  [[ $leader =~ ^[0-9]+$ ]] || die "no leader found for $topic-$partition"
  echo "$leader"
}

# The bootstrap string of the nodes that run now (a node may be down during a fault test).
running_any_bootstrap() {
  local n i out=""
  n=$(configured_nodes)
  for ((i = 1; i <= n; i++)); do
    node_pid "$i" >/dev/null && out+="${out:+,}localhost:$(broker_port "$i")"
  done
  [[ -n $out ]] || die "no node is running"
  echo "$out"
}

cmd_client_config() {
  local listener=${1:-} java=""
  [[ ${2:-} == --java ]] && java=-java
  running_bootstrap >/dev/null
  [[ -f $SECURE_MARKER ]] || die "the running cluster was not started with --secure"
  case $listener in
    ssl) echo "$SECURE_DIR/client-ssl$java.properties" ;;
    sasl_ssl) echo "$SECURE_DIR/client-sasl-ssl$java.properties" ;;
    sasl_ssl_scram) echo "$SECURE_DIR/client-sasl-ssl-scram.properties" ;;
    *) die "usage: scripts/kafka.sh client-config ssl|sasl_ssl|sasl_ssl_scram [--java]" ;;
  esac
}

cmd_topics() {
  local bootstrap
  bootstrap=$(running_bootstrap)
  ensure_fetched
  if (($# == 0)); then set -- --describe; fi
  run_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" "$@"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    kill-node) cmd_kill_node "$@" ;;
    start-node) cmd_start_node "$@" ;;
    leader) cmd_leader "$@" ;;
    status) cmd_status ;;
    bootstrap) running_bootstrap ;;
    client-config) cmd_client_config "$@" ;;
    topics) cmd_topics "$@" ;;
    java)
      (($#)) || die "usage: scripts/kafka.sh java <MainClass|File.java> [args...]"
      check_java
      ensure_fetched
      run_java "$@"
      ;;
    classpath) ensure_fetched; classpath; echo ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) log "unknown command '$cmd'"; usage >&2; exit 2 ;;
  esac
}

# `timeout` needs an executable; the start-up probe re-enters this script.
if [[ ${1:-} == __run_tool ]]; then shift; run_tool "$@"; exit; fi
main "$@"
