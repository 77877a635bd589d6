#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, or one line saying what to install and exits 1.
# Rasa 3.6 supports Python 3.8-3.10 only; we never fall back to another version silently.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a working Python 3.10; Rasa 3.6.21 needs Python 3.10 (3.8-3.10)." >&2
  exit 1
fi
candidates=(python3.10)
# pyenv installs a shim that fails unless 3.10 is selected; look at its versions directly too.
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for p in "$root"/versions/3.10*/bin/python3.10; do candidates+=("$p"); done
fi
for c in "${candidates[@]}"; do
  if is_310 "$c"; then command -v "$c" || echo "$c"; exit 0; fi
done
echo "Python 3.10 not found: install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON=/path/to/python3.10." >&2
exit 1
