#!/usr/bin/env bash
# Install the Node.js interop peer's npm packages (exact versions from
# package-lock.json) into DIR (default: this directory).
# Usage: tests/node/install.sh [DIR]   Exit 0 on success, 1 if npm fails
# (e.g. no network), 2 if node/npm are missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here}
command -v node >/dev/null && command -v npm >/dev/null || { echo "install.sh: node/npm not installed (scripts/install-deps installs nodejs)" >&2; exit 2; }
mkdir -p "$dest"
if [ "$dest" != "$here" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$here/peer.js" "$dest/"
fi
# Already installed from this exact lock file: nothing to do.
if [ -f "$dest/node_modules/.package-lock.json" ] && [ -f "$dest/.installed-lock" ] &&
   cmp -s "$dest/package-lock.json" "$dest/.installed-lock"; then
  exit 0
fi
cd "$dest"
# The WebAssembly build of pqclean ships prebuilt: no native compile (fast).
if ! npm_config_pqclean_backend=wasm npm ci --no-audit --no-fund --loglevel=error >npm-install.log 2>&1; then
  echo "install.sh: npm ci failed (see $dest/npm-install.log):" >&2
  tail -3 npm-install.log >&2
  exit 1
fi
cp package-lock.json .installed-lock
