#!/usr/bin/env bash
# perfstream's schema registry for local runs: Apicurio Registry 3.3.3 (Confluent-compatible API at
# /apis/ccompat/v7), fetched from Maven Central through Maven, run on Java 21+, bound to loopback.
#
#   deploy/bin/registry.sh start    # background; waits until ready; prints the schema.registry.url
#   deploy/bin/registry.sh stop
#   deploy/bin/registry.sh status   # exit 0 when ready
#   deploy/bin/registry.sh run      # foreground (Ctrl-C stops it)
#   deploy/bin/registry.sh url      # the value for schema.registry.url
#
# Environment (defaults):
#   PERFSTREAM_REGISTRY_HOST=127.0.0.1       HTTP address (keep it on loopback unless you add auth/TLS)
#   PERFSTREAM_REGISTRY_PORT=8081            HTTP port (the port registries usually take)
#   PERFSTREAM_REGISTRY_MANAGEMENT_PORT=8091 health/metrics port (Apicurio's default 9000 binds 0.0.0.0)
#   PERFSTREAM_REGISTRY_DIR=.perfstream/registry   app, database, pid and log
#   PERFSTREAM_REGISTRY_STORAGE=file         file: H2 database in $DIR/db, survives restarts (schema ids in
#                                            topics stay resolvable); memory: in-memory H2, gone on stop
#   PERFSTREAM_REGISTRY_JAVA                 a java binary of version 21+ (else JAVA_HOME, else /usr/lib/jvm/*)
#   PERFSTREAM_REGISTRY_HEAP=256m            -Xmx of the registry JVM
#   PERFSTREAM_MAVEN_REPO=~/.m2/repository   where Maven keeps (or puts) the registry tarball
set -euo pipefail

VERSION=3.3.3
HOST=${PERFSTREAM_REGISTRY_HOST:-127.0.0.1}
PORT=${PERFSTREAM_REGISTRY_PORT:-8081}
MPORT=${PERFSTREAM_REGISTRY_MANAGEMENT_PORT:-8091}
DIR=${PERFSTREAM_REGISTRY_DIR:-.perfstream/registry}
STORAGE=${PERFSTREAM_REGISTRY_STORAGE:-file}
HEAP=${PERFSTREAM_REGISTRY_HEAP:-256m}
APP="$DIR/apicurio-registry-$VERSION"
PIDFILE="$DIR/registry.pid"
LOG="$DIR/registry.log"

die() { echo "registry.sh: $*" >&2; exit 1; }

java_major() { # $1 = java binary -> major version on stdout
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}

find_java() {
  local j v best="" bestv=0
  if [[ -n "${PERFSTREAM_REGISTRY_JAVA:-}" ]]; then echo "$PERFSTREAM_REGISTRY_JAVA"; return; fi
  for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" ]] || continue
    v=$(java_major "$j"); v=${v:-0}
    if (( v >= 21 && v > bestv )); then best=$j; bestv=$v; fi
  done
  [[ -n "$best" ]] || die "the schema registry needs Java 21+; none found. Install one (apt-get install openjdk-21-jre-headless, or Temurin 21/25) or set PERFSTREAM_REGISTRY_JAVA"
  echo "$best"
}

ensure_app() {
  [[ -f "$APP/quarkus-run.jar" ]] && return
  local repo tarball
  repo=${PERFSTREAM_MAVEN_REPO:-$HOME/.m2/repository}
  tarball="$repo/io/apicurio/apicurio-registry-app/$VERSION/apicurio-registry-app-$VERSION-all.tar.gz"
  if [[ ! -f "$tarball" ]]; then
    echo "fetching io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all from Maven Central (~160 MB) ..." >&2
    mvn -q dependency:get -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" -Dtransitive=false \
      || die "could not fetch the registry through Maven"
  fi
  mkdir -p "$DIR"
  local tmp; tmp=$(mktemp -d "$DIR/unpack.XXXXXX")
  tar xzf "$tarball" -C "$tmp"
  mv "$tmp" "$APP"
}

url() { echo "http://$HOST:$PORT/apis/ccompat/v7"; }

ready() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$MPORT/health/ready"; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

command_line() {
  local java db
  java=$(find_java)
  if [[ "$STORAGE" == memory ]]; then db="jdbc:h2:mem:registry"; else db="jdbc:h2:file:$(cd "$DIR" && pwd)/db/registry"; fi
  CMD=("$java" "-Xmx$HEAP" -XX:+UseSerialGC
    "-Dquarkus.http.host=$HOST" "-Dquarkus.http.port=$PORT"
    "-Dquarkus.management.host=127.0.0.1" "-Dquarkus.management.port=$MPORT"
    "-Dquarkus.http.access-log.enabled=false"
    "-Dapicurio.datasource.url=$db"
    "-Dapicurio.datasource.jdbc.initial-size=2" "-Dapicurio.datasource.jdbc.min-size=2"
    "-Dapicurio.storage.snapshot.location=$(cd "$DIR" && pwd)" "-Dapicurio.import.work-dir=$(cd "$DIR" && pwd)"
    -jar "$APP/quarkus-run.jar")
}

case "${1:-}" in
  start)
    if pid=$(running_pid); then echo "registry already running (pid $pid): $(url)"; exit 0; fi
    ensure_app
    command_line
    mkdir -p "$DIR"
    nohup "${CMD[@]}" >>"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 180); do
      if ready; then echo "registry ready: $(url)"; exit 0; fi
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "the registry exited; see $LOG"
      sleep 1
    done
    die "the registry did not become ready in 180 s; see $LOG"
    ;;
  run)
    ensure_app
    command_line
    exec "${CMD[@]}"
    ;;
  stop)
    if pid=$(running_pid); then
      kill "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "registry stopped"
    else
      echo "registry not running"
    fi
    rm -f "$PIDFILE"
    ;;
  status)
    if running_pid >/dev/null && ready; then echo "registry ready: $(url)"; else echo "registry not ready"; exit 1; fi
    ;;
  url)
    url
    ;;
  *)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
