"""A log-log line chart as a small hand-made SVG, for the benchmark's plots.

Standard library only, so the benchmarks need nothing installed beyond Python. Used by
`plot_latency.py` (p99 against offered load) and `plot_curves.py` (the cost curves).
"""
import math

COLOURS = ["#3b6cf6", "#e07b00", "#2a9d4b", "#8e44ad"]


def _label(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:g}M"
    if x >= 1e3:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


def _ticks(lo: float, hi: float) -> list:
    """1 and 3 times each power of ten between 10**lo and 10**hi: a log axis's gridlines."""
    return [
        m * 10**exp
        for exp in range(math.floor(lo), math.ceil(hi) + 1)
        for m in (1, 3)
        if lo <= math.log10(m * 10**exp) <= hi
    ]


def log_chart(title: str, x_label: str, y_label: str, series: list, line=None) -> str:
    """`series`: [(name, [(x, y, ok), ...])]; a point not `ok` is drawn red. `line`: an optional
    (y, label) drawn across as a dashed red line (an objective). Past the four colours the
    lines are dashed, and with more than four series the legend stands beside the chart
    rather than over its lines."""
    width, height, left, right, top, bottom = 680, 420, 70, 20, 30, 60
    legend_x, legend_width = (width + 10, 330) if len(series) > len(COLOURS) else (left + 14, 0)
    xs = [p[0] for _, points in series for p in points]
    ys = [p[1] for _, points in series for p in points] + ([line[0]] if line else [])
    x_lo, x_hi = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y_lo, y_hi = math.log10(min(ys) / 2), math.log10(max(ys) * 2)

    def sx(x: float) -> float:
        return left + (width - left - right) * (math.log10(x) - x_lo) / (x_hi - x_lo)

    def sy(y: float) -> float:
        return top + (height - top - bottom) * (1 - (math.log10(y) - y_lo) / (y_hi - y_lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + legend_width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width + legend_width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 28}" text-anchor="middle">{x_label}</text>',
        f'<text x="16" y="{(height - bottom + top) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(height - bottom + top) / 2})">{y_label}</text>',
    ]
    for y in _ticks(y_lo, y_hi):
        out.append(f'<line x1="{left - 4}" y1="{sy(y):.1f}" x2="{width - right}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{_label(y)}</text>')
    for x in _ticks(x_lo, x_hi):
        out.append(f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{height - bottom + 4}" stroke="#eee"/>')
        out.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{_label(x)}</text>')
    if line:
        y, label = line
        out.append(
            f'<line x1="{left}" y1="{sy(y):.1f}" x2="{width - right}" y2="{sy(y):.1f}" '
            f'stroke="#c4342d" stroke-dasharray="6 4"/>'
        )
        out.append(f'<text x="{width - right - 4}" y="{sy(y) - 6:.1f}" text-anchor="end" fill="#c4342d">{label}</text>')
    for i, (name, points) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="7 4"' if (i // len(COLOURS)) % 2 else ""
        path = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for j, (x, y, _) in enumerate(points))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y, ok in points:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{colour if ok else "#c4342d"}"/>')
        ly = top + 14 + 18 * i
        out.append(
            f'<line x1="{legend_x}" y1="{ly}" x2="{legend_x + 24}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{legend_x + 30}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
