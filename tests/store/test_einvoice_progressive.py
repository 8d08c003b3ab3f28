"""The progressivo of electronic invoice files: unique across processes, never reused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from ts_store.store import einvoices

ROOT = Path(__file__).resolve().parents[2]
_TAKE = """
import sys
from sqlmodel import Session
from ts_store.store import einvoices
from ts_store.store.db import make_engine
engine = make_engine(sys.argv[1])
for _ in range(25):
    with Session(engine) as session:
        print(einvoices.next_progressive_number(session))
        session.commit()
"""


def test_four_processes_never_get_the_same_number(db_url):
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _TAKE, db_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    numbers = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        numbers += [int(line) for line in out.split()]
    assert sorted(numbers) == list(range(1, 101))


def test_a_rolled_back_number_is_not_handed_out_twice(engine):
    with Session(engine) as session:
        assert einvoices.next_progressive_number(session) == 1
        session.commit()
    with Session(engine) as session:
        assert einvoices.next_progressive_number(session) == 2
        session.rollback()  # never used, so it may be handed out again (unique, not gapless)
    with Session(engine) as session:
        taken = einvoices.next_progressive_number(session)
        session.commit()
    with Session(engine) as session:
        assert einvoices.next_progressive_number(session) == taken + 1
