"""'Bozza del catalogo' page of the Laboratorio prezzi: the draft, 'Confronto', 'Impatto sui
clienti' and 'Anteprima' (docs/catalog-lab.md).

Product team only: the page and every handler check the role in the database again. Nothing
here stores anything or reaches Stripe: the sections read the draft from `DraftState` and ask
the use cases in `billing.catalog_lab`, which price with the domain quote.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta
from fractions import Fraction

import reflex as rx

from ts_store.billing import catalog_lab, clock
from ts_store.domain.calendar import parse_iso_date
from ts_store.domain.catalog import Catalog
from ts_store.domain.money import round_half_up
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.domain.price_comparison import ComparisonRow, mid_period
from ts_store.domain.price_impact import (
    NOTICE_DAYS,
    POLICY_LABELS,
    ImpactReport,
    LicenceImpact,
    Policy,
    impact_csv,
)
from ts_store.domain.quote import Configuration, CurrentTerm, QuoteError, quote
from ts_store.ui import routes
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.components.seat_stepper import next_seat_count, seat_stepper
from ts_store.ui.formatting import format_cents, format_date, format_percent, format_users
from ts_store.ui.pages.catalog_lab_draft import DraftState, draft_editor
from ts_store.ui.pages.catalog_lab_versions import SavedDraftsState, saved_drafts
from ts_store.ui.pages.plans import PlanCard, plan_card, plan_cards
from ts_store.ui.product_team import product_team_member_id
from ts_store.ui.session import customer_id_of
from ts_store.ui.theme import NATIVE_SELECT_STYLE

log = logging.getLogger(__name__)

SECTIONS = {
    "bozza": "Bozza del catalogo",
    "confronto": "Confronto",
    "impatto": "Impatto sui clienti",
    "anteprima": "Anteprima",
}
PREVIEW_BANNER = "Anteprima della bozza: nulla viene salvato né addebitato"
MAX_PREVIEW_SEATS = 100_000
_SHRINKABLE = {"width": "100%", "max_width": "100%", "min_width": "0"}


def signed_cents(cents: int | None) -> str:
    """A difference: "+10,00 €", "-5,00 €", "0,00 €"; "—" when one side cannot be quoted."""
    if cents is None:
        return "—"
    return ("+" if cents > 0 else "") + format_cents(cents)


def _cents_or_dash(cents: int | None) -> str:
    return "—" if cents is None else format_cents(cents)


def _exact_cents(value: Fraction) -> str:
    return format_cents(round_half_up(value))


# --- Confronto ---------------------------------------------------------------------------


@dataclasses.dataclass
class CompareRowView:
    group: str = ""
    label: str = ""
    published_now: str = ""
    draft_now: str = ""
    diff_now: str = ""
    published_renewal: str = ""
    draft_renewal: str = ""
    diff_renewal: str = ""
    note: str = ""
    changed: bool = False


def compare_row_view(row: ComparisonRow) -> CompareRowView:
    published, draft = row.published, row.draft

    def cell(outcome, net: str, gross: str) -> str:
        if not outcome.quoted:
            return "—"
        net_text, gross_text = (
            format_cents(getattr(outcome, net)),
            format_cents(getattr(outcome, gross)),
        )
        return f"{net_text} ({gross_text} IVA incl.)"

    notes = []
    if published.problem:
        notes.append(f"Pubblicato: {published.problem}")
    if draft.problem:
        notes.append(f"Bozza: {draft.problem}")
    diff_now, diff_renewal = row.difference("now_net"), row.difference("renewal_net")
    return CompareRowView(
        group=row.situation.group,
        label=row.situation.label,
        published_now=cell(published, "now_net", "now_gross"),
        draft_now=cell(draft, "now_net", "now_gross"),
        diff_now=signed_cents(diff_now),
        published_renewal=cell(published, "renewal_net", "renewal_gross"),
        draft_renewal=cell(draft, "renewal_net", "renewal_gross"),
        diff_renewal=signed_cents(diff_renewal),
        note=" · ".join(notes),
        changed=bool(diff_now) or bool(diff_renewal) or published.quoted != draft.quoted,
    )


class CompareState(rx.State):
    rows: list[CompareRowView] = []
    today_label: str = ""
    error: str = ""

    @rx.event
    async def refresh(self):
        if await product_team_member_id(self) is None:
            self.rows = []
            return
        catalog = (await self.get_state(DraftState)).draft_catalog()
        if catalog is None:
            self.rows, self.error = [], "Correggi la bozza per confrontarla."
            return
        today = clock.today()
        self.today_label = format_date(today)
        self.rows = [compare_row_view(row) for row in catalog_lab.comparison(catalog, today)]
        self.error = ""


# --- Impatto sui clienti -----------------------------------------------------------------


@dataclasses.dataclass
class BucketView:
    plan: str = ""
    cycle: str = ""
    licences: str = ""
    mrr_before: str = ""
    mrr_after: str = ""
    mrr_change: str = ""
    arr_before: str = ""
    arr_after: str = ""


@dataclasses.dataclass
class ChangeView:
    licence_id: str = ""
    customer: str = ""
    configuration: str = ""
    before: str = ""
    after: str = ""
    change: str = ""
    moves_on: str = ""


def _plan_name(catalog: Catalog, code: str) -> str:
    return catalog.plan(code).name if catalog.has_plan(code) else code


def _cycle_label(cycle: str) -> str:
    try:
        return CYCLE_LABELS[Cycle(cycle)]
    except ValueError:
        return cycle


def change_view(impact: LicenceImpact, catalog: Catalog) -> ChangeView:
    licence = impact.licence
    return ChangeView(
        licence_id=str(licence.licence_id),
        customer=licence.customer,
        configuration=(
            f"{_plan_name(catalog, licence.renewal_plan)} · {format_users(licence.renewal_seats)}"
            f" · {_cycle_label(licence.renewal_cycle).lower()}"
        ),
        before=_cents_or_dash(impact.before_net),
        after=_cents_or_dash(impact.after_net),
        change=signed_cents(impact.change),
        moves_on=format_date(impact.moves_on) if impact.moves_on else "—",
    )


def bucket_views(report: ImpactReport, catalog: Catalog) -> list[BucketView]:
    rows = [
        BucketView(
            plan=_plan_name(catalog, bucket.plan),
            cycle=_cycle_label(bucket.cycle),
            licences=str(bucket.licences),
            mrr_before=_exact_cents(bucket.mrr_before),
            mrr_after=_exact_cents(bucket.mrr_after),
            mrr_change=signed_cents(
                round_half_up(bucket.mrr_after) - round_half_up(bucket.mrr_before)
            ),
            arr_before=_exact_cents(12 * bucket.mrr_before),
            arr_after=_exact_cents(12 * bucket.mrr_after),
        )
        for bucket in report.buckets
    ]
    rows.append(
        BucketView(
            plan="Totale",
            cycle="",
            licences=str(sum(bucket.licences for bucket in report.buckets)),
            mrr_before=_exact_cents(report.mrr_before),
            mrr_after=_exact_cents(report.mrr_after),
            mrr_change=signed_cents(
                round_half_up(report.mrr_after) - round_half_up(report.mrr_before)
            ),
            arr_before=_exact_cents(12 * report.mrr_before),
            arr_after=_exact_cents(12 * report.mrr_after),
        )
    )
    return rows


class ImpactState(rx.State):
    policy: str = Policy.AT_RENEWAL.value
    effective_on: str = ""
    running: bool = False
    progress: int = 0
    progress_label: str = ""
    error: str = ""
    has_result: bool = False
    summary: list[str] = []
    buckets: list[BucketView] = []
    top: list[ChangeView] = []
    _csv: str = ""

    @rx.event
    async def prepare(self):
        if await product_team_member_id(self) is None:
            return
        if not self.effective_on:
            self.effective_on = clock.today().isoformat()

    @rx.event
    async def set_policy(self, value: str):
        if await product_team_member_id(self) is None:
            return
        if value in (Policy.KEEP, Policy.AT_RENEWAL):
            self.policy = value
            self.has_result = False

    @rx.event
    async def set_effective_on(self, value: str):
        if await product_team_member_id(self) is None:
            return
        if isinstance(value, str) and len(value) <= 10:
            self.effective_on = value
            self.has_result = False

    def _effective_date(self, today: date) -> date | None:
        try:
            value = parse_iso_date(self.effective_on)
        except (TypeError, ValueError):
            value = None
        if value is None:
            self.error = "Data di efficacia: scegli una data."
            return None
        latest = today + timedelta(days=catalog_lab.MAX_EFFECTIVE_DAYS)
        if not today <= value <= latest:
            self.error = (
                f"Data di efficacia: scegli una data tra il {format_date(today)} "
                f"e il {format_date(latest)}."
            )
            return None
        return value

    @rx.event(background=True)
    async def compute(self):
        """Price every live licence in the background, showing how far it got."""
        async with self:
            if self.running or await product_team_member_id(self) is None:
                return
            catalog = (await self.get_state(DraftState)).draft_catalog()
            if catalog is None:
                self.error = "Correggi la bozza per calcolarne l'impatto."
                self.has_result = False
                return
            today = clock.today()
            effective_on = self._effective_date(today)
            if effective_on is None:
                self.has_result = False
                return
            policy = Policy(self.policy)
            self.error = ""
            self.running, self.progress, self.progress_label = True, 0, "Lettura delle licenze…"

        async def progress(done: int, total: int) -> None:
            async with self:
                self.progress = 100 if total == 0 else done * 100 // total
                self.progress_label = f"{done} di {total} licenze"

        try:
            report = await catalog_lab.impact(catalog, policy, effective_on, today, progress)
        except Exception:
            log.exception("impact of a draft catalogue failed")
            async with self:
                self.running = False
                self.error = "Calcolo dell'impatto non riuscito: riprova o guarda il log."
            return
        published = catalog_lab.published_catalog()
        summary = _summary_lines(report, policy, effective_on, today)
        buckets = bucket_views(report, published)
        top = [change_view(impact, published) for impact in report.top]
        csv_text = impact_csv(report)
        async with self:
            self.summary, self.buckets, self.top, self._csv = summary, buckets, top, csv_text
            self.running, self.has_result, self.progress = False, True, 100

    @rx.event
    async def download_csv(self):
        if await product_team_member_id(self) is None or not self.has_result:
            return None
        return rx.download(data=self._csv, filename="impatto-bozza.csv")


def _summary_lines(
    report: ImpactReport, policy: Policy, effective_on: date, today: date
) -> list[str]:
    lines = [
        f"Politica {POLICY_LABELS[policy]}; data di efficacia {format_date(effective_on)}.",
        f"Licenze considerate: {report.considered} (attive e con pagamento non riuscito).",
        f"Pagheranno di più: {report.more} · di meno: {report.less} · lo stesso: {report.same}.",
    ]
    if policy == Policy.AT_RENEWAL:
        first = max(effective_on, today + timedelta(days=NOTICE_DAYS))
        lines.append(
            f"Cambiano prezzo già al prossimo rinnovo: {report.moving_at_next_renewal} "
            f"(nessun rinnovo al nuovo prezzo prima del {format_date(first)}: "
            f"preavviso di {NOTICE_DAYS} giorni)."
        )
    if report.unpriced:
        lines.append(
            f"Da rivedere: {report.unpriced} licenze che la bozza non sa prezzare "
            "(piano rimosso o utenti fuori dai limiti): sono nel CSV con il motivo."
        )
    lines.append(
        f"In disdetta (non si rinnovano, a parte): {report.cancelling}, MRR "
        f"{_exact_cents(report.cancelling_mrr)} che termina con loro."
    )
    return lines


# --- Anteprima ---------------------------------------------------------------------------


@dataclasses.dataclass
class PlanChoice:
    """A plan in the wizard's dropdown and in the "Cambia piano" cards (same words)."""

    code: str = ""
    label: str = ""
    name: str = ""
    monthly: str = ""
    annual: str = ""
    limits: str = ""


