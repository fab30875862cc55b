# find_python: the interpreter of one Python version, for scripts/setup.sh and scripts/lock.sh.
find_python() {  # $1 = minor version like 3.10, $2 = env var that may name an interpreter
  local want="$1" override="${!2:-}" version
  if [ -n "$override" ]; then  # named on purpose: used, or refused with the reason, never passed over
    if ! command -v "$override" >/dev/null 2>&1; then
      echo "$2=$override: no such interpreter." >&2; return 1
    fi
    version=$("$override" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || {
      echo "$2=$override does not run." >&2; return 1; }
    [ "$version" = "$want" ] || { echo "$2=$override is Python $version, not $want." >&2; return 1; }
    command -v "$override"; return 0
  fi
  if command -v "python$want" >/dev/null 2>&1 && "python$want" -c 'import sys' >/dev/null 2>&1; then
    version=$("python$want" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    [ "$version" = "$want" ] && { command -v "python$want"; return 0; }
  fi
  if command -v pyenv >/dev/null 2>&1; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)
    if [ -n "$version" ] && [ -x "$(pyenv prefix "$version")/bin/python$want" ]; then
      echo "$(pyenv prefix "$version")/bin/python$want"; return 0
    fi
  fi
  return 1
}
