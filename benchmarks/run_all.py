"""Every benchmark, one after the other, each starting and stopping what it needs.

Run: .venv/bin/python benchmarks/run_all.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "quote_batch.py",
    "preview_latency.py",
    "preview_latency.py --settle-ms 100",  # the same clicks at a person's pace
    "state_size.py",
    "backend_throughput.py",
    "first_load.py",
    "stripe_hang.py",
    "price_impact.py",
)


def main() -> int:
    failed = 0
    for command in SCRIPTS:
        script, *options = command.split()
        print(f"\n=== {command}", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / script), *options]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