def _seats(raw: object) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > 6
        or not 0 < int(text) <= MAX_PREVIEW_SEATS
    ):
        return None
    return int(text)


class PreviewState(rx.State):
    """The draft shown as the customer's pages. Pure: handlers call the quote and nothing else."""

    ready: bool = False
    error: str = ""
    vat_note: str = ""
    plans: list[PlanCard] = []  # '/piani' with the draft
    plan_choices: list[PlanChoice] = []
    buy_plan: str = ""
    buy_cycle: str = Cycle.MONTHLY.value
    buy_seats: str = "5"
    buy_error: str = ""
    buy_view: QuoteView = QuoteView()
    sample_label: str = ""
    change_plan: str = ""
    change_cycle: str = Cycle.MONTHLY.value
    change_seats: str = "5"
    change_error: str = ""
    change_view: QuoteView = QuoteView()
    sample_plan: str = ""
    buy_plan_note: str = ""
    buy_saving: str = ""
    _sample: dict = {}

    async def _catalog(self) -> Catalog | None:
        if await product_team_member_id(self) is None:
            self.ready = False
            return None
        catalog = (await self.get_state(DraftState)).draft_catalog()
        if catalog is None:
            self.ready, self.error = False, "Correggi la bozza per vederne l'anteprima."
        return catalog

    @rx.event
    async def refresh(self):
        catalog = await self._catalog()
        if catalog is None:
            return
        self.error = ""
        self.vat_note = (
            f"Prezzi IVA esclusa (IVA {format_percent(catalog.vat_percent)}). "
            "Puoi cambiare piano, utenti e fatturazione in ogni momento dalla tua area."
        )
        self.plans = plan_cards(catalog)
        self.plan_choices = [
            PlanChoice(
                code=plan.code,
                label=(
                    f"{plan.name} — {format_cents(plan.monthly_cents)}/mese, "
                    f"{format_cents(plan.annual_cents)}/anno"
                ),
                name=plan.name,
                monthly=f"{format_cents(plan.monthly_cents)} per utente al mese",
                annual=f"{format_cents(plan.annual_cents)} per utente all'anno",
                limits=f"Da {plan.min_seats} a {plan.max_seats} utenti",
            )
            for plan in catalog.plans
        ]
        codes = catalog.plan_codes()
        if self.buy_plan not in codes:
            self.buy_plan = "pro" if "pro" in codes else codes[0]
        if self.change_plan not in codes:
            self.change_plan = self.buy_plan
        sample_plan = catalog.plan("pro" if "pro" in codes else codes[0])
        seats = min(max(2, sample_plan.min_seats), sample_plan.max_seats)
        today = clock.today()
        start, end = mid_period(today, Cycle.MONTHLY)
        self._sample = {"plan": sample_plan.code, "seats": seats, "start": start, "end": end}
        self.sample_plan = sample_plan.code
        self.sample_label = (
            f"Licenza di esempio: piano {sample_plan.name}, {format_users(seats)}, mensile, "
            f"periodo dal {format_date(start)} al {format_date(end - timedelta(days=1))}; "
            f"oggi è il {format_date(today)}."
        )
        self.ready = True
        self._quote_purchase(catalog, today)
        self._quote_change(catalog, today)

    def _quote_purchase(self, catalog: Catalog, today: date) -> None:
        if catalog.has_plan(self.buy_plan):
            plan = catalog.plan(self.buy_plan)
            self.buy_plan_note = (
                f"Il piano {plan.name} consente da {plan.min_seats} a {plan.max_seats} utenti."
            )
            self.buy_saving = (
                f"Con la fatturazione annuale risparmi {format_cents(plan.annual_saving_cents())} "
                "per utente all'anno."
            )
        seats = _seats(self.buy_seats)
        if seats is None:
            self.buy_error = "Numero utenti: scrivi un numero intero maggiore di zero."
            return
        try:
            result = quote(
                catalog, today, None, Configuration(self.buy_plan, Cycle(self.buy_cycle), seats)
            )
        except QuoteError as error:
            self.buy_error = error.message
            return
        self.buy_error = ""
        self.buy_view = quote_view(result, catalog)

    def _quote_change(self, catalog: Catalog, today: date) -> None:
        sample = self._sample
        seats = _seats(self.change_seats)
        if seats is None:
            self.change_error = "Numero utenti: scrivi un numero intero maggiore di zero."
            return
        if not sample or not catalog.has_plan(sample["plan"]):
            self.change_error = "La licenza di esempio non è più valida: aggiorna l'anteprima."
            return
        current = CurrentTerm(
            Configuration(sample["plan"], Cycle.MONTHLY, sample["seats"]),
            sample["start"],
            sample["end"],
        )
        target = Configuration(self.change_plan, Cycle(self.change_cycle), seats)
        try:
            result = quote(catalog, today, current, target)
        except QuoteError as error:
            self.change_error = error.message
            return
        self.change_error = ""
        self.change_view = quote_view(result, catalog)

    async def _set(self, form: str, name: str, value: object) -> None:
        """One field of the wizard ("buy") or of the licence change ("change"), re-quoted."""
        catalog = await self._catalog()
        if catalog is None or not self._accept(catalog, name, value):
            return
        setattr(self, f"{form}_{name}", value)
        if form == "buy":
            self._quote_purchase(catalog, clock.today())
        else:
            self._quote_change(catalog, clock.today())

    @rx.event
    async def set_buy(self, name: str, value: str):
        await self._set("buy", name, value)

    @rx.event
    async def set_change(self, name: str, value: str):
        await self._set("change", name, value)

    @rx.event
    async def step_buy(self, delta: int):
        """The stepper's "−"/"+" (as the wizard's: no clamping, the quote explains limits)."""
        if delta in (-1, 1) and not isinstance(delta, bool):
            await self._set("buy", "seats", next_seat_count(self.buy_seats, delta))

    @rx.event
    async def step_change(self, delta: int):
        if delta in (-1, 1) and not isinstance(delta, bool):
            await self._set("change", "seats", next_seat_count(self.change_seats, delta))

    @staticmethod
    def _accept(catalog: Catalog, name: str, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if name == "plan":
            return catalog.has_plan(value)
        if name == "cycle":
            return value in (Cycle.MONTHLY, Cycle.ANNUAL)
        return name == "seats" and len(value) <= 7


# --- the page ----------------------------------------------------------------------------


class CatalogLabState(rx.State):
    allowed: bool = False
    loaded: bool = False
    section: str = "bozza"

    @rx.event
    async def load(self):
        if await customer_id_of(self) is None:
            return rx.redirect(routes.login_url(routes.CATALOG_LAB))
        self.allowed = await product_team_member_id(self) is not None
        self.loaded = True
        if not self.allowed:
            return None
        return [DraftState.load, SavedDraftsState.load, ImpactState.prepare]

    @rx.event
    async def show(self, section: str):
        if await product_team_member_id(self) is None:
            self.allowed = False
            return None
        if section not in SECTIONS:
            return None
        self.section = section
        if section == "confronto":
            return CompareState.refresh
        if section == "anteprima":
            return PreviewState.refresh
        return None


def _section_buttons() -> rx.Component:
    return rx.flex(
        *[
            rx.button(
                label,
                on_click=CatalogLabState.show(key),
                variant=rx.cond(CatalogLabState.section == key, "solid", "soft"),
                id=f"section-{key}",
                custom_attrs={
                    "aria-pressed": rx.cond(CatalogLabState.section == key, "true", "false")
                },
            )
            for key, label in SECTIONS.items()
        ],
        wrap="wrap",
        gap="2",
        custom_attrs={"role": "toolbar", "aria-label": "Sezioni del laboratorio"},
    )


def _table(headers: list[str], body: rx.Component, table_id: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            body,
            size="1",
            width="100%",
            id=table_id,
        ),
        overflow_x="auto",
        **_SHRINKABLE,
    )


