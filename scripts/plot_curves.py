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
  message holds, for one only the oldest holds and for one every message but the newest tenth
  holds (p50, ms), against the room's history;
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


def socket_chart(directory: str, curve: str, title: str, x_label: str, y_label: str, figures: tuple) -> None:
    """CURVE.svg from the runs over sockets (CURVE-N.json, and CURVE-postgres-N.json on
    PostgreSQL): one line per store measured and per (label, value of a run of size n, whether
    the run was sound) of `figures`."""
    series = [
        (f"{store}, {label}", [(n, value(n, r), sound(r)) for n, r in found])
        for store, found in (("SQLite", runs(directory, curve)), ("PostgreSQL", runs(directory, f"{curve}-postgres")))
        if found
        for label, value, sound in figures
    ]
    if series:
        write(directory, f"{curve}.svg", log_chart(title, x_label, y_label, series))


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
                ("search, rare word", "search_rare_p50_ms"),
                ("search, word absent lately", "search_old_p50_ms")),
               "resuming 1,000 behind and searching vs the room's history", "messages in the room (log)")
    page_chart(directory, pages, "rooms.svg", "rooms", "rooms",
               (("page", "page_p50_ms"), ("sidebar query", "sidebar_p50_ms")),
               "a room's page and its sidebar vs the rooms its reader is in", "rooms the reader is in (log)")
    socket_chart(directory, "members", "fan-out vs members online in one room (20 messages/s)",
                 "members online (log)", "ms or µs (log)", (
                     ("delivery p99 (ms)", lambda n, r: max(r["p99_ms"], 0.1),
                      lambda r: r["lost"] == 0 and r["duplicated"] == 0),
                     ("server CPU per delivery (µs)",
                      lambda n, r: r["server_cpu_seconds"] * 1e6 / max(r["delivered"], 1), lambda r: True),
                 ))
    socket_chart(directory, "idle", "idle connections on one node", "connections held (log)",
                 "KiB or µs/s (log)", (
                     ("RSS per connection (KiB)", lambda n, r: r["rss_per_connection"] / 1024, lambda r: True),
                     ("CPU per connection (µs per second)",
                      lambda n, r: max(r.get("server_cpu_seconds", 0), 1e-3) * 1e6 / max(r["seconds"], 1) / n,
                      lambda r: True),
                 ))


if __name__ == "__main__":
    main()
