# Banter's commands. The two that matter to a newcomer:
#   make run    build (release) and serve on http://127.0.0.1:3000
#   make test   lint, unit + integration tests, then the Playwright end-to-end suite
# Both install whatever is missing first (scripts/bootstrap.sh), and are quick when all is there.

SHELL := /bin/bash
# wasm-opt comes from end2end/node_modules (binaryen 123); cargo's bin dir holds cargo-leptos.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# cargo-leptos builds debug with this flag and this compile-time variable (Leptos bakes the
# wasm file name into the server); the tests use both too, so they reuse that build instead of
# rebuilding it, and the binary the end-to-end suite runs is the one cargo-leptos made.
DEBUG_RUSTFLAGS := --cfg erase_components
export LEPTOS_OUTPUT_NAME := banter
# The browser's release build compiles the standard library with it, with no panic machinery
# (a panic stops the wasm, as `panic = "abort"` did, but prints nothing and leaves no file
# paths in the wasm) and sized for space: −26 KB served (docs/benchmarks.md, "The page's
# bundle"). These are unstable options of the pinned rustc (rust-toolchain.toml), enabled for
# this one build by RUSTC_BOOTSTRAP; the wasm32 target's flags reach only the browser's half,
# and debug builds keep their panic messages.
WASM_RELEASE := RUSTC_BOOTSTRAP=1 \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
RELEASE_ARGS := --release --precompress \
	--lib-cargo-args=-Zbuild-std=std,panic_abort --lib-cargo-args=-Zbuild-std-features=optimize_for_size

.PHONY: run test lint unit e2e e2e-build e2e-release screenshots build watch release release-build release-check bench bench-nodes bench-page bench-scale bench-search bench-threads bench-push bootstrap clean

run: ## Build for release and serve on 127.0.0.1:3000 (see README for settings)
	scripts/bootstrap.sh run
	$(WASM_RELEASE) cargo leptos serve $(RELEASE_ARGS)

watch: ## Development: rebuild and reload on every change
	scripts/bootstrap.sh run
	cargo leptos watch

test: ## Everything CI runs
	scripts/bootstrap.sh test
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) release-build
	$(MAKE) e2e-release
	$(MAKE) release-check

# The optimised build `make run` serves: it fails on things the debug build never meets
# (the wasm-release profile, hashed and precompressed files), so the tests build it too, and
# check that its bundle stays within budget (scripts/bundle-budget.sh).
release-build:
	$(WASM_RELEASE) cargo leptos build $(RELEASE_ARGS)
	scripts/bundle-budget.sh

# The end-to-end suite on the release build, as `make test` runs it: the server and the bundle
# a user gets, which `release-build` has just made. It spares the test run the debug wasm's
# build (about 3 minutes on a new machine) and runs faster than on the debug build (the same
# 88 tests: 8.0 minutes here against 9.2, on 2026-12-07).
e2e-release:
	cd end2end && BANTER_E2E_BIN=../target/release/banter npx playwright test

# The release build in Chromium: it hydrates and sends, and a first and a repeat visit on a
# slow phone network are timed (end2end/test-results/first-visit.json).
release-check:
	cd end2end && npx playwright test --config playwright.release.config.ts

lint:
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

build: ## Debug build of server and wasm client (what `make watch` serves)
	cargo leptos build

# What the end-to-end suite runs: the debug site for the browser, served by the binary `cargo
# test` builds for the integration suite. It is the same code; cargo made it with the features
# the dev-dependencies add (tokio's test-util among them), so the server `cargo leptos build`
# makes, without them, would compile half the dependency tree a second time (about 4 minutes).
e2e-build:
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test --features ssr --test integration --no-run
	cargo leptos build --frontend-only

# The integration suite runs twice: on SQLite files, then on a private PostgreSQL cluster that
# scripts/test-services.sh starts and stops around it (or BANTER_TEST_POSTGRES, if set).
unit: ## Unit and integration tests (real server on 127.0.0.1:0, real SQLite files and PostgreSQL)
	RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test --features ssr
	scripts/test-services.sh run env RUSTFLAGS="$(DEBUG_RUSTFLAGS)" cargo test --features ssr --test integration

# Depends on `e2e-build`: `release-build` leaves the optimised wasm in target/site, which the
# debug server cannot hydrate; rebuilding the debug site first is quick when nothing changed.
e2e: e2e-build ## Playwright in Debian's Chromium against the debug build (`make test` runs it on the release build)
	cd end2end && npx playwright test

# After a change to how things look: take the screenshots visual.spec.ts compares with anew
# (end2end/screenshots/; look at the diff before committing them).
screenshots: e2e-build
	cd end2end && npx playwright test --project visual --update-snapshots

release:
	scripts/bootstrap.sh run
	$(WASM_RELEASE) cargo leptos build $(RELEASE_ARGS)

bench: ## The benchmark in docs/benchmarks.md (release build, pinned CPUs, loopback only)
	scripts/bench.sh

bench-nodes: ## One, two and three nodes on PostgreSQL and Redis (docs/benchmarks.md, "Several nodes")
	scripts/bench-nodes.sh

bench-page: release-build ## First visit on Slow 4G with a 4x slower CPU (docs/benchmarks.md, "First visit")
	cd end2end && BANTER_FIRST_VISIT_OUT=../docs/bench/first-visit.json npx playwright test --config playwright.release.config.ts

bench-scale: ## How each cost grows: history, rooms per person, members per room, idle connections (docs/benchmarks.md, "Cost curves")
	scripts/bench-scale.sh

bench-search: ## Search over 1,000,000 generated messages (docs/benchmarks.md, "Search")
	cargo build --release --features ssr --bin banter-search-bench
	taskset -c 1 target/release/banter-search-bench --messages 1000000 --runs 30

bench-threads: ## Storing thread replies and reading a thread of 1,000 (docs/benchmarks.md, "Threads")
	cargo build --release --features ssr --bin banter-thread-bench
	taskset -c 1 target/release/banter-thread-bench --replies 1000 --runs 200

bench-push: ## Web Push to 1,000 devices with no page open (docs/benchmarks.md, "Web Push")
	cargo build --release --features ssr --bin banter-push-bench
	target/release/banter-push-bench --devices 1000 --messages 20

bootstrap:
	scripts/bootstrap.sh test

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results end2end/.tmp
