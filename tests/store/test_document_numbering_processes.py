"""Two OS processes issue 500 documents at once: numbers stay gapless and unique.

Runs on the backend of the pass (`--db`): on PostgreSQL the counter row's lock
(`UPDATE … RETURNING`) orders the writers, on SQLite the database's write lock does. Each
process has its own interpreter and engine ("spawn"), both are released by one barrier, and
every seventh transaction of each takes a number and then rolls back, which must give the
number back.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import date

from sqlmodel import Session

from ts_store.store import customers, documents, operations

DOCUMENTS_PER_PROCESS = 250
ROLLBACK_EVERY = 7
ISSUED_ON = date(2026, 12, 1)


def _issue_many(db_url: str, customer_id: int, tag: str, barrier, results) -> None:
    os.environ["TS_STORE_DB_URL"] = db_url
    from ts_store.store.db import dispose_engines, get_engine

    engine = get_engine()
    issued, rolled_back = [], 0
    barrier.wait(timeout=60)
    started = time.perf_counter()
    attempt = 0
    while len(issued) < DOCUMENTS_PER_PROCESS:
        attempt += 1
        with Session(engine, expire_on_commit=False) as session:
            operation, _ = operations.start_operation(
                session, f"{tag}-{attempt}", customer_id=customer_id, kind="purchase"
            )
            document = documents.issue_document(
                session,
                operation_id=operation.id,
                customer_id=customer_id,
                licence_id=None,
                issued_on=ISSUED_ON,
                description=f"{tag} {attempt}",
                lines=[],
                billing={},
                net_cents=100,
                vat_cents=22,
                gross_cents=122,
            )
            if attempt % ROLLBACK_EVERY == 0:
                session.rollback()
                rolled_back += 1
                continue
            session.commit()
            issued.append(document.sequence)
    elapsed = time.perf_counter() - started
    dispose_engines()
    results.put((tag, issued, rolled_back, elapsed))


def test_two_processes_issuing_500_documents_at_once_get_gapless_unique_numbers(db_url, session):
    customer = customers.add_customer(
        session, email="numeri@example.it", password_hash="x", company_name="Numeri S.r.l."
    )
    session.commit()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_issue_many, args=(db_url, customer.id, tag, barrier, results))
        for tag in ("a", "b")
    ]
    for process in processes:
        process.start()
    reports = {
        tag: (issued, rolled_back, elapsed)
        for tag, issued, rolled_back, elapsed in (results.get(timeout=300) for _ in processes)
    }
    print("seconds from the barrier:", {tag: round(r[2], 2) for tag, r in reports.items()})
    for process in processes:
        process.join(60)
        assert process.exitcode == 0

    stored = [d for d in documents.all_documents(session) if d.year == ISSUED_ON.year]
    assert [d.sequence for d in stored] == list(range(1, 2 * DOCUMENTS_PER_PROCESS + 1))
    assert len({d.number for d in stored}) == len(stored)
    assert stored[-1].number == "2026/000500"
    a_numbers, b_numbers = reports["a"][0], reports["b"][0]
    assert sorted(a_numbers + b_numbers) == [d.sequence for d in stored]
    assert reports["a"][1] > 0 and reports["b"][1] > 0  # rollbacks happened and left no gap
    # The two really ran at once: their numbers interleave.
    assert min(a_numbers) < max(b_numbers) and min(b_numbers) < max(a_numbers)
