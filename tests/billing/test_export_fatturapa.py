"""`python -m ts_store.billing export-fatturapa` as the accountant runs it: a subprocess on a
migrated SQLite file, every XML of the year written, valid, and nothing of another year."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.fixtures.factories import VALID_BILLING, issue_test_document, make_customer
from tests.fixtures.fatturapa import read_fattura

ROOT = Path(__file__).resolve().parents[2]


def _issue(session, customer_id: int, key: str, issued_on: date, billing=VALID_BILLING):
    document = issue_test_document(session, customer_id, key, billing, issued_on=issued_on)
    session.commit()
    return document


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TS_STORE_DB_URL": db_url}
    env.pop("TS_STORE_SDI_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ts_store.billing", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_writes_every_xml_of_the_year_and_only_that_year(
    session, db_url, tmp_path, fatturapa_schema
):
    customer = make_customer(session)
    first = _issue(session, customer.id, "a", date(2026, 3, 1))
    second = _issue(session, customer.id, "b", date(2026, 11, 28))
    _issue(session, customer.id, "c", date(2027, 1, 2))
    out = tmp_path / "fatture-2026"

    result = _run(db_url, "export-fatturapa", "--year", "2026", "--out", str(out))

    assert result.returncode == 0, result.stderr
    files = sorted(out.iterdir())
    assert len(files) == 2 and "2 file XML scritti" in result.stdout
    numbers = set()
    for path in files:
        assert path.name.startswith("IT02468130154_") and path.suffix == ".xml"
        fatturapa_schema.validate(path.read_text(encoding="utf-8"))
        numbers.add(read_fattura(path.read_bytes())["number"])
    assert numbers == {first.number, second.number}

    again = tmp_path / "again"
    assert _run(db_url, "export-fatturapa", "--year", "2026", "--out", str(again)).returncode == 0
    for path in files:  # the same files, byte for byte: stored, not rebuilt
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_export_names_a_document_whose_xml_cannot_be_made_and_exits_1(session, db_url, tmp_path):
    customer = make_customer(session)
    broken = _issue(
        session, customer.id, "x", date(2026, 5, 5), billing={"company_name": "Senza dati"}
    )
    result = _run(db_url, "export-fatturapa", "--year", "2026", "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert f"documento {broken.number}: XML non generato, manca address" in result.stdout


def test_export_with_a_bad_year_exits_2_with_an_italian_message(db_url, tmp_path):
    result = _run(db_url, "export-fatturapa", "--year", "26", "--out", str(tmp_path))
    assert result.returncode == 2 and "anno non valido" in result.stderr
