#!/usr/bin/env bash
# Installs networkx, the oracle of the network package's tests, and
# xmlschema, the XSD validator of the IATI export's test, into the
# git-ignored virtualenv (.venv, shared with install-secantus.sh; created
# when missing) and prints the path of its python. Idempotent: a second
# run with the same version does nothing.
#
# networkx 3.6.1 is the newest release for Python 3.11+ (3.7 needs 3.12);
# on Python 3.10 it installs 3.4.2, the last series that supports it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
py="$venv/bin/python"

python=${PYTHON:-python3}
if [ ! -x "$py" ]; then
  if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    echo "install-pytools: networkx needs Python 3.10 or newer ($python is $("$python" --version 2>&1))" >&2
    exit 1
  fi
  echo "install-pytools: creating $venv" >&2
  "$python" -m venv "$venv"
fi
if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  version=3.6.1
elif "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  version=3.4.2
else
  echo "install-pytools: $venv holds $("$py" --version 2>&1); networkx needs Python 3.10 or newer: remove $venv and run again with PYTHON=python3.11" >&2
  exit 1
fi
installed=$("$py" -c 'import networkx; print(networkx.__version__)' 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  echo "install-pytools: installing networkx $version into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "networkx==$version" >&2
fi
xmlschema=4.3.2
installed=$("$py" -c 'import xmlschema; print(xmlschema.__version__)' 2>/dev/null || true)
if [ "$installed" != "$xmlschema" ]; then
  echo "install-pytools: installing xmlschema $xmlschema into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "xmlschema==$xmlschema" >&2
fi
echo "$PWD/$py"
