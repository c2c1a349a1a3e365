#!/usr/bin/env bash
# Several nodes (docs/benchmarks.md, "Several nodes"): the release build on PostgreSQL and
# Redis, one, two and three nodes on this machine. All nodes share CPU 0 and the load tool has
# CPU 1 (two cores in all: more nodes here share the same core, they do not add one); loopback
# only. PostgreSQL is the private test cluster (scripts/test-services.sh), Redis a server of the
# script's own.
#
# Usage: scripts/bench-nodes.sh [OUT_DIR]      (default docs/bench/nodes; `make bench-nodes`)
#   OUT_DIR/nodes-N.json       1,000 receivers spread over N nodes, 100 and 500 msg/s from one
#                              publisher, then 500 msg/s from ten
#   OUT_DIR/same-node.json     1,000 receivers on the publisher's node (two nodes running)
#   OUT_DIR/cross-node.json    1,000 receivers on the other node
#   OUT_DIR/redis-restart.json Redis killed and started again mid-run: lost, and the longest wait
# Every run is bounded in count and time and stops by itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/bench/nodes}
mkdir -p "$out"
cd "$root"

scripts/bootstrap.sh test
export LEPTOS_OUTPUT_NAME=banter
cargo build --release --features ssr --bin banter --bin banter-load
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
nodes=()
redis_pid=
stop_nodes() {
  for pid in "${nodes[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${nodes[@]}"; do wait "$pid" 2>/dev/null || true; done
  nodes=()
}
stop_redis() {
  if [ -n "$redis_pid" ]; then
    kill -9 "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  redis_pid=
}
cleanup() {
  stop_nodes
  stop_redis
  scripts/test-services.sh stop
  rm -rf "$work"
}
trap cleanup EXIT

pg=$(scripts/test-services.sh start)
redis_port=6390
start_redis() {
  taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  redis_pid=$!
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
}

# fresh_database: an empty database for the next set of nodes.
fresh_database() {
  psql "$pg" -qc "DROP DATABASE IF EXISTS banter_bench WITH (FORCE)" -c "CREATE DATABASE banter_bench"
  db="${pg%/*}/banter_bench"
}

# start_nodes N: N nodes on ports 3501.. sharing the database and Redis.
start_nodes() {
  local n=$1 i
  for i in $(seq 1 "$n"); do
    taskset -c 0 target/release/banter --addr "127.0.0.1:$((3500 + i))" --database-url "$db" \
      --redis-url "redis://127.0.0.1:$redis_port/" --node-id "n$i" --uploads "$work/uploads" \
      --leptos-config Leptos.toml --log warn \
      --rate 1000000 --burst 1000000 --queue-frames 4096 --max-connections 30000 \
      --max-sockets-per-account 30000 --max-sockets-per-address 30000 \
      --hello-rate 1000000 --hello-burst 1000000 --signups-per-hour 100000 &
    nodes+=($!)
    # The first node creates the schema before the others start.
    until curl -s -o /dev/null "http://127.0.0.1:$((3500 + i))/healthz"; do sleep 0.2; done
  done
}

addrs() { seq -s, -f "127.0.0.1:%g" 3501 "$((3500 + $1))"; }
# The nodes' CPU time is summed over the run (`server_cpu_seconds` in each report): divided by
# the deliveries, what a delivery costs the nodes together, whatever their number.
load() {
  taskset -c 1 target/release/banter-load --sources 8 --server-pid "$(IFS=,; echo "${nodes[*]}")" "$@"
}
# cost N FILE...: each run's p50 / p99 and the nodes' CPU per delivery.
cost() {
  python3 - "$@" <<'PY'
import json, sys
n = sys.argv[1]
for f in sys.argv[2:]:
    for r in json.load(open(f)):
        cpu = r.get("server_cpu_seconds")
        per = f"{cpu / r['delivered'] * 1e6:.2f} µs of the nodes' CPU per delivery" if cpu and r["delivered"] else "CPU not read"
        print(f"{n} node(s), {r['offered_rate']:.0f} msg/s: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {per}")
PY
}

start_redis
for n in 1 2 3; do
  echo "== $n node(s): 1,000 receivers spread over them, one publisher on the first"
  fresh_database
  start_nodes "$n"
  load --addr "$(addrs "$n")" --json "$work/a.json" fanout --clients 1000 --rate 100 --duration 10
  load --addr "$(addrs "$n")" --json "$work/b.json" fanout --clients 1000 --rate 500 --duration 10
  # The same 500 msg/s from ten sockets: each socket's frames are read one after another, and
  # each `send` waits for the shared allowance in Redis.
  load --addr "$(addrs "$n")" --json "$work/c.json" fanout --clients 1000 --publishers 10 --rate 500 --duration 10
  python3 -c 'import json,sys; print(json.dumps([r for f in sys.argv[1:] for r in json.load(open(f))], indent=2))' \
    "$work/a.json" "$work/b.json" "$work/c.json" >"$out/nodes-$n.json"
  cost "$n" "$out/nodes-$n.json"
  stop_nodes
done

echo "== two nodes: receivers on the publisher's node, then on the other one"
fresh_database
start_nodes 2
load --addr 127.0.0.1:3501 --publish-to 127.0.0.1:3501 --json "$out/same-node.json" \
  fanout --clients 1000 --rate 100 --duration 10
load --addr 127.0.0.1:3502 --publish-to 127.0.0.1:3501 --json "$out/cross-node.json" \
  fanout --clients 1000 --rate 100 --duration 10

echo "== two nodes: Redis killed 3 s in and started again 1 s later"
load --addr 127.0.0.1:3502 --publish-to 127.0.0.1:3501 --json "$out/redis-restart.json" \
  fanout --clients 100 --rate 100 --duration 10 &
loader=$!
# The fault is the scenario: at fixed times into the run.
sleep 3
stop_redis
sleep 1
start_redis
wait "$loader"
stop_nodes
echo "results in $out"
