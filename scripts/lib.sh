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

# run_step NAME COMMAND...: one named step of a long script (scripts/setup.sh). Says which step
# runs, shows pip's packages one line each as they come, and ends with the step's elapsed time.
# The whole output goes to var/steps/<name>.log; a failure names the step and shows its last lines.
STEP_TAG=setup  # scripts that source this may name their own
step_say() {  # bold tag unless NO_COLOR or not a terminal
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m[%s]\033[0m %s\n' "$STEP_TAG" "$*"; else printf '[%s] %s\n' "$STEP_TAG" "$*"; fi
}

elapsed() { local s=$(( SECONDS - $1 )); if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi; }

step_progress() {  # pip's output as one line per package, the rest kept for the log only
  awk '/^Collecting / { sub(/^Collecting /, ""); sub(/ \(from .*/, ""); print "    " $0; fflush(); next }
       /^Installing collected packages:/ { n = split(substr($0, 32), p, ", "); print "    installing " n " package(s) ..."; fflush(); next }'
}

run_step() {
  local name="$1" started=$SECONDS log status; shift
  mkdir -p var/steps
  log="var/steps/$(printf '%s' "$name" | tr -cs 'A-Za-z0-9.' '-').log"
  step_say "$name ..."
  if "$@" 2>&1 | tee "$log" | step_progress; then status=0; else status=${PIPESTATUS[0]}; fi
  if [ "$status" -ne 0 ]; then
    step_say "FAILED: $name (after $(elapsed "$started"), exit status $status). Last lines of $log:" >&2
    tail -n 25 "$log" | grep -v -e "^WARNING: Location" | sed 's/^/    /' >&2
    return "$status"
  fi
  step_say "done: $name ($(elapsed "$started"))"
}
