#!/usr/bin/env python3
"""Plot p99 delivery latency against offered rate from `banter-load ramp --json` outputs, one
line per server.

Usage: scripts/plot_latency.py OUT.svg SLO_MS NAME=RAMP.json [NAME=RAMP.json ...]

Both axes are logarithmic: the servers compared differ by an order of magnitude. The x axis is
the offered load in deliveries per second (messages/s offered × receivers). A red point is a
step that failed the objective (p99 above it, or anything lost). Standard library only: writes
a small hand-made SVG, so the benchmark needs nothing installed beyond Python.
"""
import json
import sys

from svgplot import log_chart


def offered_deliveries(run: dict) -> float:
    # A fan-out run's connections are its receivers and its publishers (10 in the ramp).
    receivers = max(run["connections"] - 10, 1)
    return run["offered_rate"] * receivers


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    target, slo = sys.argv[1], float(sys.argv[2])
    series = []
    for arg in sys.argv[3:]:
        name, _, source = arg.partition("=")
        with open(source) as f:
            runs = json.load(f)
        points = [(offered_deliveries(r), max(r["p99_ms"], 0.1), r.get("passed", True)) for r in runs]
        if points:
            series.append((name, points))
    if not series:
        sys.exit("no runs to plot")
    svg = log_chart(
        "p99 delivery latency vs offered load (1,000 receivers in one room)",
        "offered deliveries per second (log)",
        "p99 latency (ms, log)",
        series,
        line=(slo, f"SLO {slo:g} ms"),
    )
    with open(target, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
