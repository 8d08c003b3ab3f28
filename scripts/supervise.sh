#!/usr/bin/env bash
# Runs a dev server and starts it again whenever it stops, until this script is told to stop.
# Usage: supervise.sh NAME PIDFILE AFTER_START -- COMMAND [ARGS...]
#   NAME         shown in the messages
#   PIDFILE      where the running server's pid is written (tests and people can read it)
#   AFTER_START  a shell command run after each start (e.g. wait until ready, register the
#                webhook again), or "" for none
# Why: under `make run` a dev server (the local Stripe server) that stops used to take the whole
# store down (issue #15, finding 10); now the store keeps running, the pages that need Stripe
# say it is unavailable meanwhile, and the server is back within seconds.
set -uo pipefail
name=$1 pidfile=$2 after_start=$3
shift 4
child=""
stop() {
  trap - TERM INT
  [[ -n "$child" ]] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
  rm -f "$pidfile"
  exit 0
}
trap stop TERM INT
while true; do
  "$@" &
  child=$!
  echo "$child" >"$pidfile"
  if [[ -n "$after_start" ]]; then bash -c "$after_start" || true; fi
  wait "$child"
  status=$?
  echo "==> $name stopped (exit $status): starting it again in 1 s" >&2
  sleep 1
done
