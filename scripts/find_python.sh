# find_python: the interpreter of one Python version, for scripts/setup.sh and scripts/lock.sh.
find_python() {  # $1 = minor version like 3.10, $2 = env var that may name an interpreter
  local want="$1" override="${!2:-}" candidate version
  for candidate in "$override" "python$want" ; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
      [ "$version" = "$want" ] && { command -v "$candidate"; return 0; }
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)
    if [ -n "$version" ] && [ -x "$(pyenv prefix "$version")/bin/python$want" ]; then
      echo "$(pyenv prefix "$version")/bin/python$want"; return 0
    fi
  fi
  return 1
}
