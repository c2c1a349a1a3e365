#!/usr/bin/env python3
"""Banter and the Socket.IO peer side by side, from the JSON files `scripts/bench.sh` writes.

Usage: scripts/compare_bench.py BANTER_DIR SOCKETIO_DIR     (prints a Markdown table)

The last column says how many times better Banter did: the peer's figure over Banter's where
lower is better (memory, latency, CPU), Banter's over the peer's where higher is better.
"""
import json
import os
import sys


def load(directory: str, name: str):
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def first(directory: str, name: str) -> dict:
    runs = load(directory, name)
    return runs[0] if runs else {}


def best_ramp(directory: str):
    runs = load(directory, "ramp") or []
    passed = [r["deliveries_per_second"] for r in runs if r.get("passed")]
    return max(passed) if passed else None


def cpu_per_delivery_us(run: dict):
    if not run.get("server_cpu_seconds") or not run.get("delivered"):
        return None
    return run["server_cpu_seconds"] / run["delivered"] * 1e6


def kib(value):
    return None if value is None else value / 1024


def measures(directory: str) -> dict:
    idle, room, fan, sat = (first(directory, n) for n in ("idle", "room100", "fanout500", "saturation"))
    return {
        "idle_kib": kib(idle.get("rss_per_connection")),
        "room_p50": room.get("p50_ms"),
        "room_p99": room.get("p99_ms"),
        "room_cpu": cpu_per_delivery_us(room),
        "fan_rate": fan.get("deliveries_per_second"),
        "fan_p99": fan.get("p99_ms"),
        "fan_lost": fan.get("lost"),
        "ramp_best": best_ramp(directory),
        "sat_rate": sat.get("deliveries_per_second"),
        "sat_p99": sat.get("p99_ms"),
        "sat_lost": sat.get("lost"),
    }


# (key, scenario, measure, format, lower is better)
ROWS = [
    ("idle_kib", "10,000 idle connections", "server RSS per connection (KiB)", "{:.2f}", True),
    ("room_p50", "100 msg/s into 1,000 members", "p50 latency (ms)", "{:.2f}", True),
    ("room_p99", "100 msg/s into 1,000 members", "p99 latency (ms)", "{:.2f}", True),
    ("room_cpu", "100 msg/s into 1,000 members", "server CPU per delivery (µs)", "{:.2f}", True),
    ("fan_rate", "500 msg/s into 1,000 members", "deliveries/s", "{:,.0f}", False),
    ("fan_p99", "500 msg/s into 1,000 members", "p99 latency (ms)", "{:.1f}", True),
    ("fan_lost", "500 msg/s into 1,000 members", "not delivered within 10 s", "{:,}", True),
    ("ramp_best", "ramp ×1.5 per step", "highest deliveries/s with p99 ≤ 50 ms", "{:,.0f}", False),
    ("sat_rate", "2,000 msg/s offered (saturation)", "deliveries/s", "{:,.0f}", False),
    ("sat_p99", "2,000 msg/s offered (saturation)", "p99 latency (ms)", "{:,.1f}", True),
    ("sat_lost", "2,000 msg/s offered (saturation)", "not delivered within 10 s", "{:,}", True),
]


def ratio(banter, peer, lower_is_better: bool) -> str:
    if banter is None or peer is None:
        return "—"
    better, worse = (peer, banter) if lower_is_better else (banter, peer)
    if worse == 0:
        return "—" if better == 0 else "∞"
    return f"{better / worse:,.1f}×"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    banter, peer = measures(sys.argv[1]), measures(sys.argv[2])
    print("| Scenario | Measure | Banter | Socket.IO tutorial | Banter better by |")
    print("|---|---|---|---|---|")
    for key, scenario, measure, fmt, lower in ROWS:
        shown = [("—" if v is None else fmt.format(v)) for v in (banter[key], peer[key])]
        print(f"| {scenario} | {measure} | {shown[0]} | {shown[1]} | {ratio(banter[key], peer[key], lower)} |")


if __name__ == "__main__":
    main()
