#!/usr/bin/env bash
# The real PostgreSQL the tests run against: a private cluster on a loopback port of its own,
# started for a test run and stopped after it (`make test` does both around the suite). `run`
# also starts a real S3-compatible server (moto, which scripts/bootstrap.sh test installs in
# .tools/moto/) for the test servers to keep attachments in.
#
#   scripts/test-services.sh start   start it (initialising it the first time); prints the URL
#   scripts/test-services.sh url     the URL of the running cluster
#   scripts/test-services.sh stop    stop it (its files stay for the next run)
#   scripts/test-services.sh run CMD...
#                                    CMD with BANTER_TEST_POSTGRES and BANTER_TEST_OBJECT_STORE
#                                    set, between start and stop (both servers stop however CMD
#                                    ends)
#
# A developer with their own servers skips all this: BANTER_TEST_POSTGRES=postgres://… and
# BANTER_TEST_OBJECT_STORE=http://HOST:PORT/ make unit (the role must be allowed to create
# databases, and the S3 server to take unsigned requests to create buckets: each test makes one
# of its own).
#
# PostgreSQL will not run as root, so as root the cluster belongs to the `postgres` user
# Debian's package creates. Durability settings are relaxed for speed (fsync off): the tests
# check what Banter does with committed data, not that the machine's disk survives a power cut.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# Outside the repository: the `postgres` user may not be able to enter it.
base="${TMPDIR:-/tmp}/banter-test-pg-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
data="$base/data"
log="$base/server.log"
port_file="$base/port"

log() { printf '\033[1mtest-services:\033[0m %s\n' "$*" >&2; }

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -x "$dir/pg_ctl" ] || { log "PostgreSQL is not installed (scripts/bootstrap.sh test installs it)"; exit 1; }
  printf '%s' "$dir"
}

# as_owner CMD...: run as the cluster's owner (`postgres` when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# free_port FIRST: the first port from FIRST on (a hundred tried) that nothing listens on.
free_port() {
  local port
  for port in $(seq "$1" $(($1 + 99))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s' "$port"
      return
    fi
  done
  log "no free port in $1-$(($1 + 99))"
  exit 1
}

url() {
  printf 'postgres://banter@127.0.0.1:%s/postgres\n' "$(cat "$port_file")"
}

running() {
  [ -f "$port_file" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
  local bin port
  bin="$(bindir)"
  if running; then
    url
    return
  fi
  mkdir -p "$base"
  [ "$(id -u)" != 0 ] || chown postgres: "$base"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a private PostgreSQL cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U banter --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # A port free when looked at can be taken before PostgreSQL binds it (these ports lie in
  # Linux's ephemeral range: one of the suite's own client sockets may hold it); then the next.
  local first=55432 tries
  for tries in 1 2 3 4 5; do
    port="$(free_port "$first")"
    printf '%s' "$port" >"$port_file"
    log "starting PostgreSQL on 127.0.0.1:$port"
    if as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$base \
       -c max_connections=400 -c fsync=off -c full_page_writes=off -c shared_buffers=128MB" >/dev/null; then
      url
      return
    fi
    log "PostgreSQL could not start on $port (attempt $tries of 5)"
    first=$((port + 1))
  done
  cat "$log" >&2
  exit 1
}

stop() {
  if running; then
    log "stopping PostgreSQL"
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

moto_pid="$base/moto.pid"

# start_s3: a moto_server on a free loopback port, in memory; prints its URL.
start_s3() {
  local program="$root/.tools/moto/bin/moto_server" port
  [ -x "$program" ] || program="$(command -v moto_server || true)"
  [ -n "$program" ] || { log "moto is not installed (scripts/bootstrap.sh test installs it)"; exit 1; }
  port="$(free_port 55632)"
  mkdir -p "$base"
  log "starting an S3-compatible server (moto) on 127.0.0.1:$port"
  "$program" -H 127.0.0.1 -p "$port" >"$base/moto.log" 2>&1 &
  printf '%s' "$!" >"$moto_pid"
  local tries
  for tries in $(seq 1 300); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      printf 'http://127.0.0.1:%s/\n' "$port"
      return
    fi
    kill -0 "$(cat "$moto_pid")" 2>/dev/null || break
    sleep 0.1
  done
  cat "$base/moto.log" >&2
  log "moto did not start"
  exit 1
}

stop_s3() {
  if [ -f "$moto_pid" ]; then
    kill "$(cat "$moto_pid")" 2>/dev/null || true
    rm -f "$moto_pid"
  fi
}

stop_all() {
  stop_s3
  stop
}

# run CMD...: CMD against the private cluster and a moto server, or against the developer's
# own servers where BANTER_TEST_POSTGRES or BANTER_TEST_OBJECT_STORE is already set.
run() {
  trap stop_all EXIT
  if [ -z "${BANTER_TEST_OBJECT_STORE:-}" ]; then
    BANTER_TEST_OBJECT_STORE="$(start_s3)"
    export BANTER_TEST_OBJECT_STORE
  fi
  if [ -z "${BANTER_TEST_POSTGRES:-}" ]; then
    BANTER_TEST_POSTGRES="$(start)"
    export BANTER_TEST_POSTGRES
  else
    trap stop_s3 EXIT
  fi
  "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  url) running && url ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 start|stop|url|run CMD..." >&2; exit 2 ;;
esac
