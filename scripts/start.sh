#!/usr/bin/env bash
# Starts the server with livego's defaults from a fresh clone: installs pnpm and the dependencies
# when missing, builds, runs. Extra arguments are passed to the server (livego's flag names).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pnpm >/dev/null 2>&1 || npm i -g pnpm@10 >/dev/null 2>&1
[ -d node_modules/.pnpm ] || pnpm install --frozen-lockfile
pnpm turbo run build --filter=@livego/server... >/dev/null
exec node apps/server/dist/bin.js "$@"
