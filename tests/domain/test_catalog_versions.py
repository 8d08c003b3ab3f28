"""Catalogue versions, pure rules: which version prices a date, statuses by date, the move
date of policy (b) and the transition table."""

from __future__ import annotations

from datetime import date

import pytest

from ts_store.domain.catalog_versions import (
    NOTICE_DAYS,
    IllegalVersionTransition,
    VersionRef,
    VersionStatus,
    check_version_transition,
    move_date,
    status_on,
    version_in_force,
)

V = VersionStatus
FIRST = VersionRef(1, V.PUBLISHED, date(2000, 1, 1))
SECOND = VersionRef(2, V.SCHEDULED, date(2026, 12, 12))


def test_before_the_effective_date_the_older_version_prices():
    assert version_in_force([FIRST, SECOND], date(2026, 12, 11)) == FIRST


def test_on_the_effective_date_the_new_version_prices():
    assert version_in_force([FIRST, SECOND], date(2026, 12, 12)) == SECOND


def test_a_draft_or_withdrawn_version_never_prices_whatever_its_date():
    draft = VersionRef(3, V.DRAFT, date(2026, 1, 1))
    withdrawn = VersionRef(4, V.WITHDRAWN, date(2026, 1, 1))
    assert version_in_force([FIRST, draft, withdrawn], date(2026, 12, 1)) == FIRST


def test_two_versions_on_the_same_date_the_newer_id_wins():
    again = VersionRef(5, V.PUBLISHED, date(2026, 12, 12))
    assert version_in_force([FIRST, SECOND, again], date(2026, 12, 20)) == again


def test_a_retired_version_still_prices_the_dates_it_was_in_force():
    retired = VersionRef(1, V.RETIRED, date(2000, 1, 1))
    assert version_in_force([retired, SECOND], date(2026, 12, 1)) == retired


def test_no_version_before_the_first_effective_date():
    assert version_in_force([FIRST], date(1999, 12, 31)) is None


def test_status_by_date_scheduled_then_published_then_retired():
    today = date(2026, 12, 1)
    current = version_in_force([FIRST, SECOND], today)
    assert status_on(SECOND, current, today) == V.SCHEDULED
    assert status_on(FIRST, current, today) == V.PUBLISHED
    later = date(2026, 12, 12)
    current = version_in_force([FIRST, SECOND], later)
    assert status_on(SECOND, current, later) == V.PUBLISHED
    assert status_on(FIRST, current, later) == V.RETIRED


def test_move_date_is_the_first_renewal_on_or_after_the_effective_date():
    renewals = [date(2026, 12, 5), date(2027, 1, 5), date(2027, 2, 5)]
    # noticed 1 Nov: 30 days later is 1 Dec; effective 3 Dec -> the 5 Dec renewal moves
    assert move_date(renewals, date(2026, 12, 3), date(2026, 11, 1)) == date(2026, 12, 5)


def test_move_date_waits_for_the_30_day_notice_when_the_effective_date_is_close():
    renewals = [date(2026, 12, 15), date(2027, 1, 15)]
    # noticed 2 Dec, effective 12 Dec: the 15 Dec renewal is only 13 days after the notice
    assert move_date(renewals, date(2026, 12, 12), date(2026, 12, 2)) == date(2027, 1, 15)
    assert NOTICE_DAYS == 30


def test_move_date_on_exactly_30_days_after_the_notice_moves():
    renewals = [date(2027, 1, 1)]
    assert move_date(renewals, date(2026, 12, 10), date(2026, 12, 2)) == date(2027, 1, 1)


def test_transitions_published_is_never_edited_back_to_draft():
    check_version_transition(1, V.DRAFT, V.SCHEDULED)
    check_version_transition(1, V.SCHEDULED, V.WITHDRAWN)
    check_version_transition(1, V.PUBLISHED, V.RETIRED)
    with pytest.raises(IllegalVersionTransition):
        check_version_transition(1, V.PUBLISHED, V.DRAFT)
    with pytest.raises(IllegalVersionTransition):
        check_version_transition(1, V.PUBLISHED, V.WITHDRAWN)
