#!/usr/bin/env bash
# The published benchmark (docs/benchmarks.md): a release server pinned to CPU 0, the load
# tool pinned to CPU 1, persistence on (a fresh SQLite file), over loopback only.
#
# Usage: scripts/bench.sh [OUT_DIR]      (default docs/bench; `make bench` runs it)
# Every run is bounded in count and time and stops by itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/bench}
port=${BENCH_PORT:-3400}
mkdir -p "$out"
cd "$root"

export LEPTOS_OUTPUT_NAME=banter
cargo build --release --features ssr --bin banter --bin banter-load

# Each connection is a file descriptor on both sides: take the most files allowed (raising
# the hard limit needs privileges a container may not have; 10,000 connections need ~10,100).
ulimit -n "$(ulimit -Hn)"
echo "open-file limit: $(ulimit -n)"

work=$(mktemp -d)
taskset -c 0 target/release/banter --addr "127.0.0.1:$port" --db "$work/bench.db" \
  --leptos-config Leptos.toml --log warn \
  --rate 1000000 --burst 1000000 --queue-frames 4096 --max-connections 30000 \
  --max-sockets-per-account 30000 --max-sockets-per-address 30000 \
  --hello-rate 1000000 --hello-burst 1000000 --signups-per-hour 100000 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 $server || { echo "server did not start" >&2; exit 1; }
  sleep 0.2
done

load() { taskset -c 1 target/release/banter-load --addr "127.0.0.1:$port" --server-pid "$server" "$@"; }

echo "== send→ack latency and insert rate"
load --json "$out/ack.json" ack --count 2000
echo "== 100 messages/s into a 1,000-member room"
load --json "$out/room100.json" fanout --clients 1000 --publishers 1 --rate 100 --duration 20
echo "== fan-out: 1,000 clients, 500 messages/s (500,000 deliveries/s offered)"
load --json "$out/fanout500.json" fanout --clients 1000 --publishers 10 --rate 500 --duration 10
echo "== saturation: 1,000 clients, 2,000 messages/s (2,000,000 deliveries/s offered)"
load --json "$out/saturation.json" fanout --clients 1000 --publishers 10 --rate 2000 --duration 8
echo "== ramp: raise the rate until p99 > 50 ms or anything is lost"
load --json "$out/ramp.json" ramp --clients 1000 --publishers 10 --rate 50 --factor 1.5 --duration 8 --steps 12
python3 scripts/plot_latency.py "$out/ramp.json" "$out/p99_vs_rate.svg" 50
echo "== idle: 10,000 connections held open"
load --json "$out/idle.json" --sources 8 idle --connections 10000 --hold 5