def _compare_section() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Situazioni tipiche calcolate con il catalogo pubblicato e con la bozza, alla data "
            "del ",
            CompareState.today_label,
            ". Importi IVA esclusa (tra parentesi con IVA); differenza = bozza − pubblicato.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(CompareState.error != "", error_callout(CompareState.error, "compare-error")),
        _table(
            [
                "Situazione",
                "Oggi: pubblicato",
                "Oggi: bozza",
                "Differenza",
                "Al rinnovo: pubblicato",
                "Al rinnovo: bozza",
                "Differenza",
            ],
            rx.table.body(
                rx.foreach(
                    CompareState.rows,
                    lambda row: rx.table.row(
                        rx.table.row_header_cell(
                            rx.vstack(
                                rx.text(row.label, size="2", weight="medium"),
                                rx.text(row.group, size="1", color_scheme="gray"),
                                rx.cond(
                                    row.note != "",
                                    rx.text(row.note, size="1", color_scheme="orange"),
                                ),
                                spacing="0",
                            )
                        ),
                        rx.table.cell(row.published_now),
                        rx.table.cell(row.draft_now),
                        rx.table.cell(rx.text.strong(row.diff_now), class_name="compare-diff-now"),
                        rx.table.cell(row.published_renewal),
                        rx.table.cell(row.draft_renewal),
                        rx.table.cell(
                            rx.text.strong(row.diff_renewal), class_name="compare-diff-renewal"
                        ),
                        class_name="compare-row",
                        background=rx.cond(row.changed, "var(--amber-a2)", "transparent"),
                    ),
                )
            ),
            "compare-table",
        ),
        spacing="3",
        **_SHRINKABLE,
    )


