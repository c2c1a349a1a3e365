#!/usr/bin/env python3
"""Plot the cost curves `scripts/bench-scale.sh` measured over sockets.

Usage: scripts/plot_curves.py DIR

Reads DIR/pages.json and DIR/pages-postgres.json (`banter-scale-bench --json`),
DIR/members-N.json and DIR/idle-N.json (`banter-load --json`; members-postgres-N.json and
idle-postgres-N.json for the same on PostgreSQL) and writes beside them:
- history.svg: a room's page (p50, ms) against the room's history, for a reader who has read
  nothing and one who has read everything, on SQLite and on PostgreSQL;
- rooms.svg: the same page and the sidebar's query on its own (p50, ms) against the rooms
  its reader is in;
- resume-search.svg: a socket resuming 1,000 messages behind, and a search for a word every
  message holds and for one only the oldest holds (p50, ms), against the room's history;
- members.svg: delivery p99 (ms) and the server's CPU per delivery (µs) against the room's
  members online;
- idle.svg: the server's RSS per connection (KiB) and its CPU while idle (µs per connection
  per second) against the connections it holds.
Both axes are logarithmic, so a cost linear in the size is a flat line per unit.
"""
import glob
import json
import os
import re
import sys

from svgplot import log_chart


def runs(directory: str, prefix: str) -> list:
    """[(size, the run's figures)] from DIR/PREFIX-SIZE.json, smallest first."""
    found = []
    for path in glob.glob(os.path.join(directory, f"{prefix}-*.json")):
        size = re.fullmatch(re.escape(prefix) + r"-(\d+)\.json", os.path.basename(path))
        if size:
            with open(path) as f:
                found.append((int(size.group(1)), json.load(f)[0]))
    return sorted(found, key=lambda run: run[0])


def stores(directory: str) -> list:
    """[(store's name, the figures banter-scale-bench wrote)] for each store measured."""
    found = []
    for name, file in (("SQLite", "pages.json"), ("PostgreSQL", "pages-postgres.json")):
        path = os.path.join(directory, file)
        if os.path.exists(path):
            with open(path) as f:
                found.append((name, json.load(f)))
    return found


def write(directory: str, name: str, svg: str) -> None:
    with open(os.path.join(directory, name), "w") as f:
        f.write(svg)


def page_chart(directory: str, pages: list, name: str, curve: str, size: str, lines: tuple,
               title: str, x_label: str) -> None:
    """One line per store and per (label, figure) of `lines`, against `size`, from each store's
    `curve` (banter-scale-bench's JSON); written to `name` when there is anything to draw."""
    series = [
        (f"{store}, {label} (p50 ms)", [(p[size], p[key], True) for p in figures[curve] if key in p])
        for store, figures in pages
        for label, key in lines
    ]
    if any(points for _, points in series):
        write(directory, name, log_chart(title, x_label, "ms (log)", series))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    pages = stores(directory)
    page_chart(directory, pages, "history.svg", "history", "messages",
               (("nothing read", "unread_p50_ms"), ("all read", "read_p50_ms")),
               "a room's page (latest 50 messages) vs the room's history", "messages in the room (log)")
    page_chart(directory, pages, "resume-search.svg", "history", "messages",
               (("resume 1,000 behind", "resume_p50_ms"), ("search, common word", "search_common_p50_ms"),
                ("search, rare word", "search_rare_p50_ms")),
               "resuming 1,000 behind and searching vs the room's history", "messages in the room (log)")
    page_chart(directory, pages, "rooms.svg", "rooms", "rooms",
               (("page", "page_p50_ms"), ("sidebar query", "sidebar_p50_ms")),
               "a room's page and its sidebar vs the rooms its reader is in", "rooms the reader is in (log)")
    # The curves over sockets, one line per store measured and per figure.
    socket_stores = (("SQLite", ""), ("PostgreSQL", "-postgres"))
    members = [(store, runs(directory, f"members{suffix}")) for store, suffix in socket_stores]
    if any(found for _, found in members):
        series = []
        for store, found in members:
            if found:
                series.append((f"{store}, delivery p99 (ms)",
                               [(n, max(r["p99_ms"], 0.1), r["lost"] == 0 and r["duplicated"] == 0) for n, r in found]))
                series.append((f"{store}, server CPU per delivery (µs)",
                               [(n, r["server_cpu_seconds"] * 1e6 / max(r["delivered"], 1), True) for n, r in found]))
        write(directory, "members.svg", log_chart(
            "fan-out vs members online in one room (20 messages/s)", "members online (log)", "ms or µs (log)", series,
        ))
    idle = [(store, runs(directory, f"idle{suffix}")) for store, suffix in socket_stores]
    if any(found for _, found in idle):
        series = []
        for store, found in idle:
            if found:
                series.append((f"{store}, RSS per connection (KiB)",
                               [(n, r["rss_per_connection"] / 1024, True) for n, r in found]))
                series.append((f"{store}, CPU per connection (µs per second)",
                               [(n, max(r.get("server_cpu_seconds", 0), 1e-3) * 1e6 / max(r["seconds"], 1) / n, True)
                                for n, r in found]))
        write(directory, "idle.svg", log_chart(
            "idle connections on one node", "connections held (log)", "KiB or µs/s (log)", series,
        ))


if __name__ == "__main__":
    main()
