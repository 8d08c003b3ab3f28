"""The domain and the quote command must load without Reflex, SQLModel, SQLAlchemy or Stripe."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, pkgutil, sys
import ts_store.domain
for module in pkgutil.walk_packages(ts_store.domain.__path__, "ts_store.domain."):
    importlib.import_module(module.name)
import ts_store.quote
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {"reflex", "sqlmodel", "sqlalchemy", "stripe", "starlette"}
)
print(",".join(heavy))
"""


def test_domain_and_quote_command_import_no_framework():
    process = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == ""
