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


@pytest.mark.sqlite_only
def test_real_date_repair_brings_future_periods_and_early_expired_trials_back(
    tmp_path, monkeypatch
):
    """What the old simulated date left: a period starting after the real date (the customer
    read "fuori dal periodo in corso"), a trial expired before its last day, the stored date."""
    monkeypatch.setenv("TS_STORE_TODAY", "2026-12-02")
    url = f"sqlite:///{tmp_path / 'simulated.db'}"
    config = _config(url)
    command.upgrade(config, "i14_catalog_versions")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO customer (email, password_hash, company_name, role, created_at)"
                    " VALUES ('a@b.it', 'x', 'A', 'customer', '2026-01-01')"
                )
            )
            insert = sa.text(
                "INSERT INTO licence (id, customer_id, product, status, period_start, period_end,"
                " trial_ends_on, cancel_at_period_end, version, created_at, updated_at) VALUES"
                " (:id, 1, 'CRM in Cloud', :status, :start, :end, :trial, 0, 1, '2026-01-01',"
                " '2026-01-01')"
            )
            for row in (
                (1, "active", "2027-01-10", "2027-02-10", None),  # moved ahead by the old lab
                (2, "active", "2026-11-10", "2026-12-10", None),  # right: untouched
                (3, "trial_expired", None, None, "2026-12-12"),  # expired early
                (4, "trial_expired", None, None, "2026-11-20"),  # really expired
            ):
                connection.execute(
                    insert, dict(zip(("id", "status", "start", "end", "trial"), row, strict=True))
                )
            connection.execute(
                sa.text("INSERT INTO app_setting (key, value) VALUES ('simulated_today', 'x')")
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, status, period_start, period_end FROM licence ORDER BY id")
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, "active", "2026-12-02", "2027-02-10"),
                (2, "active", "2026-11-10", "2026-12-10"),
                (3, "trial", None, None),
                (4, "trial_expired", None, None),
            ]
            audits = connection.execute(
                sa.text("SELECT licence_id FROM audit_entry WHERE action = 'real_date_repair'")
            ).all()
            assert sorted(a[0] for a in audits) == [1, 3]
            assert connection.execute(sa.text("SELECT count(*) FROM app_setting")).scalar() == 0
    finally:
        engine.dispose()
