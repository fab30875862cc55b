#!/usr/bin/env bash
# Installs the headless browser the browser tests drive (tests/browser): Debian's chromium and its
# chromedriver, from apt. Does nothing when both are already there; uses sudo only when not root.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install_browser.sh: chromium is missing and neither root nor sudo is available;" >&2
  echo "install it with: apt-get install chromium chromium-driver" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing chromium and chromium-driver (apt) for the browser tests..."
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ]
