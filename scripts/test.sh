#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, layering contracts, then pytest twice — the
# SQLite pass (everything: unit, integration against a local Stripe-compatible server, end-to-end
# in headless Chromium) and the PostgreSQL pass (every test that uses the database, plus the
# e2e tests marked `postgresql`), the latter only when PostgreSQL answers at
# TS_STORE_TEST_PG_URL. It always says which passes ran, and why one was skipped.
# TS_STORE_TEST_DB=sqlite or =postgresql runs that pass alone.
# Extra arguments go to pytest in each pass (e.g. `scripts/test.sh -m "not e2e"`).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh" --test

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> import-linter (layers)"
lint-imports
mkdir -p artifacts

passes="${TS_STORE_TEST_DB:-sqlite postgresql}"
declare -A outcome
failed=0

run_pass() {  # run_pass <backend> <pytest args...>
  local backend=$1; shift
  echo "==> pytest, $backend pass"
  if pytest --db="$backend" "$@"; then
    outcome[$backend]="passed"
  else
    outcome[$backend]="FAILED"
    failed=1
  fi
}

if [[ " $passes " == *" sqlite "* ]]; then
  run_pass sqlite "$@"
fi
if [[ " $passes " == *" postgresql "* ]]; then
  if reason=$(python -m tests.fixtures.postgres); then
    run_pass postgresql "$@"
  elif [[ "$passes" == "postgresql" ]]; then
    echo "==> PostgreSQL pass asked for (TS_STORE_TEST_DB=postgresql) but: $reason" >&2
    outcome[postgresql]="FAILED (PostgreSQL unavailable)"
    failed=1
  else
    outcome[postgresql]="SKIPPED: $reason"
    {
      echo
      echo "################################################################################"
      echo "##  PostgreSQL pass SKIPPED — only the SQLite pass ran."
      echo "##  Why: $reason"
      echo "##  Start PostgreSQL or point TS_STORE_TEST_PG_URL at one to run it."
      echo "################################################################################"
      echo
    } >&2
  fi
fi

echo "==> database passes:"
for backend in sqlite postgresql; do
  [[ -n "${outcome[$backend]:-}" ]] && echo "    $backend: ${outcome[$backend]}"
done
exit $failed
