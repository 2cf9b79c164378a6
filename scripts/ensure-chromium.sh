#!/usr/bin/env bash
# Installs Debian's Chromium for the GraphiQL browser test when it is missing. Idempotent: does
# nothing when /usr/bin/chromium is already there. Needs root (as on CI) or passwordless sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "ensure-chromium: installing Debian's chromium package (first run only)…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
test -x /usr/bin/chromium
