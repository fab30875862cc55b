# Shared shell helpers. Source after scripts/env.sh.
# Rasa 3.6 on this stack prints pages of third-party deprecation noise; hide just that.
RASA_NOISE='DeprecationWarning|MovedIn20Warning|declare_namespace|pkg_resources|xla_computation|Base: DeclarativeMeta|warnings\.warn\(|^\s*$|implicit namespace packages|from jax import|_xla_computation'

rasa_quiet() {  # run the Rasa CLI from the Rasa environment; keeps its exit status
  .venv-rasa/bin/rasa "$@" 2>&1 | sed -E "/${RASA_NOISE}/d"
}

wait_for_url() {  # $1 url, $2 seconds, $3 name
  local deadline=$(( $(date +%s) + ${2:-60} ))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "$3 did not come up at $1" >&2; return 1; fi
    sleep 1
  done
}
