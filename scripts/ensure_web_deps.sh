#!/usr/bin/env bash
# Installs the widget's npm packages (socket.io-client, axe-core) exactly as locked, only when
# package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v npm >/dev/null 2>&1 || { echo "setup: npm not found; install Node.js 18+ (apt-get install nodejs npm)." >&2; exit 1; }
stamp="node_modules/.lock-$(sha256sum package-lock.json | cut -c1-16)"
[ -f "$stamp" ] && exit 0
echo "setup: installing the widget's npm packages"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
