"""MyArea's licence cards: renewal with cadence, scheduled change also while in disdetta, one
badge colour map (issue #17). Overview views in, texts out (the catalogue in force is read from
the test database)."""

from __future__ import annotations

from datetime import date

import pytest

from ts_store.billing.catalog import current_catalog
from ts_store.billing.overview import overview
from ts_store.domain.periods import Cycle
from ts_store.store.models import Licence
from ts_store.ui.pages.myarea import to_card
from ts_store.ui.theme import status_color

TODAY = date(2026, 11, 28)
pytestmark = pytest.mark.usefixtures("session")


def _licence(**fields) -> Licence:
    values = {
        "id": 7,
        "customer_id": 1,
        "status": "active",
        "plan": "pro",
        "cycle": Cycle.MONTHLY,
        "seats": 5,
        "renewal_plan": "pro",
        "renewal_cycle": Cycle.MONTHLY,
        "renewal_seats": 5,
        "anchor_day": 14,
        "period_start": date(2026, 11, 14),
        "period_end": date(2026, 12, 14),
        **fields,
    }
    return Licence(**values)


def _card(**fields):
    return to_card(overview(_licence(**fields), TODAY, current_catalog()))


def test_renewal_says_the_cadence_and_that_it_renews_automatically():
    card = _card()
    assert card.renewal == (
        "Prossimo rinnovo il 14/12/2026: 125,00\xa0€ + IVA (152,50\xa0€ IVA inclusa) ogni mese. "
        "Rinnovo automatico, disdici quando vuoi."
    )


def test_scheduled_reduction_is_shown_with_its_date():
    card = _card(renewal_seats=2)
    assert card.scheduled == "Modifica programmata dal 14/12/2026: piano Pro, 2 utenti, mensile"


def test_scheduled_reduction_then_cancellation_keeps_the_change_visible_and_says_it_waits():
    card = _card(renewal_seats=2, cancel_at_period_end=True)
    assert card.status_label == "In disdetta" and card.status_color == "amber"
    assert card.renewal == ""
    assert card.scheduled.startswith("Modifica programmata dal 14/12/2026 (piano Pro, 2 utenti")
    assert "torna valida se riattivi" in card.scheduled


def test_badge_colours_come_from_one_map():
    assert [
        status_color("trial"),
        status_color("active"),
        status_color("active", cancel_at_period_end=True),
        status_color("past_due"),
        status_color("suspended"),
    ] == ["blue", "green", "amber", "red", "gray"]
