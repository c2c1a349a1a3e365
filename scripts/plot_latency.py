#!/usr/bin/env python3
"""Plot p99 delivery latency against offered rate from `banter-load ramp --json` output.

Usage: scripts/plot_latency.py RAMP.json OUT.svg [SLO_MS]

Standard library only: writes a small hand-made SVG (log-scale y axis), so the benchmark
needs nothing installed beyond Python.
"""
import json
import math
import sys


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    slo = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
    with open(source) as f:
        runs = json.load(f)
    points = [(r["deliveries_per_second"], r["p99_ms"], r.get("passed", True)) for r in runs]
    if not points:
        sys.exit("no runs in " + source)

    width, height, left, right, top, bottom = 640, 400, 70, 20, 30, 50
    max_x = max(p[0] for p in points) * 1.1
    ys = [max(p[1], 0.1) for p in points] + [slo]
    lo, hi = math.log10(min(ys) / 2), math.log10(max(ys) * 2)

    def sx(x: float) -> float:
        return left + (width - left - right) * x / max_x

    def sy(y: float) -> float:
        return top + (height - top - bottom) * (1 - (math.log10(max(y, 0.1)) - lo) / (hi - lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
        "p99 delivery latency vs delivered messages/s</text>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">deliveries per second</text>',
        f'<text x="16" y="{height / 2}" text-anchor="middle" transform="rotate(-90 16 {height / 2})">'
        "p99 latency (ms, log)</text>",
    ]
    for exp in range(math.floor(lo), math.ceil(hi) + 1):
        y = 10 ** exp
        if lo <= exp <= hi:
            out.append(f'<line x1="{left - 4}" y1="{sy(y):.1f}" x2="{width - right}" y2="{sy(y):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for i in range(0, 6):
        x = max_x * i / 5
        out.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x / 1000:.0f}k</text>')
    out.append(
        f'<line x1="{left}" y1="{sy(slo):.1f}" x2="{width - right}" y2="{sy(slo):.1f}" '
        f'stroke="#c4342d" stroke-dasharray="6 4"/>'
    )
    out.append(f'<text x="{width - right - 4}" y="{sy(slo) - 6:.1f}" text-anchor="end" fill="#c4342d">SLO {slo:g} ms</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y, _) in enumerate(points))
    out.append(f'<path d="{path}" fill="none" stroke="#3b6cf6" stroke-width="2"/>')
    for x, y, ok in points:
        colour = "#3b6cf6" if ok else "#c4342d"
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{colour}"/>')
    out.append("</svg>")
    with open(target, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
