#!/usr/bin/env bash
# Installs everything the project needs into the checkout: virtualenv with pinned Python
# dependencies, bun (from npm) for Reflex's frontend build, and with --test Debian's Chromium.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "==> Creating the virtualenv (.venv)"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "==> Installing Python dependencies"
  # (this machine's pip config lists local mirrors that may be absent: hide those warnings)
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip>=25.1" 2> >(grep -v "is ignored: it is neither" >&2)
  "$VENV/bin/python" -m pip install --quiet -e . --group dev 2> >(grep -v "is ignored: it is neither" >&2)
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

if [[ ! -x "$REFLEX_BUN_PATH" ]] || [[ "$("$REFLEX_BUN_PATH" --version 2>/dev/null)" != "$BUN_VERSION" ]]; then
  echo "==> Installing bun $BUN_VERSION from npm into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >/dev/null
  "$REFLEX_BUN_PATH" --version >/dev/null
fi

# The official FatturaPA schema, offline: tests validate every XML against it, and the fake SDI
# intermediary (tools/fake_sdi.py) rejects a file that does not pass it.
FATTURAPA_VERSION=1.3.1
if [[ ! -f "$FATTURAPA_XSD" ]] || ! grep -q "\"version\": \"$FATTURAPA_VERSION\"" \
    "$ROOT/.tools/node_modules/@digitalia/fatturapa/package.json" 2>/dev/null; then
  echo "==> Installing the FatturaPA schema (@digitalia/fatturapa@$FATTURAPA_VERSION) into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error \
    "@digitalia/fatturapa@$FATTURAPA_VERSION" >/dev/null
  test -f "$FATTURAPA_XSD"
fi

# axe-core (npm): the accessibility e2e test injects it into every page state (issue #17).
AXE_VERSION=4.14.1
if ! grep -q "\"version\": \"$AXE_VERSION\"" "$ROOT/.tools/node_modules/axe-core/package.json" 2>/dev/null; then
  echo "==> Installing axe-core $AXE_VERSION into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
  test -f "$AXE_JS"
fi

if [[ $want_test == 1 ]] && [[ ! -x /usr/bin/chromium ]]; then
  echo "==> Installing Chromium from Debian"
  SUDO=""; [[ $(id -u) != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "==> Setup complete"
