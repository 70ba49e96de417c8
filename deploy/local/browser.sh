#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser test: Debian's `chromium` package, installed through
# the system package manager when missing (as root, or with sudo when it needs no password).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "chromium is missing and this user cannot install packages: install Debian's chromium package" >&2
  exit 1
fi
echo "chromium is missing: installing Debian's chromium package (apt-get) for the dashboard's browser test"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 ||
  { "${as_root[@]}" apt-get update -q >/dev/null && "${as_root[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null; }
command -v chromium >/dev/null 2>&1 && echo "chromium installed: $(chromium --version 2>/dev/null | tail -1)"
