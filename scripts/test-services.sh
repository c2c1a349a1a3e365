#!/usr/bin/env bash
# The real PostgreSQL the tests run against: a private cluster on a loopback port of its own,
# started for a test run and stopped after it (`make test` does both around the suite).
#
#   scripts/test-services.sh start   start it (initialising it the first time); prints the URL
#   scripts/test-services.sh url     the URL of the running cluster
#   scripts/test-services.sh stop    stop it (its files stay for the next run)
#   scripts/test-services.sh run CMD...
#                                    CMD with BANTER_TEST_POSTGRES set, between start and stop
#                                    (the cluster stops however CMD ends)
#
# A developer with their own server skips all this: BANTER_TEST_POSTGRES=postgres://… make unit
# (the role must be allowed to create databases; each test makes one of its own).
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

free_port() {
  local port
  for port in $(seq 55432 55531); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s' "$port"
      return
    fi
  done
  log "no free port in 55432-55531"
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
  port="$(free_port)"
  printf '%s' "$port" >"$port_file"
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$base \
     -c max_connections=400 -c fsync=off -c full_page_writes=off -c shared_buffers=128MB" >/dev/null \
    || { cat "$log" >&2; exit 1; }
  url
}

stop() {
  if running; then
    log "stopping PostgreSQL"
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

# run CMD...: CMD against the private cluster, or against the developer's own server when
# BANTER_TEST_POSTGRES is already set.
run() {
  if [ -n "${BANTER_TEST_POSTGRES:-}" ]; then
    "$@"
    return
  fi
  BANTER_TEST_POSTGRES="$(start)"
  export BANTER_TEST_POSTGRES
  trap stop EXIT
  "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) running && url ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 start|stop|url|run CMD..." >&2; exit 2 ;;
esac
