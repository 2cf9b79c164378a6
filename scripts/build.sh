#!/usr/bin/env bash
# Compiles src/ to JavaScript (default: dist/) and copies the Lua scripts beside it. The output
# directory is emptied first, so nothing of an earlier build survives into this one.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
rm -rf "$out"
npx tsc -p tsconfig.build.json --outDir "$out"
mkdir -p "$out/store/lua"
cp src/store/lua/*.lua "$out/store/lua/"
