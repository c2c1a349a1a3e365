#!/usr/bin/env bash
# Re-creates vendor/CRATE from the registry's copy of CRATE VERSION and vendor/CRATE.patch
# (which crates are vendored and why: vendor/README.md). For upgrading the crate (Leptos for
# tachys, serde for serde_core):
#   1. take its `[patch.crates-io]` entry out of Cargo.toml, upgrade, `cargo fetch`;
#   2. scripts/vendor-crate.sh CRATE <the version Cargo.lock now names>;
#   3. put the entry back and check the bundle (`make release-build`).
# `scripts/vendor-crate.sh --diff CRATE VERSION` writes the patch anew from vendor/CRATE instead.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=apply
if [[ "${1:-}" == "--diff" ]]; then mode=diff; shift; fi
crate="${1:?usage: scripts/vendor-crate.sh [--diff] CRATE VERSION}"
version="${2:?usage: scripts/vendor-crate.sh [--diff] CRATE VERSION}"

registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
upstream=$(find "$registry" -maxdepth 2 -type d -name "$crate-$version" | head -n 1)
if [[ -z "$upstream" ]]; then
  echo "$crate $version is not in $registry: take its patch out of Cargo.toml and run cargo fetch" >&2
  exit 1
fi

if [[ "$mode" == diff ]]; then
  # diff exits 1 when the trees differ, which they do by the patch.
  (cd "$upstream" && diff -ruN -x .cargo-ok -x .cargo_vcs_info.json . "$OLDPWD/vendor/$crate") \
    | sed -E "s#^(---|\+\+\+) (\./|/.*/vendor/$crate/)([^\t]*)\t.*#\1 \3#; /^diff /d" \
    > "vendor/$crate.patch" || true
  echo "vendor/$crate.patch: $(grep -c '^@@' "vendor/$crate.patch") hunks"
  exit 0
fi

rm -rf "vendor/$crate"
cp -r "$upstream" "vendor/$crate"
rm -f "vendor/$crate/.cargo-ok" "vendor/$crate/.cargo_vcs_info.json"
(cd "vendor/$crate" && patch -p0 --no-backup-if-mismatch < "../$crate.patch")
echo "vendor/$crate: $crate $version with vendor/$crate.patch"
