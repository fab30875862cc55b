#!/usr/bin/env bash
# Installs the headless browser the browser tests drive (tests/browser): Debian's chromium and its
# chromedriver, from apt; and tmux, the terminal the terminal chat's tests type into (tests/terminal).
# Does nothing when all are already there; uses sudo only when not root.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ] && command -v tmux >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install_browser.sh: chromium is missing and neither root nor sudo is available;" >&2
  echo "install them with: apt-get install chromium chromium-driver tmux" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing chromium, chromium-driver and tmux (apt) for the browser and terminal tests..."
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core tmux >/dev/null
command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ] && command -v tmux >/dev/null
