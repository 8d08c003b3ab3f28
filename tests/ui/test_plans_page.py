"""'Confronta i piani' and the registration's trial length come from the catalogue in force when
the page opens, not from the one in force when the app was built."""

from __future__ import annotations

from datetime import date

import pytest
import reflex as rx

from tests.fixtures.factories import add_published_version
from ts_store.ui.pages.plans import PlansState
from ts_store.ui.pages.register import RegisterState

pytestmark = pytest.mark.usefixtures("session")

NEW_CATALOGUE = (
    'currency = "EUR"\nvat_percent = "22"\ntrial_days = 45\nretention_days = 60\n'
    '[[plans]]\ncode = "start"\nname = "Start"\nmonthly_cents = 1000\n'
    'annual_cents = 9900\nmin_seats = 2\nmax_seats = 10\nfeatures = ["Contatti"]\n'
    '[[plans]]\ncode = "pro"\nname = "Pro"\nmonthly_cents = 3000\n'
    'annual_cents = 30000\nmin_seats = 1\nmax_seats = 50\nfeatures = ["Contatti", "Report"]\n'
)


def _state(state_class):
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(state_class.get_full_name().split("."))


def _plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_plans_page_shows_the_shipped_catalogue_as_text():
    plans = _state(PlansState)
    PlansState.load.fn(plans)
    assert [card.code for card in plans.cards] == ["smart", "pro", "business"]
    pro = plans.cards[1]
    assert (_plain(pro.monthly), pro.name) == ("25,00 €", "Pro")
    assert _plain(pro.annual_line).startswith("oppure 250,00 € per utente all'anno (risparmi")
    assert "IVA 22" in _plain(plans.vat_note)
    business = plans.cards[2]
    assert all(feature.included for feature in business.features)
    assert [f.name for f in pro.features] == [f.name for f in business.features]


def test_a_version_published_after_the_build_shows_at_the_next_visit(session):
    plans, register = _state(PlansState), _state(RegisterState)
    PlansState.load.fn(plans)
    RegisterState.start_over.fn(register)
    assert "dura 15 giorni" in register.intro
    add_published_version(session, NEW_CATALOGUE, effective_on=date(2026, 11, 1))
    PlansState.load.fn(plans)
    RegisterState.start_over.fn(register)
    assert [(c.code, _plain(c.monthly)) for c in plans.cards] == [
        ("start", "10,00 €"),
        ("pro", "30,00 €"),
    ]
    assert [(f.name, f.included) for f in plans.cards[0].features] == [
        ("Contatti", True),
        ("Report", False),
    ]
    assert "dura 45 giorni" in register.intro


def test_a_version_effective_tomorrow_is_not_shown_today(session):
    add_published_version(session, NEW_CATALOGUE, effective_on=date(2026, 11, 29))
    plans = _state(PlansState)
    PlansState.load.fn(plans)
    assert [card.code for card in plans.cards] == ["smart", "pro", "business"]
