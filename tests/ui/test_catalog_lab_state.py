"""The catalogue lab's page states driven without a browser: the draft in euros, Confronto,
Anteprima; only the product team gets anything; the preview stores nothing and charges nothing."""

from __future__ import annotations

import inspect

import pytest
import reflex as rx
import sqlalchemy as sa

from tests.fixtures.factories import PASSWORD, make_active_licence, make_customer
from ts_store.billing import accounts, catalog_lab, catalog_versions
from ts_store.payments.gateway import StripeGateway
from ts_store.ui.pages.catalog_lab import (
    PREVIEW_BANNER,
    CatalogLabState,
    CompareState,
    ImpactState,
    PreviewState,
    signed_cents,
)
from ts_store.ui.pages.catalog_lab_draft import DraftState
from ts_store.ui.pages.catalog_lab_versions import SavedDraftsState
from ts_store.ui.product_team import product_team_member_id
from ts_store.ui.session import SessionState


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


def _root(session, role: str):
    customer = make_customer(session, role=role)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(SessionState.get_full_name().split(".")).session_token = token
    return root


def _sub(root, cls):
    return root.get_substate(cls.get_full_name().split("."))


def _plain(value: str) -> str:
    return value.replace("\xa0", " ")


async def _draft(session, role="product_team"):
    root = _root(session, role)
    state = _sub(root, DraftState)
    await DraftState.load.fn(state)
    return root, state


async def test_the_draft_starts_from_the_published_catalogue_in_euros(session):
    _, state = await _draft(session)
    assert [row.code for row in state.plans] == ["smart", "pro", "business"]
    pro = state.plans[1]
    assert (pro.monthly, pro.annual, _plain(pro.discount)) == ("25,00", "250,00", "16,67%")
    assert (state.vat_percent, state.trial_days, state.retention_days) == ("22", "15", "60")
    assert state.valid


async def test_pro_at_27_euros_keeps_the_annual_discount(session):
    _, state = await _draft(session)
    for typed in ("2", "27", "27,0", "27"):  # typing: the ratio comes from the basis each time
        await DraftState.set_plan_field.fn(state, 1, "monthly", typed)
    pro = state.plans[1]
    assert (pro.monthly, pro.annual, _plain(pro.discount)) == ("27", "270,00", "16,67%")
    catalog = state.draft_catalog()
    assert (catalog.plan("pro").monthly_cents, catalog.plan("pro").annual_cents) == (2700, 27000)


async def test_without_keeping_the_discount_the_annual_price_stays_and_the_discount_shows_it(
    session,
):
    _, state = await _draft(session)
    await DraftState.set_keep_discount.fn(state, 1, False)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27")
    assert state.plans[1].annual == "250,00"
    assert _plain(state.plans[1].discount) == "22,84%"


async def test_an_annual_price_typed_by_hand_is_the_new_basis(session):
    _, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "annual", "240")
    await DraftState.set_plan_field.fn(state, 1, "monthly", "30")
    assert state.plans[1].annual == "288,00"  # 30 × 240 / 25


async def test_a_bad_price_is_named_by_plan_and_field_and_blocks_the_draft(session):
    _, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27,999")
    assert not state.valid and state.draft_catalog() is None
    assert state.plans[1].bad_fields == ["monthly"]
    assert state.plans[1].problems == [
        "Piano Pro, prezzo mensile per utente: al massimo 2 decimali (trovato 27,999)."
    ]
    assert state.plans[1].annual == "250,00"  # an unreadable price changes nothing else


async def test_add_move_and_remove_plans(session):
    _, state = await _draft(session)
    await DraftState.add_plan.fn(state)
    assert state.plans[3].code == "nuovo-1" and state.valid
    await DraftState.move_plan.fn(state, 3, -1)
    assert [row.code for row in state.plans] == ["smart", "pro", "nuovo-1", "business"]
    await DraftState.move_plan.fn(state, 0, -1)  # already first: nothing moves
    await DraftState.remove_plan.fn(state, 2)
    assert [row.code for row in state.plans] == ["smart", "pro", "business"]


async def test_handlers_refuse_arguments_of_the_wrong_type_or_size(session):
    _, state = await _draft(session)
    before = [dict(vars(row)) for row in state.plans]
    await DraftState.set_plan_field.fn(state, "1", "monthly", "27")
    await DraftState.set_plan_field.fn(state, True, "monthly", "27")
    await DraftState.set_plan_field.fn(state, 9, "monthly", "27")
    await DraftState.set_plan_field.fn(state, 1, "basis_monthly", "1")
    await DraftState.set_plan_field.fn(state, 1, "monthly", 27)
    await DraftState.move_plan.fn(state, 1, 5)
    await DraftState.remove_plan.fn(state, -1)
    await DraftState.set_keep_discount.fn(state, 1, "no")
    await DraftState.set_catalog_field.fn(state, "plans", "x")
    assert [dict(vars(row)) for row in state.plans] == before
    await DraftState.set_plan_field.fn(state, 1, "name", "x" * 10_000)
    assert len(state.plans[1].name) == 100