def _impact_section() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Per ogni licenza attiva o con pagamento non riuscito: il rinnovo con il catalogo "
            "pubblicato e con la bozza, secondo la politica scelta. MRR: un rinnovo annuale "
            "conta 1/12 al mese; ARR = 12 × MRR; importi IVA esclusa.",
            size="2",
            color_scheme="gray",
        ),
        rx.grid(
            rx.vstack(
                rx.el.label(
                    "Politica per i clienti attuali",
                    html_for="impact-policy",
                    font_size="var(--font-size-1)",
                ),
                rx.el.select(
                    *[
                        rx.el.option(label, value=policy.value)
                        for policy, label in POLICY_LABELS.items()
                    ],
                    value=ImpactState.policy,
                    on_change=ImpactState.set_policy,
                    id="impact-policy",
                    style=NATIVE_SELECT_STYLE,
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                rx.el.label(
                    "Data di efficacia", html_for="impact-effective", font_size="var(--font-size-1)"
                ),
                rx.input(
                    type="date",
                    value=ImpactState.effective_on,
                    on_change=ImpactState.set_effective_on,
                    id="impact-effective",
                ),
                spacing="1",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.button(
                rx.cond(ImpactState.running, rx.spinner(size="1"), rx.icon("calculator", size=16)),
                "Calcola l'impatto",
                on_click=ImpactState.compute,
                disabled=ImpactState.running,
                id="impact-compute",
            ),
            rx.button(
                rx.icon("download", size=16),
                "Scarica CSV",
                on_click=ImpactState.download_csv,
                variant="outline",
                disabled=~ImpactState.has_result,
                id="impact-csv",
            ),
            wrap="wrap",
            spacing="2",
        ),
        rx.cond(
            ImpactState.running,
            rx.vstack(
                rx.progress(value=ImpactState.progress, max=100, id="impact-progress"),
                rx.text(ImpactState.progress_label, size="1", color_scheme="gray"),
                width="100%",
            ),
        ),
        rx.cond(ImpactState.error != "", error_callout(ImpactState.error, "impact-error")),
        rx.cond(
            ImpactState.has_result & ~ImpactState.running,
            rx.vstack(
                rx.callout(
                    rx.vstack(
                        rx.foreach(ImpactState.summary, lambda line: rx.text(line, size="2")),
                        spacing="1",
                    ),
                    icon="users",
                    id="impact-summary",
                ),
                rx.heading("MRR e ARR per piano e ciclo", size="3", as_="h3"),
                _table(
                    [
                        "Piano",
                        "Ciclo",
                        "Licenze",
                        "MRR prima",
                        "MRR dopo",
                        "Variazione MRR",
                        "ARR prima",
                        "ARR dopo",
                    ],
                    rx.table.body(
                        rx.foreach(
                            ImpactState.buckets,
                            lambda row: rx.table.row(
                                rx.table.row_header_cell(row.plan),
                                rx.table.cell(row.cycle),
                                rx.table.cell(row.licences),
                                rx.table.cell(row.mrr_before),
                                rx.table.cell(row.mrr_after),
                                rx.table.cell(rx.text.strong(row.mrr_change)),
                                rx.table.cell(row.arr_before),
                                rx.table.cell(row.arr_after),
                                class_name="impact-bucket",
                            ),
                        )
                    ),
                    "impact-buckets",
                ),
                rx.heading("Le 10 variazioni più grandi", size="3", as_="h3"),
                rx.cond(
                    ImpactState.top.length() == 0,
                    rx.text("Nessuna licenza cambia prezzo.", size="2", color_scheme="gray"),
                    _table(
                        [
                            "Licenza",
                            "Cliente",
                            "Al rinnovo",
                            "Prima",
                            "Dopo",
                            "Differenza",
                            "Nuovo prezzo dal",
                        ],
                        rx.table.body(
                            rx.foreach(
                                ImpactState.top,
                                lambda row: rx.table.row(
                                    rx.table.cell(row.licence_id),
                                    rx.table.row_header_cell(row.customer),
                                    rx.table.cell(row.configuration),
                                    rx.table.cell(row.before),
                                    rx.table.cell(row.after),
                                    rx.table.cell(rx.text.strong(row.change)),
                                    rx.table.cell(row.moves_on),
                                    class_name="impact-top",
                                ),
                            )
                        ),
                        "impact-top",
                    ),
                ),
                spacing="3",
                **_SHRINKABLE,
            ),
        ),
        spacing="3",
        **_SHRINKABLE,
    )


def _preview_plan_card(card: PlanCard) -> rx.Component:
    return plan_card(card, heading="h3", id_prefix="preview-plan-")


def _cycle_control(value, on_change, control_id: str) -> rx.Component:
    return rx.vstack(
        rx.text("Fatturazione", weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item("Mensile", value="monthly"),
            rx.segmented_control.item("Annuale", value="annual"),
            value=value,
            on_change=on_change,
            id=control_id,
        ),
        spacing="2",
    )


def _preview_configure() -> rx.Component:
    """The wizard's "Configura la licenza" (purchase/configure.py) with the draft's prices."""
    editor = rx.vstack(
        seat_stepper(
            PreviewState.buy_seats,
            lambda value: PreviewState.set_buy("seats", value),
            PreviewState.step_buy(-1),
            PreviewState.step_buy(1),
            base_id="preview-buy-seats",
            input_id="preview-buy-seats",
        ),
        rx.text(PreviewState.buy_plan_note, size="1", color_scheme="gray"),
        field_label(
            rx.fragment(
                "Piano ",
                rx.text.span("(prezzi per utente, IVA esclusa)", color_scheme="gray", size="2"),
            ),
            "preview-buy-plan",
        ),
        rx.el.select(
            rx.foreach(
                PreviewState.plan_choices,
                lambda choice: rx.el.option(choice.label, value=choice.code),
            ),
            value=PreviewState.buy_plan,
            on_change=lambda value: PreviewState.set_buy("plan", value),
            id="preview-buy-plan",
            style=NATIVE_SELECT_STYLE,
        ),
        _cycle_control(
            PreviewState.buy_cycle,
            lambda value: PreviewState.set_buy("cycle", value),
            "preview-buy-cycle",
        ),
        rx.text(PreviewState.buy_saving, size="2", color_scheme="green"),
        rx.button("Continua", size="3", disabled=True, title="Anteprima: nessun acquisto"),
        spacing="2",
        width="100%",
    )
    summary = rx.cond(
        PreviewState.buy_error != "",
        rx.callout(
            PreviewState.buy_error, icon="info", color_scheme="orange", id="preview-buy-error"
        ),
        quote_summary(PreviewState.buy_view, prefix="preview-buy"),
    )
    return rx.grid(
        editor, summary, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%"
    )


def _preview_plan_choice(choice: PlanChoice) -> rx.Component:
    """A "Cambia piano" card (licence/plan_tab.py) with the draft's prices."""
    selected = PreviewState.change_plan == choice.code
    current = PreviewState.sample_plan == choice.code
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(choice.name, size="4", as_="h3"),
                rx.cond(current, rx.badge("Piano attuale", color_scheme="green")),
                rx.cond(selected & ~current, rx.badge("Selezionato")),
                wrap="wrap",
                spacing="2",
            ),
            rx.text(choice.monthly, size="2"),
            rx.text(choice.annual, size="2", color_scheme="gray"),
            rx.text(choice.limits, size="1", color_scheme="gray"),
            rx.button(
                rx.cond(selected, "Scelto", "Scegli"),
                on_click=PreviewState.set_change("plan", choice.code),
                variant=rx.cond(selected, "solid", "outline"),
                size="2",
                id="preview-choose-" + choice.code,
            ),
            spacing="2",
        ),
        border=rx.cond(selected, "2px solid var(--accent-9)", "1px solid var(--gray-a5)"),
    )


