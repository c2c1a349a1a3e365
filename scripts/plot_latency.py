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
import math
import sys

COLOURS = ["#3b6cf6", "#e07b00", "#2a9d4b", "#8e44ad"]


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

    width, height, left, right, top, bottom = 680, 420, 70, 20, 30, 60
    xs = [p[0] for _, points in series for p in points]
    ys = [p[1] for _, points in series for p in points] + [slo]
    x_lo, x_hi = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y_lo, y_hi = math.log10(min(ys) / 2), math.log10(max(ys) * 2)

    def sx(x: float) -> float:
        return left + (width - left - right) * (math.log10(x) - x_lo) / (x_hi - x_lo)

    def sy(y: float) -> float:
        return top + (height - top - bottom) * (1 - (math.log10(y) - y_lo) / (y_hi - y_lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
        "p99 delivery latency vs offered load (1,000 receivers in one room)</text>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 28}" text-anchor="middle">offered deliveries per second (log)</text>',
        f'<text x="16" y="{(height - bottom + top) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(height - bottom + top) / 2})">p99 latency (ms, log)</text>',
    ]
    for exp in range(math.floor(y_lo), math.ceil(y_hi) + 1):
        y = 10 ** exp
        if y_lo <= exp <= y_hi:
            out.append(f'<line x1="{left - 4}" y1="{sy(y):.1f}" x2="{width - right}" y2="{sy(y):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for exp in range(math.floor(x_lo), math.ceil(x_hi) + 1):
        for mantissa in (1, 3):
            x = mantissa * 10 ** exp
            if x_lo <= math.log10(x) <= x_hi:
                label = f"{x / 1e6:g}M" if x >= 1e6 else f"{x / 1e3:g}k"
                out.append(f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{height - bottom + 4}" stroke="#eee"/>')
                out.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{label}</text>')
    out.append(
        f'<line x1="{left}" y1="{sy(slo):.1f}" x2="{width - right}" y2="{sy(slo):.1f}" '
        f'stroke="#c4342d" stroke-dasharray="6 4"/>'
    )
    out.append(f'<text x="{width - right - 4}" y="{sy(slo) - 6:.1f}" text-anchor="end" fill="#c4342d">SLO {slo:g} ms</text>')
    for i, (name, points) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for j, (x, y, _) in enumerate(points))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, ok in points:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{colour if ok else "#c4342d"}"/>')
        ly = top + 14 + 18 * i
        out.append(f'<line x1="{left + 14}" y1="{ly}" x2="{left + 38}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{left + 44}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    with open(target, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
