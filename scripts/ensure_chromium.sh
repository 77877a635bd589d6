#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright must not download a browser). Installs it
# when missing and we may (root with apt-get); otherwise says what to install.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "setup: Chromium not found at $CHROMIUM; install it (sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium." >&2
exit 1
