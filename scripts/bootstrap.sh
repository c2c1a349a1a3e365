#!/usr/bin/env bash
# Installs every tool Banter's build and tests need, and nothing twice.
#
# Usage: scripts/bootstrap.sh [run|test|bench]   (default: test, which also installs Chromium)
#
# Called by `make run` and `make test`; safe to run again (each step checks first, so a
# machine that has everything spends a second or two here). What it installs and why:
#
#   rust 1.95.0              the pinned compiler (rust-toolchain.toml), with rust-src and the
#                            wasm32-unknown-unknown target (the browser's build) (rustup)
#   wasm-bindgen-cli         must equal the wasm-bindgen version in Cargo.lock
#   cargo-leptos             drives the two builds (server + wasm) and serves the site
#   node and npm             Debian's, when missing
#   node packages            end2end/: Playwright, and binaryen's wasm-opt for release builds;
#                            bench/peers/socketio/: the benchmark's Socket.IO peer (test, bench)
#   chromium                 Debian's browser: Playwright cannot download its own here
#   postgresql, redis-server the integration suite's second backend and the nodes' broker (test)
#   moto                     an S3-compatible server for the tests, from PyPI, in .tools/moto/
#   aiosmtpd                 an SMTP server for the tests, from PyPI, in .tools/aiosmtpd/
#
# Two published crates need one dependency pinned back before they build (a yanked or too-new
# transitive release); see `install_crate` below.
set -euo pipefail

purpose=${1:-test}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo_home=${CARGO_HOME:-$HOME/.cargo}
export PATH="$cargo_home/bin:$PATH"

WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$root/Cargo.lock")}
CARGO_LEPTOS_VERSION=0.3.11

log() { printf '\033[1mbootstrap:\033[0m %s\n' "$*" >&2; }

# install_crate NAME VERSION [PKG PRECISE] [ENV...]
# Installs a binary crate at an exact version with its own lockfile. When PKG/PRECISE are
# given, that dependency is first moved to PRECISE in a private copy of the source (the
# published lockfile names a release the registry no longer serves, or one needing a newer
# rustc than rustup gave us).
install_crate() {
  local name=$1 version=$2 pkg=${3:-} precise=${4:-}
  shift 4 || shift $#
  if [ -z "$pkg" ]; then
    env "$@" cargo install "$name" --version "$version" --locked
    return
  fi
  local src
  src=$(ls -d "$cargo_home"/registry/src/*/"$name-$version" 2>/dev/null | head -n 1 || true)
  if [ -z "$src" ]; then
    # A plain install downloads and unpacks the source, then fails on the lockfile: expected.
    cargo install "$name" --version "$version" --locked >/dev/null 2>&1 || true
    src=$(ls -d "$cargo_home"/registry/src/*/"$name-$version" 2>/dev/null | head -n 1 || true)
  fi
  [ -n "$src" ] || { log "could not download $name $version from the registry"; exit 1; }
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/"
  (
    cd "$work/$name-$version"
    cargo update -p "$pkg" --precise "$precise"
    env "$@" cargo install --path . --locked
  )
  rm -rf "$work"
}

# The pinned toolchain and its parts: rustup would fetch them on first use, but asking here
# says what is happening and works with rustups that no longer install on first use.
cd "$root"
toolchain=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  log "installing Rust $toolchain (rust-toolchain.toml)"
  rustup toolchain install "$toolchain" --profile minimal \
    --component rustfmt,clippy,rust-src --target wasm32-unknown-unknown
fi
for component in rust-src rustfmt clippy; do
  if ! rustup component list --toolchain "$toolchain" --installed 2>/dev/null | grep -q "^$component"; then
    log "adding $component to Rust $toolchain"
    rustup component add --toolchain "$toolchain" "$component"
  fi
done
if ! rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add --toolchain "$toolchain" wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  install_crate wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

if [ "$(cargo-leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  # Unoptimised: it compiles in half the time (423 s against 878 s on 2 cores, 2026-12-07), and
  # its work is mostly the tools it starts (cargo, wasm-bindgen, wasm-opt); what it does itself
  # (minifying the JS, compressing the files) makes a release build 8 s slower (59 s against 51 s
  # when only that is left to do).
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 7 minutes on 2 cores)"
  install_crate cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256
fi

# apt_install PACKAGE...: Debian packages, through sudo unless already root.
apt_install() {
  log "installing Debian packages: $*"
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

command -v npm >/dev/null || apt_install nodejs npm
if [ ! -x "$root/end2end/node_modules/.bin/wasm-opt" ] || [ ! -d "$root/end2end/node_modules/@playwright/test" ] \
  || [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
  log "installing node packages in end2end/ (Playwright, binaryen)"
  (cd "$root/end2end" && npm ci --no-audit --no-fund)
fi

# The browser the end-to-end tests drive, and the colour emoji font they check emoji with
# (the project ships no font files).
if [ "$purpose" = test ]; then
  packages=""
  [ -x /usr/bin/chromium ] || packages="$packages chromium"
  [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || packages="$packages fonts-noto-color-emoji"
  # The integration suite runs on PostgreSQL too (scripts/test-services.sh starts a private
  # cluster; the package's own cluster is not used).
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || packages="$packages postgresql"
  # The tests of several nodes start Redis servers of their own (tests/support/redis_server.rs).
  command -v redis-server >/dev/null || packages="$packages redis-server"
  # The end-to-end suite's second node waits for the first one's /healthz with it.
  command -v curl >/dev/null || packages="$packages curl"
  # The tests' S3-compatible server (moto, below) lives in a Python virtual environment.
  python3 -c 'import ensurepip, venv' 2>/dev/null || packages="$packages python3 python3-venv"
  # shellcheck disable=SC2086 # one word per package
  [ -z "$packages" ] || apt_install $packages
fi

# python_tool NAME PROGRAM REQUIREMENTS WHAT: a program from PyPI, pinned in REQUIREMENTS, in
# a virtual environment of the repository's own (.tools/NAME/); made again when the pins change.
python_tool() {
  local venv="$root/.tools/$1"
  if [ ! -x "$venv/bin/$2" ] || [ "$3" -nt "$venv/.installed" ]; then
    log "installing $1 ($4) in .tools/$1/"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$3"
    touch "$venv/.installed"
  fi
}

if [ "$purpose" = test ]; then
  # The tests' S3-compatible server, and their SMTP server.
  python_tool moto moto_server "$root/scripts/moto-requirements.txt" "an S3-compatible server for the tests"
  python_tool aiosmtpd aiosmtpd "$root/scripts/smtp-requirements.txt" "an SMTP server for the tests"
fi

# The Socket.IO tutorial's server, which `make bench` measures beside Banter and one
# integration test drives (tests/load_tool.rs).
peer="$root/bench/peers/socketio"
if [ "$purpose" != run ] && { [ ! -d "$peer/node_modules/socket.io" ] \
  || [ "$peer/package-lock.json" -nt "$peer/node_modules/.package-lock.json" ]; }; then
  log "installing the benchmark's Socket.IO peer in bench/peers/socketio/"
  (cd "$peer" && npm ci --no-audit --no-fund)
fi
