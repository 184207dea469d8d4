#!/usr/bin/env bash
# Checks the Rust dependency tree with cargo-deny (deny.toml), offline: advisories from the
# RustSec advisory database snapshot in ../shared/advisory-db (plain files), licences, sources,
# bans and duplicate versions. cargo-deny reads advisories from a git checkout named after its
# database URL, so the snapshot is copied into a temporary folder and committed there first.
#
#   scripts/deny.sh [ADVISORY_SNAPSHOT]   defaults to ../shared/advisory-db beside the project
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
snapshot=${1:-$root/../shared/advisory-db}
[ -d "$snapshot/crates" ] || { echo "no advisory snapshot at $snapshot (expected its crates/ folder)" >&2; exit 1; }

dbs=$(mktemp -d)
trap 'rm -rf "$dbs"' EXIT
# The folder name cargo-deny derives from db-urls' https://github.com/rustsec/advisory-db
# (shown by `cargo deny -L debug check advisories`).
db="$dbs/advisory-db-3157b0e258782691"
mkdir "$db"
cp -R "$snapshot/." "$db/"
chmod -R u+w "$db"
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=snapshot -c user.email=snapshot@localhost commit -q -m "advisory-db snapshot"

cd "$root"
AEM_HEADLESS_ADVISORY_DBS=$dbs cargo deny --offline check
