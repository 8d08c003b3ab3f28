#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, layering contracts, unit, integration against a
# local Stripe-compatible server, and end-to-end tests driving the real app in headless Chromium.
# Extra arguments go to pytest (e.g. `scripts/test.sh -m "not e2e"`).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh" --test

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> import-linter (layers)"
lint-imports
echo "==> pytest"
mkdir -p artifacts
pytest "$@"
