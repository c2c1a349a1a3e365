#!/usr/bin/env bash
# The page's bundle budget: the wasm and its JS glue, as a browser downloads them (brotli),
# must fit in BUNDLE_BUDGET_BYTES. Run after `cargo leptos build --release --precompress`
# (`make release-build` does both); fails, naming the sizes, when the bundle outgrew it.
# docs/benchmarks.md ("The page's bundle") says where the bytes go and what each cut bought.
set -euo pipefail

# The one place the budget is written: the target, 300 KB, met since 2026-12-06.
# Moved from 450,000 to 460,000 for pins, saved messages and drafts, to 482,000 for threads,
# to 484,000 for read receipts, to 493,000 for bot accounts and to 506,000 for webhooks, slash commands and the
# integrations page; down to 498,000 when the integrations page and the moderation log left the
# bundle, with link previews in (docs/benchmarks.md, "The page's bundle", has the figures and
# what was cut first), and to 496,000 when sign-in and sign-up became the server's pages; up to 498,000 for typed ids, 499,000 for adopting messages sent before hydration (client::early_sent, +0.8 KB)
# (RoomName, Username and Seq in the protocol's types: serde's and the signals' code for each
# new type, +1.9 KB; the same build has been seen 580 B apart in brotli from run to run, hence
# the margin). Up to 501,000 for that spread alone: the same client code came to 498,282 and
# 499,954 B served when three lines added to src/protocol.rs (server-side close reasons) moved
# the line numbers of its panic locations, and nothing else in the wasm changed. Down to
# 432,500 when the profile, rooms, search, saved and threads pages became the server's alone
# (430,798 B served, with the same 1.7 KB of margin for that spread), and to 417,500 when the
# browser read server frames as an externally tagged enum (src/frame_reader.rs; 415,502 B), and
# to 406,500 when it cased text with the browser's own toLowerCase/toUpperCase instead of Rust's
# Unicode tables (src/text_case.rs; 404,337–404,732 B), and to 379,000 when the vendored tachys
# stopped keeping every erased view's asynchronous hydration alive (vendor/README.md; 377,111 B),
# and to 353,000 when the browser's build compiled its own standard library without panic
# messages or file paths (Makefile's WASM_RELEASE; 351,310 B), and to 314,500 when the router
# left the browser's build (src/page_address.rs; 312,734 B), and to 308,700 when the browser's
# build stopped printing floats (vendor/serde_core.patch; 307,009 B). Down to the issue's
# 300,000 when the page stopped calling server functions through server_fn's client
# (src/api/call.rs; 292,405 B): a browser-side call made any other way brings that client back,
# about 15 KB, and fails this.
# If this fails by about 27 KB after a Leptos upgrade, the vendored tachys is no longer used;
# by about 5.5 KB after a serde upgrade, the vendored serde_core;
# by about 26 KB, the release build was made without `make release-build`'s options.
BUNDLE_BUDGET_BYTES=300000

pkg="${1:-target/site/pkg}"
shopt -s nullglob
wasm=("$pkg"/banter.*.wasm.br)
js=("$pkg"/banter.*.js.br)
if [[ ${#wasm[@]} -ne 1 || ${#js[@]} -ne 1 ]]; then
  echo "bundle-budget: expected one hashed, brotli-compressed wasm and JS in $pkg" \
    "(build with: cargo leptos build --release --precompress)" >&2
  exit 1
fi
wasm_bytes=$(stat -c %s "${wasm[0]}")
js_bytes=$(stat -c %s "${js[0]}")
total=$((wasm_bytes + js_bytes))
raw_wasm=$(stat -c %s "${wasm[0]%.br}")
raw_js=$(stat -c %s "${js[0]%.br}")
echo "bundle: wasm $raw_wasm B ($wasm_bytes brotli), JS $raw_js B ($js_bytes brotli);" \
  "served $total of $BUNDLE_BUDGET_BYTES B budget"
if ((total > BUNDLE_BUDGET_BYTES)); then
  echo "bundle-budget: over budget by $((total - BUNDLE_BUDGET_BYTES)) B" >&2
  exit 1
fi