async def test_toml_import_and_export_for_power_users(session):
    _, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27")
    download = await DraftState.export_toml.fn(state)
    assert "catalogo-bozza.toml" in str(download)
    text = catalog_lab.toml_of(state.draft_catalog())
    assert "monthly_cents = 2700" in text and "annual_cents = 27000" in text
    await DraftState.import_toml.fn(state, {"toml": "currency = 1"})
    assert "Catalogo" in state.toml_error and state.plans[1].monthly == "27"
    good = (
        'currency = "EUR"\nvat_percent = "10"\ntrial_days = 7\nretention_days = 30\n'
        '[[plans]]\ncode = "solo"\nname = "Solo"\nmonthly_cents = 990\nannual_cents = 9900\n'
        "min_seats = 1\nmax_seats = 3\nfeatures = []\n"
    )
    await DraftState.import_toml.fn(state, {"toml": good})
    assert state.toml_error == "" and [row.monthly for row in state.plans] == ["9,90"]


async def test_confronto_shows_the_draft_beside_the_published_prices(session):
    root, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27")
    compare = _sub(root, CompareState)
    await CompareState.refresh.fn(compare)
    (row,) = [r for r in compare.rows if r.label == "Pro, mensile, 5 utenti"]
    assert _plain(row.published_now) == "125,00 € (152,50 € IVA incl.)"
    assert _plain(row.draft_now) == "135,00 € (164,70 € IVA incl.)"
    assert _plain(row.diff_now) == "+10,00 €" and row.changed
    assert compare.today_label == "28/11/2026"


async def test_confronto_of_a_draft_with_problems_says_to_fix_it(session):
    root, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "-1")
    compare = _sub(root, CompareState)
    await CompareState.refresh.fn(compare)
    assert compare.rows == [] and compare.error == "Correggi la bozza per confrontarla."


def _counts(session):
    tables = ("licence", "billing_operation", "billing_document", "audit_entry", "outbox_message")
    existing = set(sa.inspect(session.get_bind()).get_table_names())
    return {
        table: session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        for table in tables
        if table in existing
    } | {
        "licences": session.execute(
            sa.text("SELECT id, plan, seats, period_end, version FROM licence ORDER BY id")
        ).all()
    }


