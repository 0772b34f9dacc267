#!/usr/bin/env bash
# Starts the server with livego's defaults from a fresh clone: installs pnpm and the dependencies
# when missing, builds, runs. Extra arguments are passed to the server (livego's flag names).
# Relative paths (livego.yaml, --config_file, flv_dir, hls_dir) are the caller's: npm runs scripts
# in the repository root and says where it was called from in INIT_CWD.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v pnpm >/dev/null 2>&1 || npm i -g pnpm@10 >/dev/null 2>&1
[ -d "$root/node_modules/.pnpm" ] || (cd "$root" && pnpm install --frozen-lockfile)
(cd "$root" && pnpm turbo run build --filter=@livego/server... >/dev/null)
cd "${INIT_CWD:-$PWD}"
exec node "$root/apps/server/dist/bin.js" "$@"
