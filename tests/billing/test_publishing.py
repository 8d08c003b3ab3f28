"""Publishing a catalogue version: effective date, grandfathering (a) keep / (b) move at the
first renewal on or after the date with a 30-day notice, withdrawal; renewals and purchases
priced by the right version; every action audited with its author; product team only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import (
    give_card,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from ts_store.billing import catalog_versions, overview, purchase, reminders, renewals
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.domain.catalog_versions import Grandfathering, VersionStatus
from ts_store.domain.periods import Cycle
from ts_store.store import licences
from ts_store.store.models import (
    AuditEntry,
    BillingOperation,
    OutboxMessage,
    PriceChangeNotice,
)

pytestmark = pytest.mark.stripe  # real cards in the local Stripe server

V = VersionStatus
TODAY = date(2026, 11, 28)  # TS_STORE_TODAY of the tests
EFFECTIVE = date(2026, 12, 8)  # 10 days ahead
KEEP, MOVE = Grandfathering.KEEP, Grandfathering.MOVE_AT_RENEWAL
OLD_PRO_2 = 6100  # 2 × 25,00 € + 22 % IVA
NEW_PRO_2 = 6588  # 2 × 27,00 € + 22 % IVA
NEW_PRO_2_ANNUAL = 65880  # 2 × 270,00 € + 22 % IVA


@pytest.fixture
def team(session):
    return make_customer(session, role="product_team").id


def _pro_27_draft(team: int):
    """'Pro 27 €/mese' keeping the annual discount (250 → 270 €/anno)."""
    draft = catalog_versions.create_draft(team, "Pro 27 €/mese")
    text = draft.content.replace("monthly_cents = 2500", "monthly_cents = 2700", 1)
    text = text.replace("annual_cents = 25000", "annual_cents = 27000", 1)
    return catalog_versions.save_draft(team, draft.id, draft.revision, draft.name, "", text)


async def _paying(session, gateway):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer, "4242424242424242")
    return customer


def _reload(session, licence):
    session.expire_all()
    return licences.get_licence(session, licence.id)


def _renewal_amounts(session, licence_id: int) -> list[tuple[str, int, int]]:
    rows = session.exec(
        select(BillingOperation)
        .where(BillingOperation.licence_id == licence_id, BillingOperation.kind == "renewal")
        .order_by(BillingOperation.id)
    )
    return [
        (op.idempotency_key.split(":")[2], op.amount_cents, op.catalog_version_id) for op in rows
    ]


async def test_policy_b_renewal_before_the_date_pays_old_after_pays_new(session, gateway, team):
    customer = await _paying(session, gateway)
    before = make_active_licence(session, customer.id, period_start=date(2026, 11, 5))
    annual = make_active_licence(
        session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 10)
    )
    draft = _pro_27_draft(team)

    result = catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)

    assert result.version.status == V.SCHEDULED and result.notices == 2
    notices = {n.licence_id: n for n in session.exec(select(PriceChangeNotice))}
    # 5 Dec is before the date: it moves at the first renewal 30 days after the notice
    assert notices[before.id].moves_on == date(2027, 1, 5)
    assert notices[annual.id].moves_on == date(2027, 1, 10)
    assert (notices[annual.id].old_net_cents, notices[annual.id].new_net_cents) == (50000, 54000)
    mails = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "price_change_notice"))
    assert len(mails.all()) == 2

    await renewals.renew_due(date(2027, 1, 10), gateway)

    assert _renewal_amounts(session, before.id) == [
        ("2026-12-05", OLD_PRO_2, 1),
        ("2027-01-05", NEW_PRO_2, draft.id),
    ]
    assert _renewal_amounts(session, annual.id) == [("2027-01-10", NEW_PRO_2_ANNUAL, draft.id)]
    assert _reload(session, annual).catalog_version_id == draft.id


async def test_policy_b_renewal_after_the_date_but_within_30_days_of_the_notice_pays_old_once(
    session, gateway, team
):
    customer = await _paying(session, gateway)
    licence = make_active_licence(session, customer.id, period_start=date(2026, 11, 15))
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)

    await renewals.renew_due(date(2027, 1, 15), gateway)

    assert _renewal_amounts(session, licence.id) == [
        ("2026-12-15", OLD_PRO_2, 1),  # after the date, but told only 17 days before
        ("2027-01-15", NEW_PRO_2, draft.id),
    ]


async def test_policy_a_keeps_prices_until_plan_or_cycle_change(session, gateway, team):
    customer = await _paying(session, gateway)
    keeps = make_active_licence(session, customer.id, period_start=date(2026, 11, 10))
    switches = make_active_licence(session, customer.id, period_start=date(2026, 11, 10))
    with session.begin_nested():
        row = licences.get_licence(session, switches.id)
        row.renewal_cycle = Cycle.ANNUAL  # a cycle change scheduled for the renewal
        session.add(row)
    session.commit()
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, KEEP)

    await renewals.renew_due(date(2027, 1, 10), gateway)

    assert session.exec(select(PriceChangeNotice)).all() == []
    assert _renewal_amounts(session, keeps.id) == [
        ("2026-12-10", OLD_PRO_2, 1),
        ("2027-01-10", OLD_PRO_2, 1),
    ]
    assert _renewal_amounts(session, switches.id) == [("2026-12-10", NEW_PRO_2_ANNUAL, draft.id)]


def test_a_purchase_on_or_after_the_date_is_priced_by_the_new_version(session, team):
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)
    assert purchase.catalog_on(date(2026, 12, 7)).plan("pro").monthly_cents == 2500
    assert purchase.catalog_on(EFFECTIVE).plan("pro").monthly_cents == 2700


async def test_a_withdrawn_version_prices_nothing_and_its_notices_are_withdrawn(
    session, gateway, team
):
    customer = await _paying(session, gateway)
    licence = make_active_licence(
        session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 10)
    )
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)

    withdrawn = catalog_versions.withdraw(team, draft.id)

    assert withdrawn.status == V.WITHDRAWN
    assert purchase.catalog_on(EFFECTIVE).plan("pro").monthly_cents == 2500
    [notice] = session.exec(select(PriceChangeNotice)).all()
    assert notice.withdrawn_on == TODAY
    [taken_back] = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "price_change_withdrawn")
    ).all()
    params = json.loads(taken_back.params_json)
    assert (params["licence_id"], params["renewal_on"], params["old_gross_cents"]) == (
        licence.id,
        "2027-01-10",
        61000,
    )
    with pytest.raises(NotAllowed):
        catalog_versions.withdraw(team, draft.id)
    await renewals.renew_due(date(2027, 1, 10), gateway)
    assert _renewal_amounts(session, licence.id) == [("2027-01-10", 61000, 1)]


def test_publishing_today_puts_the_version_in_force_at_once_and_retires_the_old(session, team):
    draft = _pro_27_draft(team)
    result = catalog_versions.publish(team, draft.id, draft.revision, TODAY.isoformat(), KEEP)
    assert result.version.status == V.PUBLISHED and result.version.in_force
    first = catalog_versions.get_version(team, 1)
    assert first.status == V.RETIRED and first.status_label == "Sostituita"


def test_every_publishing_action_is_audited_with_its_author(session, team):
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)
    catalog_versions.withdraw(team, draft.id)
    actions = {
        entry.action: entry.actor_customer_id
        for entry in session.exec(select(AuditEntry).where(AuditEntry.action.like("catalog_%")))
    }
    assert actions["catalog_draft_created"] == team
    assert actions["catalog_draft_saved"] == team
    assert actions["catalog_version_published"] == team
    assert actions["catalog_version_withdrawn"] == team


@pytest.mark.parametrize(
    ("effective_on", "code"),
    [
        (date(2026, 11, 27), "effective_on_past"),
        ("27/12/2026", "effective_on_invalid"),
        (20261208, "effective_on_invalid"),
        (date(2040, 1, 1), "effective_on_invalid"),
    ],
    ids=["yesterday", "not-iso", "a-number", "too-far"],
)
def test_an_effective_date_in_the_past_or_not_a_date_is_refused(session, team, effective_on, code):
    draft = _pro_27_draft(team)
    with pytest.raises(InputError) as error:
        catalog_versions.publish(team, draft.id, draft.revision, effective_on, MOVE)
    assert (error.value.field, error.value.code) == ("effective_on", code)


def test_an_unknown_policy_is_refused(session, team):
    draft = _pro_27_draft(team)
    with pytest.raises(InputError) as error:
        catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, "tutti")
    assert error.value.code == "grandfathering_invalid"


def test_a_published_version_is_never_published_again_or_edited(session, team):
    draft = _pro_27_draft(team)
    published = catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, KEEP)
    with pytest.raises(NotAllowed) as error:
        catalog_versions.publish(team, draft.id, published.version.revision, EFFECTIVE, KEEP)
    assert error.value.code == "version_not_draft"


def test_a_second_scheduled_version_is_refused_until_the_first_is_withdrawn(session, team):
    first = _pro_27_draft(team)
    catalog_versions.publish(team, first.id, first.revision, EFFECTIVE, KEEP)
    second = catalog_versions.duplicate(team, first.id)
    with pytest.raises(NotAllowed) as error:
        catalog_versions.publish(team, second.id, second.revision, EFFECTIVE, KEEP)
    assert error.value.code == "version_already_scheduled"
    catalog_versions.withdraw(team, first.id)
    assert catalog_versions.publish(team, second.id, second.revision, EFFECTIVE, KEEP).version


def test_publishing_a_draft_saved_meanwhile_is_refused(session, team):
    draft = _pro_27_draft(team)
    with pytest.raises(ConflictError):
        catalog_versions.publish(team, draft.id, draft.revision - 1, EFFECTIVE, KEEP)


def test_withdrawing_a_version_in_force_is_refused(session, team):
    with pytest.raises(NotAllowed) as error:
        catalog_versions.withdraw(team, 1)
    assert error.value.code == "version_not_scheduled"


@pytest.mark.parametrize(
    "call",
    [
        lambda who, v: catalog_versions.publish(who, v.id, v.revision, EFFECTIVE, MOVE),
        lambda who, v: catalog_versions.withdraw(who, v.id),
    ],
    ids=["publish", "withdraw"],
)
def test_a_customer_calling_publish_or_withdraw_is_refused(session, team, call):
    draft = _pro_27_draft(team)
    customer = make_customer(session).id
    with pytest.raises(NotAllowed) as error:
        call(customer, draft)
    assert error.value.code == "product_team_only"
    assert catalog_versions.get_version(team, draft.id).status == V.DRAFT


def test_myarea_and_the_30_day_reminder_show_what_the_moved_renewal_will_charge(session, team):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    licence = make_active_licence(
        session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 10)
    )
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, MOVE)

    [view] = overview.licences_overview(customer.id, today=date(2026, 12, 15))
    assert view.renewal.gross_cents == NEW_PRO_2_ANNUAL  # what 10/01/2027 will charge
    [row] = [r for r in renewals.schedule(date(2026, 12, 15)) if r.view.id == licence.id]
    assert row.view.renewal.gross_cents == NEW_PRO_2_ANNUAL  # the laboratory's table too

    reminders.send_reminders(date(2026, 12, 11))  # 30 days before the renewal
    [mail] = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.kind == "renewal_upcoming", OutboxMessage.customer_id == customer.id
        )
    ).all()
    assert json.loads(mail.params_json)["renewal_gross_cents"] == NEW_PRO_2_ANNUAL
    assert licence.id == view.id


def test_under_policy_a_myarea_keeps_showing_the_old_price(session, team):
    customer = make_customer(session)
    make_active_licence(session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 10))
    draft = _pro_27_draft(team)
    catalog_versions.publish(team, draft.id, draft.revision, EFFECTIVE, KEEP)
    [view] = overview.licences_overview(customer.id, today=date(2026, 12, 15))
    assert view.renewal.gross_cents == 61000  # 2 × 250 € + IVA, kept
