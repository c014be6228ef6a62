#!/usr/bin/env bash
# Installs SecantusDB, the MongoDB-wire-compatible test server, into a
# git-ignored virtualenv (.venv) and prints the path of its server command.
# Idempotent: a second run with the same version does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.7.0b3
venv=.venv
bin="$venv/bin/secantusd-py"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "install-secantus: SecantusDB needs Python 3.10 or newer ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi
installed=""
if [ -x "$bin" ]; then
  installed=$("$venv/bin/python" -m pip show SecantusDB 2>/dev/null || true)
fi
if printf '%s\n' "$installed" | grep -qx "Version: $version"; then
  echo "$PWD/$bin"
  exit 0
fi
echo "install-secantus: installing SecantusDB $version into $venv" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "SecantusDB==$version" >&2
echo "$PWD/$bin"
