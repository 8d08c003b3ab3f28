#!/usr/bin/env bash
# Sets up and runs TS Store: migrations, demo data, a local Stripe-compatible server when no
# real Stripe keys are configured, a local SMTP sink when no SMTP server is configured, then the
# app in production mode on one port.
# Ctrl-C stops every process this script started.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

export TS_STORE_DB_URL="${TS_STORE_DB_URL:-sqlite:///$ROOT/ts_store.db}"
export TS_STORE_PORT="${TS_STORE_PORT:-3000}"
APP_URL="http://127.0.0.1:$TS_STORE_PORT"
pids=()
mkdir -p "$ROOT/.localstripe"
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [[ -z "${TS_STORE_STRIPE_SECRET_KEY:-}" ]]; then
  LOCALSTRIPE_PORT="${LOCALSTRIPE_PORT:-8420}"
  export TS_STORE_STRIPE_API_BASE="http://127.0.0.1:$LOCALSTRIPE_PORT"
  export TS_STORE_STRIPE_SECRET_KEY=sk_test_localstripe
  export TS_STORE_STRIPE_PUBLISHABLE_KEY=pk_test_localstripe
  export TS_STORE_STRIPE_JS_URL="$TS_STORE_STRIPE_API_BASE/js.stripe.com/v3/"
  export TS_STORE_STRIPE_WEBHOOK_SECRET="${TS_STORE_STRIPE_WEBHOOK_SECRET:-whsec_localstripe_dev}"
  echo "==> Starting localstripe on $TS_STORE_STRIPE_API_BASE (started again if it stops)"
  # After each start: wait until it answers, then register the webhook with it (again).
  register_webhook="for _ in \$(seq 1 50); do
      curl -sf -o /dev/null -u '$TS_STORE_STRIPE_SECRET_KEY:' '$TS_STORE_STRIPE_API_BASE/v1/customers' && break
      sleep 0.2
    done
    curl -sf -o /dev/null -X POST '$TS_STORE_STRIPE_API_BASE/_config/webhooks/ts_store' \
      --data-urlencode 'url=$APP_URL/stripe/webhook' \
      --data-urlencode 'secret=$TS_STORE_STRIPE_WEBHOOK_SECRET'"
  "$ROOT/scripts/supervise.sh" localstripe "$ROOT/.localstripe/localstripe.pid" \
    "$register_webhook" -- \
    python "$ROOT/tools/localstripe_server.py" --port "$LOCALSTRIPE_PORT" \
    --state "$ROOT/.localstripe/state.pickle" >>"$ROOT/.localstripe/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null -u "$TS_STORE_STRIPE_SECRET_KEY:" "$TS_STORE_STRIPE_API_BASE/v1/customers" && break
    sleep 0.2
  done
fi

if [[ -z "${TS_STORE_SMTP_URL:-}" ]]; then
  SMTP_SINK_PORT="${TS_STORE_SMTP_SINK_PORT:-2525}"
  export TS_STORE_SMTP_URL="smtp://127.0.0.1:$SMTP_SINK_PORT"
  echo "==> Starting the local SMTP sink on 127.0.0.1:$SMTP_SINK_PORT (emails saved in .mailbox/)"
  python "$ROOT/tools/smtp_sink.py" --port "$SMTP_SINK_PORT" --mailbox "$ROOT/.mailbox" &
  pids+=($!)
fi

if [[ -z "${TS_STORE_SDI_URL:-}" ]]; then
  FAKE_SDI_PORT="${FAKE_SDI_PORT:-8430}"
  export TS_STORE_SDI_URL="http://127.0.0.1:$FAKE_SDI_PORT"
  echo "==> Starting the fake SDI intermediary on $TS_STORE_SDI_URL (docs/fatturapa.md)"
  python "$ROOT/tools/fake_sdi.py" --port "$FAKE_SDI_PORT" >"$ROOT/.localstripe/fake_sdi.log" 2>&1 &
  pids+=($!)
fi

echo "==> Applying database migrations"
alembic upgrade heads
echo "==> Demo data"
python -m ts_store.billing.demo --app-url "$APP_URL"

echo "==> Starting the app on $APP_URL (Ctrl-C to stop)"
reflex run --env prod --backend-host 127.0.0.1 &
app_pid=$!
pids+=("$app_pid")
# Only the app ends the run: a dev server that stops is started again by its supervisor.
wait "$app_pid"