async def test_preview_shows_the_draft_and_stores_and_charges_nothing(session, monkeypatch):
    make_active_licence(session, make_customer(session).id)
    calls = []
    for name, _ in inspect.getmembers(StripeGateway, inspect.iscoroutinefunction):
        monkeypatch.setattr(StripeGateway, name, lambda *a, _n=name, **k: calls.append(_n))
    before = _counts(session)
    root, state = await _draft(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27")
    preview = _sub(root, PreviewState)
    await PreviewState.refresh.fn(preview)
    assert preview.ready and PREVIEW_BANNER.endswith("nulla viene salvato né addebitato")
    (pro,) = [plan for plan in preview.plans if plan.code == "pro"]
    assert _plain(pro.monthly) == "27,00 €"
    assert _plain(pro.annual_line) == "oppure 270,00 € per utente all'anno (risparmi 54,00 €)"
    assert _plain(preview.buy_view.net) == "135,00 €"  # Pro, 5 users, monthly
    await PreviewState.set_buy.fn(preview, "seats", "2")
    assert _plain(preview.buy_view.gross) == "65,88 €"
    assert preview.plan_choices[1].label.replace("\xa0", " ") == "Pro — 27,00 €/mese, 270,00 €/anno"
    await PreviewState.step_buy.fn(preview, 1)
    await PreviewState.step_buy.fn(preview, 7)  # not a step: ignored
    assert preview.buy_seats == "3" and _plain(preview.buy_view.net) == "81,00 €"
    # the sample licence: Pro monthly 2 users, 15 of 30 days left; +3 users at 27 €
    assert preview.sample_label.startswith("Licenza di esempio: piano Pro, 2 utenti, mensile")
    assert _plain(preview.change_view.net) == "40,50 €"
    await PreviewState.set_change.fn(preview, "plan", "business")
    assert _plain(preview.change_view.renewal_net) == "200,00 €"
    await PreviewState.set_change.fn(preview, "plan", "nessuno")  # not in the draft: ignored
    assert preview.change_plan == "business"
    assert calls == [] and _counts(session) == before


async def test_a_customer_gets_nothing_from_any_handler(session):
    root, state = await _draft(session, role="customer")
    assert state.plans == [] and not state.allowed
    await DraftState.restore_published.fn(state)
    await DraftState.add_plan.fn(state)
    await DraftState.import_toml.fn(state, {"toml": ""})
    assert await DraftState.export_toml.fn(state) is None
    assert state.plans == []
    compare = _sub(root, CompareState)
    await CompareState.refresh.fn(compare)
    assert compare.rows == []
    preview = _sub(root, PreviewState)
    await PreviewState.refresh.fn(preview)
    await PreviewState.set_buy.fn(preview, "seats", "3")
    assert preview.plans == [] and not preview.ready and preview.buy_seats == "5"
    impact = _sub(root, ImpactState)
    await ImpactState.prepare.fn(impact)
    await ImpactState.set_policy.fn(impact, "keep")
    assert impact.effective_on == "" and impact.policy == "at_renewal"
    assert await ImpactState.download_csv.fn(impact) is None
    page = _sub(root, CatalogLabState)
    await CatalogLabState.load.fn(page)
    assert page.loaded and not page.allowed
    await CatalogLabState.show.fn(page, "impatto")
    assert page.section == "bozza"


async def test_the_page_opens_a_section_and_refreshes_it(session):
    root, _ = await _draft(session)
    page = _sub(root, CatalogLabState)
    assert await CatalogLabState.load.fn(page) is not None and page.allowed
    assert await CatalogLabState.show.fn(page, "confronto") is not None
    assert page.section == "confronto"
    await CatalogLabState.show.fn(page, "../etc")
    assert page.section == "confronto"


def test_differences_carry_their_sign():
    assert [_plain(signed_cents(v)) for v in (1000, -500, 0, None)] == [
        "+10,00 €",
        "-5,00 €",
        "0,00 €",
        "—",
    ]


async def _saved(session, role="product_team"):
    root, draft = await _draft(session, role)
    saved = _sub(root, SavedDraftsState)
    await SavedDraftsState.load.fn(saved)
    return draft, saved


async def test_a_draft_is_saved_named_reopened_and_duplicated(session):
    state, saved = await _saved(session)
    await DraftState.set_plan_field.fn(state, 1, "monthly", "27")
    await SavedDraftsState.set_draft_meta.fn(saved, "name", "Pro a 27 €")
    await SavedDraftsState.save_draft.fn(saved)
    assert saved.save_error == "" and saved.version_id > 0
    saved_id = saved.version_id
    (row,) = [row for row in saved.versions if row.id == saved_id]
    assert (row.name, row.status_label, row.editable) == ("Pro a 27 €", "Bozza", True)
    actor = await product_team_member_id(saved)
    content = catalog_versions.get_version(actor, saved_id).content
    assert "monthly_cents = 2700" in content and "annual_cents = 27000" in content

    await DraftState.set_plan_field.fn(state, 0, "monthly", "16")
    await SavedDraftsState.save_draft.fn(saved)  # the same draft, next revision
    assert saved.version_id == saved_id and saved.save_error == ""

    published = next(row for row in saved.versions if row.in_force)
    await SavedDraftsState.open_version.fn(saved, published.id)
    assert saved.version_id == 0 and saved.draft_name.startswith("Copia di ")
    assert state.plans[1].monthly == "25,00"  # the published prices, read only

    await SavedDraftsState.duplicate_version.fn(saved, saved_id)
    assert saved.version_id not in (0, saved_id)
    assert state.plans[1].monthly == "27,00" and state.plans[0].monthly == "16,00"


async def test_saving_over_a_colleagues_newer_save_is_refused(session):
    _, saved = await _saved(session)
    await SavedDraftsState.set_draft_meta.fn(saved, "name", "Prova")
    await SavedDraftsState.save_draft.fn(saved)
    stale_revision = saved.revision
    await SavedDraftsState.save_draft.fn(saved)  # someone (here: this tab) saves in between
    saved.revision = stale_revision
    await SavedDraftsState.save_draft.fn(saved)
    assert saved.save_error.startswith("Qualcuno ha salvato questa bozza")


async def test_a_draft_without_a_name_or_with_problems_is_not_saved(session):
    state, saved = await _saved(session)
    await SavedDraftsState.save_draft.fn(saved)
    assert saved.version_id == 0 and saved.save_error.startswith("Nome:")
    await SavedDraftsState.set_draft_meta.fn(saved, "name", "Prova")
    await DraftState.set_plan_field.fn(state, 1, "monthly", "abc")
    await SavedDraftsState.save_draft.fn(saved)
    assert saved.version_id == 0 and saved.save_error == "Correggi la bozza prima di salvarla."


async def test_a_customer_cannot_save_open_or_duplicate_drafts(session):
    _, team = await _saved(session)
    await SavedDraftsState.set_draft_meta.fn(team, "name", "Segreta")
    await SavedDraftsState.save_draft.fn(team)
    state, saved = await _saved(session, role="customer")
    await SavedDraftsState.set_draft_meta.fn(saved, "name", "Mia")
    await SavedDraftsState.save_draft.fn(saved)
    await SavedDraftsState.open_version.fn(saved, team.version_id)
    await SavedDraftsState.duplicate_version.fn(saved, team.version_id)
    await SavedDraftsState.new_draft.fn(saved)
    assert saved.version_id == 0 and state.plans == [] and saved.versions == []
    assert saved.draft_name == ""