def _preview_change() -> rx.Component:
    """ "Aggiorna servizi" and "Cambia piano" (licence/seats_tab.py, plan_tab.py) for a sample
    licence, with one live summary of the whole target, as the licence page shows it."""
    summary = rx.cond(
        PreviewState.change_error != "",
        rx.callout(
            PreviewState.change_error,
            icon="info",
            color_scheme="orange",
            id="preview-change-error",
        ),
        quote_summary(PreviewState.change_view, prefix="preview-change"),
    )
    return rx.vstack(
        rx.text(PreviewState.sample_label, size="2", id="preview-sample"),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Aggiorna servizi", value="utenti"),
                rx.tabs.trigger("Cambia piano", value="piano"),
            ),
            rx.tabs.content(
                rx.vstack(
                    rx.text(
                        "Aumenta o diminuisci gli utenti. Paghi oggi solo il rateo degli utenti "
                        "aggiunti per il resto del periodo; le riduzioni valgono dal rinnovo "
                        "(nessun rimborso).",
                        size="2",
                        color_scheme="gray",
                    ),
                    seat_stepper(
                        PreviewState.change_seats,
                        lambda value: PreviewState.set_change("seats", value),
                        PreviewState.step_change(-1),
                        PreviewState.step_change(1),
                        base_id="preview-change-seats",
                        input_id="preview-change-seats",
                    ),
                    spacing="2",
                    padding_top="1rem",
                ),
                value="utenti",
            ),
            rx.tabs.content(
                rx.vstack(
                    rx.text(
                        "Il passaggio a un piano superiore vale da oggi (paghi il rateo della "
                        "differenza); un piano inferiore o un cambio di fatturazione valgono "
                        "dal rinnovo.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.grid(
                        rx.foreach(PreviewState.plan_choices, _preview_plan_choice),
                        columns=rx.breakpoints(initial="1", sm="3"),
                        spacing="3",
                        width="100%",
                    ),
                    _cycle_control(
                        PreviewState.change_cycle,
                        lambda value: PreviewState.set_change("cycle", value),
                        "preview-change-cycle",
                    ),
                    spacing="3",
                    padding_top="1rem",
                    width="100%",
                ),
                value="piano",
            ),
            default_value="utenti",
            width="100%",
        ),
        rx.box(summary, max_width="32rem", width="100%"),
        spacing="3",
        width="100%",
    )


