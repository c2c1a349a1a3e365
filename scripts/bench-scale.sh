#!/usr/bin/env bash
# The cost curves (docs/benchmarks.md, "Cost curves"): how each cost grows with the work.
#
#   1. A room's page against its history (10k, 100k, 1M messages) and against its reader's
#      rooms (10, 100, 1,000), and at each history size a socket resuming 1,000 behind and a
#      search for a common and a rare word: `banter-scale-bench`, server and requests in one process on CPU 1,
#      on a SQLite file and then on PostgreSQL (the tests' private cluster, which
#      scripts/test-services.sh starts and stops; `scripts/bootstrap.sh test` installs it).
#   2. Fan-out against a room's members: #general with N people (made through the store), each
#      with one socket, one publisher at MEMBERS_RATE messages a second for 10 s: delivery p50 /
#      p99, the server's RSS and CPU, and how long the joins took to reach everyone.
#   3. Idle connections on one node: a fresh server holding N sockets (from 8 loopback
#      source addresses): its RSS per connection and its CPU while they idle.
#
# For 2 and 3 the server is the release build in its own process on CPU 0, the load tool on
# CPU 1, a fresh SQLite file each time; "members-postgres" and "idle-postgres" run them again
# on a fresh database of the tests' private PostgreSQL cluster each time. Each socket is a file descriptor on both sides, so
# the largest size is bounded by the open-file limit (`ulimit -Hn`): sizes above it are
# left out and said so. Results: OUT_DIR (default docs/bench/scale), one JSON per run, and
# their plots (scripts/plot_curves.py).
#
# Usage: scripts/bench-scale.sh [OUT_DIR]     (`make bench-scale` runs it)
#   CURVES="pages pages-postgres members idle members-postgres idle-postgres" picks which
#   curves run (all by default);
#   MEMBERS_SIZES, MEMBERS_RATE and IDLE_SIZES the sizes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/bench/scale}
port=${BENCH_PORT:-3450}
members_sizes=${MEMBERS_SIZES:-1000 5000 19000}
members_rate=${MEMBERS_RATE:-20}
idle_sizes=${IDLE_SIZES:-2500 5000 10000 19000}
curves=" ${CURVES:-pages pages-postgres members idle members-postgres idle-postgres} "
mkdir -p "$out"
cd "$root"

# PostgreSQL for the page curves comes with the tests' tools.
scripts/bootstrap.sh test
export LEPTOS_OUTPUT_NAME=banter
cargo build --release --features ssr --bin banter --bin banter-load --bin banter-scale-bench

ulimit -n "$(ulimit -Hn)"
# Room for the store, the listener and the load tool's own files beside the sockets.
fit=$(( $(ulimit -n) - 500 ))
echo "open-file limit: $(ulimit -n): at most $fit sockets per process"

if [[ $curves == *" pages "* ]]; then
  echo "== a room's page against its history and its reader's rooms (SQLite)"
  taskset -c 1 target/release/banter-scale-bench --sizes 10000,100000,1000000 --rooms 10,100,1000 --runs 30 \
    --json "$out/pages.json" | tee "$out/pages.txt"
fi
if [[ $curves == *" pages-postgres "* ]]; then
  # The tests' private cluster (fsync off: it times reads, which do not wait for the disk).
  echo "== the same on PostgreSQL"
  pg=$(scripts/test-services.sh start)
  taskset -c 1 target/release/banter-scale-bench --postgres "$pg" --sizes 10000,100000,1000000 --rooms 10,100,1000 \
    --runs 30 --json "$out/pages-postgres.json" | tee "$out/pages-postgres.txt" || { scripts/test-services.sh stop; exit 1; }
  scripts/test-services.sh stop
fi

# shellcheck source=scripts/bench-server.sh
source "$root/scripts/bench-server.sh"
# The PostgreSQL cluster too, however the script ends, once the curves over sockets start it.
pg=
trap 'stop_server; if [ -n "$pg" ]; then scripts/test-services.sh stop; fi; rm -rf "$work"' EXIT

# start_banter DATABASE_URL: the release server on CPU 0 with limits out of the way.
start_banter() {
  taskset -c 0 target/release/banter --addr "127.0.0.1:$port" --database-url "$1" --uploads "$work/uploads" \
    --leptos-config Leptos.toml --log warn \
    --rate 1000000 --burst 1000000 --queue-frames 4096 --max-connections 100000 \
    --max-sockets-per-account 100000 --max-sockets-per-address 100000 \
    --hello-rate 1000000 --hello-burst 1000000 --signups-per-hour 100000 &
  server=$!
  wait_for_port
}
load() { taskset -c 1 target/release/banter-load --addr "127.0.0.1:$port" --server-pid "$server" --sources 8 "$@"; }

# fresh_store BACKEND NAME: the URL of an empty store, a SQLite file in $work or a new database
# on the tests' PostgreSQL cluster.
fresh_store() {
  if [ "$1" = sqlite ]; then
    rm -f "$work/$2".db*
    echo "sqlite://$work/$2.db"
  else
    psql "$pg" -qc "DROP DATABASE IF EXISTS banter_scale_$2 WITH (FORCE)" -c "CREATE DATABASE banter_scale_$2" >&2
    echo "${pg%/*}/banter_scale_$2"
  fi
}

# The curves over sockets, on each store asked for: JSON files named CURVE-N.json, with
# "-postgres" after the curve's name on PostgreSQL.
for backend in sqlite postgres; do
  suffix=; [ "$backend" = postgres ] && suffix=-postgres
  members_here=; idle_here=
  [[ $curves == *" members$suffix "* ]] && members_here=$members_sizes
  [[ $curves == *" idle$suffix "* ]] && idle_here=$idle_sizes
  [ -n "$members_here$idle_here" ] || continue
  [ "$backend" = postgres ] && pg=$(scripts/test-services.sh start)

  for n in $members_here; do
    if [ "$n" -gt "$fit" ]; then echo "== members ($backend): $n left out (open-file limit)"; continue; fi
    echo "== fan-out ($backend): #general with $n members, $members_rate messages/s"
    store=$(fresh_store "$backend" members)
    target/release/banter-scale-bench members --count "$n" --database-url "$store" --sessions "$work/sessions"
    start_banter "$store"
    load --json "$out/members$suffix-$n.json" fanout --clients "$n" --sessions "$work/sessions" \
      --publishers 1 --rate "$members_rate" --duration 10
    stop_server
  done

  for n in $idle_here; do
    if [ "$n" -gt "$fit" ]; then echo "== idle ($backend): $n left out (open-file limit)"; continue; fi
    echo "== idle ($backend): $n connections held on a fresh server"
    start_banter "$(fresh_store "$backend" idle)"
    load --json "$out/idle$suffix-$n.json" idle --connections "$n" --hold 10
    stop_server
  done

  if [ "$backend" = postgres ]; then
    psql "$pg" -qc "DROP DATABASE IF EXISTS banter_scale_members WITH (FORCE)" \
      -c "DROP DATABASE IF EXISTS banter_scale_idle WITH (FORCE)"
    scripts/test-services.sh stop
    pg=
  fi
done

# members.svg and idle.svg beside the figures (docs/benchmarks.md links them).
python3 scripts/plot_curves.py "$out"
