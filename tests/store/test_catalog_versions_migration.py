"""Migration i14_catalog_versions: version 1 seeded from the file, existing licences and
operations backfilled to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.cmd_opts = type("Opts", (), {"x": [f"url={url}"]})()
    return config


@pytest.mark.sqlite_only
def test_existing_licences_and_operations_are_backfilled_to_version_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = _config(url)
    command.upgrade(config, "i19_credit_notes")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO customer (email, password_hash, company_name, role, created_at)"
                    " VALUES ('a@b.it', 'x', 'A', 'customer', '2026-01-01')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO licence (customer_id, product, status, cancel_at_period_end,"
                    " version, created_at, updated_at) VALUES (1, 'CRM in Cloud', 'active', 0,"
                    " 1, '2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO billing_operation (idempotency_key, customer_id, licence_id,"
                    " kind, status, request_json, quote_json, amount_cents,"
                    " failure_params_json, created_at, updated_at) VALUES ('k', 1, 1,"
                    " 'purchase', 'succeeded', '{}', '{}', 100, '{}', '2026-01-01',"
                    " '2026-01-01')"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            versions = connection.execute(
                sa.text("SELECT id, status, name FROM catalog_version")
            ).all()
            assert [tuple(v) for v in versions] == [(1, "published", "Catalogo iniziale")]
            assert connection.execute(sa.text("SELECT catalog_version_id FROM licence")).all() == [
                (1,)
            ]
            operations = connection.execute(
                sa.text("SELECT catalog_version_id FROM billing_operation")
            ).all()
            assert operations == [(1,)]
    finally:
        engine.dispose()