def _preview_section() -> rx.Component:
    return rx.vstack(
        rx.callout(PREVIEW_BANNER, icon="eye", color_scheme="amber", id="preview-banner", size="2"),
        rx.cond(PreviewState.error != "", error_callout(PreviewState.error, "preview-error")),
        rx.cond(
            PreviewState.ready,
            rx.vstack(
                rx.heading("Confronta i piani", size="4", as_="h2"),
                rx.text(PreviewState.vat_note, color_scheme="gray", size="2"),
                rx.grid(
                    rx.foreach(PreviewState.plans, _preview_plan_card),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                    id="preview-plans",
                ),
                rx.separator(),
                rx.heading("Acquista ora: Configura la licenza", size="4", as_="h2"),
                _preview_configure(),
                rx.separator(),
                rx.heading("Gestione licenza", size="4", as_="h2"),
                _preview_change(),
                spacing="4",
                **_SHRINKABLE,
            ),
        ),
        spacing="4",
        **_SHRINKABLE,
    )


def catalog_lab_page() -> rx.Component:
    return page_shell(
        rx.cond(
            CatalogLabState.loaded,
            rx.cond(
                CatalogLabState.allowed,
                rx.vstack(
                    _section_buttons(),
                    rx.card(
                        rx.match(
                            CatalogLabState.section,
                            ("confronto", _compare_section()),
                            ("impatto", _impact_section()),
                            ("anteprima", _preview_section()),
                            rx.vstack(
                                saved_drafts(), rx.separator(), draft_editor(), **_SHRINKABLE
                            ),
                        ),
                        id="catalog-lab-section",
                        **_SHRINKABLE,
                    ),
                    spacing="4",
                    **_SHRINKABLE,
                ),
                rx.callout(
                    "Questa pagina è riservata al product team.",
                    icon="lock",
                    color_scheme="orange",
                    id="catalog-lab-forbidden",
                ),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="2rem"),
        ),
        title="Laboratorio prezzi: bozza del catalogo",
    )
