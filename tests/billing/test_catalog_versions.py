"""Catalogue versions in the database: version 1 seeded from the file, drafts kept by several
product-team members, saved under a revision, duplicated; only the product team reaches them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import add_published_version, make_customer
from ts_store.billing import catalog_versions
from ts_store.billing.catalog import catalog_from_file, current_catalog
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.domain.catalog_versions import VersionStatus
from ts_store.store.models import AuditEntry, CatalogVersion
from ts_store.ui.messages import message_for

V = VersionStatus


@pytest.fixture
def team(session):
    return make_customer(session, role="product_team").id


def _with_pro_monthly(text: str, cents: int) -> str:
    return text.replace("monthly_cents = 2500", f"monthly_cents = {cents}", 1)


def test_version_1_is_the_packaged_file_published_and_in_force(session, team):
    [first] = catalog_versions.list_versions(team)
    assert (first.id, first.status, first.in_force) == (1, V.PUBLISHED, True)
    assert first.status_label == "In vigore"
    assert first.effective_on == date(2000, 1, 1)
    assert current_catalog() == catalog_from_file()
    assert catalog_versions.in_force(date(2026, 11, 28)).version_id == 1


def test_a_new_draft_starts_from_the_version_in_force_and_records_its_author(session, team):
    draft = catalog_versions.create_draft(team, "Pro a 27 €", "prova del team")
    assert draft.status == V.DRAFT and draft.editable
    assert draft.based_on_id == 1
    assert draft.author_customer_id == team
    assert catalog_versions.version_catalog(team, draft.id) == current_catalog()
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "catalog_draft_created"))
    assert entry.one().actor_customer_id == team


def test_a_draft_prices_nothing_until_published(session, team):
    draft = catalog_versions.create_draft(team, "Bozza")
    text = _with_pro_monthly(draft.content, 2700)
    catalog_versions.save_draft(team, draft.id, draft.revision, "Bozza", "", text)
    assert current_catalog().plan("pro").monthly_cents == 2500
    assert catalog_versions.version_catalog(team, draft.id).plan("pro").monthly_cents == 2700


def test_several_members_keep_their_drafts_and_see_each_others(session, team):
    colleague = make_customer(session, role="product_team").id
    mine = catalog_versions.create_draft(team, "Mia")
    theirs = catalog_versions.create_draft(colleague, "Sua")
    listed = catalog_versions.list_versions(team)
    assert [v.id for v in listed] == [theirs.id, mine.id, 1]
    assert {v.author_customer_id for v in listed[:2]} == {team, colleague}


def test_saving_a_draft_someone_saved_meanwhile_is_refused_with_draft_changed(session, team):
    colleague = make_customer(session, role="product_team").id
    draft = catalog_versions.create_draft(team, "Condivisa")
    catalog_versions.save_draft(colleague, draft.id, draft.revision, "Sua", "", draft.content)
    with pytest.raises(ConflictError) as error:
        catalog_versions.save_draft(team, draft.id, draft.revision, "Mia", "", draft.content)
    assert error.value.code == "draft_changed"
    assert catalog_versions.get_version(team, draft.id).name == "Sua"


def test_an_invalid_draft_is_refused_naming_plan_and_field(session, team):
    draft = catalog_versions.create_draft(team, "Rotta")
    bad = draft.content.replace("monthly_cents = 2500", "monthly_cents = -1", 1)
    with pytest.raises(InputError) as error:
        catalog_versions.save_draft(team, draft.id, draft.revision, "Rotta", "", bad)
    text = message_for(error.value)
    assert "piano 'pro'" in text and "monthly_cents" in text
    assert catalog_versions.get_version(team, draft.id).revision == draft.revision


def test_a_draft_name_empty_or_too_long_is_refused(session, team):
    with pytest.raises(InputError) as error:
        catalog_versions.create_draft(team, "  ")
    assert error.value.field == "name"
    with pytest.raises(InputError):
        catalog_versions.create_draft(team, "x" * 121)


def test_duplicating_a_published_version_makes_a_new_draft(session, team):
    copy = catalog_versions.duplicate(team, 1)
    assert copy.status == V.DRAFT and copy.based_on_id == 1
    assert copy.name == "Copia di Catalogo iniziale"
    assert copy.content == catalog_versions.get_version(team, 1).content


def test_a_published_version_is_never_edited(session, team):
    first = catalog_versions.get_version(team, 1)
    with pytest.raises(NotAllowed) as error:
        catalog_versions.save_draft(team, 1, first.revision, "Altro", "", first.content)
    assert error.value.code == "version_not_draft"


def test_a_version_in_force_from_its_date_prices_new_purchases(session, team):
    text = _with_pro_monthly(catalog_versions.get_version(team, 1).content, 2700)
    later = add_published_version(session, text, date(2026, 12, 12))
    assert catalog_versions.in_force(date(2026, 12, 11)).version_id == 1
    priced = catalog_versions.in_force(date(2026, 12, 12))
    assert (priced.version_id, priced.catalog.plan("pro").monthly_cents) == (later.id, 2700)


@pytest.mark.parametrize(
    "call",
    [
        lambda who: catalog_versions.list_versions(who),
        lambda who: catalog_versions.get_version(who, 1),
        lambda who: catalog_versions.version_catalog(who, 1),
        lambda who: catalog_versions.create_draft(who, "Mia"),
        lambda who: catalog_versions.duplicate(who, 1),
        lambda who: catalog_versions.save_draft(who, 1, 1, "x", "", "x"),
    ],
    ids=["list", "get", "catalog", "create", "duplicate", "save"],
)
def test_a_customer_calling_any_version_use_case_is_refused(session, call):
    customer = make_customer(session).id
    with pytest.raises(NotAllowed) as error:
        call(customer)
    assert error.value.code == "product_team_only"
    assert len(session.exec(select(CatalogVersion)).all()) == 1


@pytest.mark.parametrize("who", [None, "1", True, 10**12])
def test_an_actor_that_is_not_an_id_is_refused(session, who):
    with pytest.raises(NotAllowed):
        catalog_versions.list_versions(who)
