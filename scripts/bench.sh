#!/usr/bin/env bash
# The published benchmark (docs/benchmarks.md): Banter and, side by side with the same
# scenarios, the Socket.IO chat tutorial's server (bench/peers/socketio). Each server is a
# fresh process pinned to CPU 0 and the load tool is pinned to CPU 1, over loopback only;
# Banter runs its release build with persistence on (a fresh SQLite file).
#
# Usage: scripts/bench.sh [OUT_DIR]      (default docs/bench; `make bench` runs it)
#   OUT_DIR/*.json           Banter's results
#   OUT_DIR/socketio/*.json  the Socket.IO peer's
#   OUT_DIR/comparison.md    the two side by side, with the ratio
#   OUT_DIR/p99_vs_rate.svg  p99 against offered rate for both
# Every run is bounded in count and time and stops by itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/bench}
port=${BENCH_PORT:-3400}
mkdir -p "$out/socketio"
cd "$root"

scripts/bootstrap.sh bench
export LEPTOS_OUTPUT_NAME=banter
cargo build --release --features ssr --bin banter --bin banter-load

# Each connection is a file descriptor on both sides: take the most files allowed (raising
# the hard limit needs privileges a container may not have; 10,000 connections need ~10,100).
ulimit -n "$(ulimit -Hn)"
echo "open-file limit: $(ulimit -n)"

# shellcheck source=scripts/bench-server.sh
source "$root/scripts/bench-server.sh"

start_banter() {
  taskset -c 0 target/release/banter --addr "127.0.0.1:$port" --db "$work/bench.db" \
    --leptos-config Leptos.toml --log warn \
    --rate 1000000 --burst 1000000 --queue-frames 4096 --max-connections 30000 \
    --max-sockets-per-account 30000 --max-sockets-per-address 30000 \
    --hello-rate 1000000 --hello-burst 1000000 --signups-per-hour 100000 &
  server=$!
  wait_for_port
}

start_socketio() {
  taskset -c 0 node bench/peers/socketio/server.js "$port" >/dev/null &
  server=$!
  wait_for_port
}

# scenarios PROTOCOL DIR: the same runs against whichever server is up.
scenarios() {
  local protocol=$1 dir=$2
  load() { taskset -c 1 target/release/banter-load --protocol "$protocol" --addr "127.0.0.1:$port" --server-pid "$server" "$@"; }
  echo "== [$protocol] idle: 10,000 connections held open, on the fresh server"
  load --json "$dir/idle.json" --sources 8 idle --connections 10000 --hold 5
  echo "== [$protocol] 100 messages/s into a 1,000-member room"
  load --json "$dir/room100.json" fanout --clients 1000 --publishers 1 --rate 100 --duration 20
  echo "== [$protocol] fan-out: 1,000 clients, 500 messages/s (500,000 deliveries/s offered)"
  load --json "$dir/fanout500.json" fanout --clients 1000 --publishers 10 --rate 500 --duration 10
  echo "== [$protocol] saturation: 1,000 clients, 2,000 messages/s (2,000,000 deliveries/s offered)"
  load --json "$dir/saturation.json" fanout --clients 1000 --publishers 10 --rate 2000 --duration 8
  echo "== [$protocol] ramp: raise the rate until p99 > 50 ms or anything is lost"
  load --json "$dir/ramp.json" ramp --clients 1000 --publishers 10 --rate 10 --factor 1.5 --duration 8 --steps 16
}

start_banter
echo "== [banter] send→ack latency and insert rate"
taskset -c 1 target/release/banter-load --addr "127.0.0.1:$port" --server-pid "$server" \
  --json "$out/ack.json" ack --count 2000
stop_server
# Idle memory is measured on a fresh process: restart before the scenarios.
rm -f "$work"/bench.db*
start_banter
scenarios banter "$out"
stop_server

start_socketio
scenarios socketio "$out/socketio"
stop_server

python3 scripts/plot_latency.py "$out/p99_vs_rate.svg" 50 "Banter=$out/ramp.json" "Socket.IO=$out/socketio/ramp.json"
python3 scripts/compare_bench.py "$out" "$out/socketio" | tee "$out/comparison.md"
