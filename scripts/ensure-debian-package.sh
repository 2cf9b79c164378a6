#!/usr/bin/env bash
# Installs a Debian package when the command it provides is missing: the tests' prerequisites
# (Chromium for the GraphiQL test, redis-server for the replica tests). Idempotent: does nothing when
# the command is already there. Needs root (as on CI) or passwordless sudo.
#   scripts/ensure-debian-package.sh <command> <package> [more packages…]
set -euo pipefail
command_name="$1"; shift
if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "ensure-debian-package: installing $* for $command_name (first run only)…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "$@" >&2
command -v "$command_name" >/dev/null
