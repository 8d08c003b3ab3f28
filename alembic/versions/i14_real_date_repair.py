"""the live store runs on the real date (issue #14): repair what the simulated date left

The laboratory used to move the live store's clock; after "Torna alla data reale" licences kept
periods starting in the future, and customers could change nothing ("fuori dal periodo in
corso"). The real date is TS_STORE_TODAY when set, else today in Europe/Rome. Repairs, each with
an audit entry (action `real_date_repair`):

- an active or past-due licence whose period starts after the real date starts its period on
  the real date; its period end (the date it is paid until) is kept;
- a trial expired before its last day comes back to trial;
- the stored simulated date is deleted.

Revision ID: i14_real_date_repair
Revises: i19_invoice_refunds
Create Date: 2026-12-02 12:10:00
"""
import json
import os
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from ts_store.domain.calendar import parse_iso_date, rome_today

revision = 'i14_real_date_repair'
down_revision = 'i19_invoice_refunds'
branch_labels = None
depends_on = None


def _real_today() -> date:
    configured = os.environ.get("TS_STORE_TODAY", "").strip()
    return parse_iso_date(configured) if configured else rome_today()


def _audit(bind, licence_id: int, before: dict, after: dict, now: datetime) -> None:
    bind.execute(
        sa.text(
            "INSERT INTO audit_entry (actor_customer_id, licence_id, action, before_json,"
            " after_json, created_at) VALUES (NULL, :licence, 'real_date_repair', :before,"
            " :after, :now)"
        ),
        {
            "licence": licence_id,
            "before": json.dumps(before, default=str, sort_keys=True),
            "after": json.dumps(after, default=str, sort_keys=True),
            "now": now,
        },
    )


def upgrade() -> None:
    bind = op.get_bind()
    today = _real_today()
    now = datetime.now(UTC)
    future = bind.execute(
        sa.text(
            "SELECT id, period_start, period_end FROM licence"
            " WHERE status IN ('active', 'past_due') AND period_start > :today"
        ),
        {"today": today},
    ).all()
    for licence_id, start, end in future:
        bind.execute(
            sa.text(
                "UPDATE licence SET period_start = :today, version = version + 1"
                " WHERE id = :id"
            ),
            {"today": today, "id": licence_id},
        )
        _audit(
            bind,
            licence_id,
            {"period_start": start, "period_end": end},
            {"period_start": today, "period_end": end, "real_date": today},
            now,
        )
    expired = bind.execute(
        sa.text(
            "SELECT id, trial_ends_on FROM licence"
            " WHERE status = 'trial_expired' AND trial_ends_on > :today"
        ),
        {"today": today},
    ).all()
    for licence_id, ends_on in expired:
        bind.execute(
            sa.text(
                "UPDATE licence SET status = 'trial', ended_on = NULL, version = version + 1"
                " WHERE id = :id"
            ),
            {"id": licence_id},
        )
        _audit(
            bind,
            licence_id,
            {"status": "trial_expired", "trial_ends_on": ends_on},
            {"status": "trial", "real_date": today},
            now,
        )
    bind.execute(sa.text("DELETE FROM app_setting WHERE key = 'simulated_today'"))


def downgrade() -> None:
    """Nothing to undo: the repaired rows are what the real date always wanted."""
