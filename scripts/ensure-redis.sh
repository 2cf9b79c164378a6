#!/usr/bin/env bash
# Installs Debian's redis-server for the tests that start their own Redis (test/support/redis-server.ts)
# when it is missing. Idempotent: does nothing when redis-server is on the PATH. Needs root (as on CI)
# or passwordless sudo. Tests never use a mock: they start a real server on a free port.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "ensure-redis: installing Debian's redis-server package (first run only)…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends redis-server >&2
command -v redis-server >/dev/null
