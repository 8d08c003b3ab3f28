# Sourced by the other scripts: project-local tool paths, so nothing is fetched from outside
# PyPI/npm and nothing is written outside the checkout.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"
export REFLEX_BUN_PATH="$ROOT/.tools/node_modules/bun/bin/bun.exe"
export BUN_INSTALL_CACHE_DIR="$ROOT/.cache/bun"
export REFLEX_DIR="$ROOT/.cache/reflex"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=0
export PYTHONUNBUFFERED=1
BUN_VERSION=1.4.5
export FATTURAPA_XSD="$ROOT/.tools/node_modules/@digitalia/fatturapa/src/schemas/Schema_1.2.1.xsd"
export AXE_JS="$ROOT/.tools/node_modules/axe-core/axe.min.js"
