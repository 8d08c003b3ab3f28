"""The repository documents itself (issue #13): code, tests and docs cite `docs/…` files that
exist, never documents outside the checkout."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("ts_store", "tests", "docs", "scripts", "benchmarks", "tools")
SUFFIXES = {".py", ".md", ".toml", ".sh", ".js"}
OUTSIDE = re.compile(r"\.\./shared|\bBRIEF(\.md| §)|\bARCHITECTURE(\.md)?\b|seed/gestione")
DOC_REFERENCE = re.compile(r"\bdocs/[a-z0-9_-]+\.md\b")


def _text_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in SOURCES:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return [p for p in files if p != Path(__file__).resolve()]


def test_nothing_cites_a_document_outside_the_checkout():
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == []


def test_every_cited_doc_exists():
    cited = {
        match for path in _text_files() for match in DOC_REFERENCE.findall(path.read_text("utf-8"))
    }
    assert {"docs/billing-policy.md", "docs/quote-contract.md"} <= cited
    assert sorted(doc for doc in cited if not (ROOT / doc).is_file()) == []
