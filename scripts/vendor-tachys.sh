#!/usr/bin/env bash
# Re-creates vendor/tachys from the registry's copy of tachys VERSION and vendor/tachys.patch
# (why the patch exists: vendor/README.md). For upgrading Leptos:
#   1. take the `[patch.crates-io]` entry out of Cargo.toml, upgrade, `cargo fetch`;
#   2. scripts/vendor-tachys.sh <the tachys version Cargo.lock now names>;
#   3. put the entry back and check the bundle (`make release-build`).
# `scripts/vendor-tachys.sh --diff VERSION` writes the patch anew from vendor/tachys instead.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=apply
if [[ "${1:-}" == "--diff" ]]; then mode=diff; shift; fi
version="${1:?usage: scripts/vendor-tachys.sh [--diff] VERSION}"

registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
upstream=$(find "$registry" -maxdepth 2 -type d -name "tachys-$version" | head -n 1)
if [[ -z "$upstream" ]]; then
  echo "tachys $version is not in $registry: take the patch out of Cargo.toml and run cargo fetch" >&2
  exit 1
fi

if [[ "$mode" == diff ]]; then
  # diff exits 1 when the trees differ, which they do by the patch.
  (cd "$upstream" && diff -ruN -x .cargo-ok -x .cargo_vcs_info.json . "$OLDPWD/vendor/tachys") \
    | sed -E 's#^(---|\+\+\+) (\./|/.*/vendor/tachys/)([^\t]*)\t.*#\1 \3#; /^diff /d' \
    > vendor/tachys.patch || true
  echo "vendor/tachys.patch: $(grep -c '^@@' vendor/tachys.patch) hunks"
  exit 0
fi

rm -rf vendor/tachys
cp -r "$upstream" vendor/tachys
rm -f vendor/tachys/.cargo-ok vendor/tachys/.cargo_vcs_info.json
(cd vendor/tachys && patch -p0 --no-backup-if-mismatch < ../tachys.patch)
echo "vendor/tachys: tachys $version with vendor/tachys.patch"
