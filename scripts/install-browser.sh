#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (Playwright drives it;
# no browser is downloaded by Playwright itself) and prints its path.
set -euo pipefail
bin=/usr/bin/chromium
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-browser: Chromium is missing; install Debian's chromium package (sudo apt-get install chromium)" >&2
    exit 1
  fi
  echo "install-browser: installing Debian's chromium" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >&2
fi
echo "$bin"
