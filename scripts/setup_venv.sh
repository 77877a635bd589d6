#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the exact pins of both lock files.
# Reinstalls only when a lock file's content changed (stamp named after their hash), because
# Rasa pulls TensorFlow (~2.7 GB) and a reinstall on every run would cost minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
hash=$(cat requirements.lock requirements-dev.lock | sha256sum | cut -c1-16)
stamp="$VENV/.installed-$hash"
[ -f "$stamp" ] && exit 0

python=$(scripts/find_python.sh)
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $python"
  "$python" -m venv "$VENV"
fi
echo "setup: installing pinned dependencies (first time takes a few minutes)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.2" \
  2> >(grep -v "^WARNING: Location" >&2)
# This machine's pip config names local mirrors that may be absent: drop that noise only.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
  -r requirements.lock -r requirements-dev.lock 2> >(grep -v "^WARNING: Location" >&2)
"$VENV/bin/python" -m pip check
rm -f "$VENV"/.installed-*
touch "$stamp"
echo "setup: done"
