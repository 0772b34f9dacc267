#!/usr/bin/env bash
# Runs every test from a fresh clone: installs what the tests need when it is missing (pnpm; Debian
# packages when root, else names them), then lint, build, typecheck and the test suites.
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs the interop tests drive (Debian package -> command it provides).
declare -A DEB_TOOLS=([ffmpeg]=ffprobe [rtmpdump]=rtmpdump [redis-server]=redis-server [chromium]=chromium)

missing=()
for pkg in "${!DEB_TOOLS[@]}"; do
  command -v "${DEB_TOOLS[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "installing pnpm 10"
  npm i -g pnpm@10 >/dev/null 2>&1 || { echo "could not install pnpm: run npm i -g pnpm@10" >&2; exit 1; }
fi

pnpm install --frozen-lockfile
pnpm lint
pnpm turbo run build typecheck
node scripts/run-tests.mjs
