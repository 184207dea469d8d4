#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints libFuzzer's run counts.
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build --release
for target in cache_headers credentials persisted_query_url response_decoder; do
  echo "== fuzz $target for ${seconds}s"
  rm -rf "fuzz/artifacts/$target"
  log="$(mktemp)"
  status=0
  cargo fuzz run --release "$target" -- -max_total_time="$seconds" >"$log" 2>&1 || status=$?
  grep -E "^Done|ERROR|panicked|SUMMARY" "$log" || true
  rm -f "$log"
  if [ "$status" -ne 0 ]; then
    echo "fuzz target $target failed (exit $status); failing inputs, if any, are in fuzz/artifacts/$target" >&2
    exit 1
  fi
done
