"""The Reflex app: the bootstrap, pages and routes only. Everything else lives in the layers
below."""

from __future__ import annotations

import os

import reflex as rx
from starlette.applications import Starlette

from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.renewal_task import periodic_reconciliation, periodic_renewals
from ts_store.billing.sdi_sender import periodic_sdi_sync
from ts_store.billing.seller_config import current_seller
from ts_store.billing.webhooks import handle_event
from ts_store.mail.sender import periodic_sending
from ts_store.payments.webhook import webhook_route
from ts_store.ui import routes
from ts_store.ui.components.connection_notice import app_overlay
from ts_store.ui.components.stripe_card import BRIDGE_SCRIPT
from ts_store.ui.errors import backend_exception_handler
from ts_store.ui.event_guard import install_event_guard
from ts_store.ui.http_headers import HardenedApp, SecurityHeaders, frontend_build_dir
from ts_store.ui.pages.billing_data import BillingDataState, billing_data_page
from ts_store.ui.pages.catalog_lab import CatalogLabState, catalog_lab_page
from ts_store.ui.pages.contact import ContactState, contact_page
from ts_store.ui.pages.documents import DocumentsState, documents_page
from ts_store.ui.pages.einvoices import EinvoicesState, einvoices_page
from ts_store.ui.pages.lab import LabState, lab_page
from ts_store.ui.pages.lab_pricing import PricingLabState
from ts_store.ui.pages.lab_versions import SimulationState, VersionsState
from ts_store.ui.pages.licence import LicenceState, licence_page
from ts_store.ui.pages.login import login_page
from ts_store.ui.pages.myarea import MyAreaState, myarea_page
from ts_store.ui.pages.password_reset import (
    ResetPasswordState,
    forgot_password_page,
    reset_password_page,
)
from ts_store.ui.pages.payment_methods import PaymentMethodsState, payment_methods_page
from ts_store.ui.pages.plans import PlansState, plans_page
from ts_store.ui.pages.purchase import PurchaseState, purchase_page
from ts_store.ui.pages.register import RegisterState, register_page
from ts_store.ui.pages.sent_mail import SentMailState, sent_mail_page
from ts_store.ui.session import SECURE_COOKIE, SessionState, is_anonymous
from ts_store.ui.state_manager import install_bounded_state_manager
from ts_store.ui.theme import global_style

# Appliers, gateway, clock and catalogue for every use case of this process (before any page).
services = bootstrap()
current_seller()  # the store's fiscal data: a wrong setting stops the app here, naming it

app = HardenedApp(
    style=global_style,
    toaster=None,  # nothing uses toasts; the connection notice below needs no toast library
    head_components=[rx.script(src=BRIDGE_SCRIPT), rx.script(src="/a11y.js")],
    stylesheets=["/a11y.css"],
    html_lang="it",  # screen readers read the Italian UI with an Italian voice
    backend_exception_handler=backend_exception_handler,
    api_transformer=[
        Starlette(
            routes=[
                webhook_route(
                    routes.STRIPE_WEBHOOK, services.gateway.settings.webhook_secret, handle_event
                )
            ]
        ),
    ],
    # around everything, CORS preflight answers included (issue #15; docs/security.md)
    security_headers=SecurityHeaders(
        stripe_urls=[services.gateway.settings.js_url, services.gateway.settings.api_base or ""],
        https=SECURE_COOKIE,
        static_dir=frontend_build_dir,
    ),
)
app.app_wraps[(5, "Overlay")] = app_overlay
install_bounded_state_manager(app, is_anonymous=is_anonymous)
install_event_guard(app)  # every event checked against its handler's signature first

app.add_page(
    rx.fragment(), route="/", on_load=SessionState.redirect_if_logged_in_or_login, title="TS Store"
)
app.add_page(
    login_page,
    route=routes.LOGIN,
    title="Accedi · TS Store",
    on_load=SessionState.redirect_if_logged_in,
)
app.add_page(
    register_page,
    route=routes.REGISTER,
    title="Registrati · TS Store",
    on_load=[SessionState.redirect_if_logged_in, RegisterState.start_over],
)
app.add_page(
    myarea_page,
    route=routes.MYAREA,
    title="I miei abbonamenti · TS Store",
    on_load=[SessionState.require_login, MyAreaState.load],
)
app.add_page(
    contact_page,
    route=routes.CONTACT,
    title="Contattaci · TS Store",
    on_load=[SessionState.require_login, ContactState.load],
)
app.add_page(
    plans_page,
    route=routes.PLANS,
    title="Confronta i piani · TS Store",
    on_load=[SessionState.refresh, PlansState.load],
)
app.add_page(
    licence_page,
    route=routes.LICENCE,
    title="Gestione licenza · TS Store",
    on_load=[SessionState.require_login, LicenceState.load],
)
app.add_page(
    lab_page,
    route=routes.LAB,
    title="Laboratorio prezzi · TS Store",
    on_load=[
        SessionState.require_login,
        LabState.load,
        PricingLabState.load,
        VersionsState.load,
        SimulationState.load,
    ],
)
app.add_page(
    catalog_lab_page,
    route=routes.CATALOG_LAB,
    title="Bozza del catalogo · Laboratorio prezzi · TS Store",
    on_load=[SessionState.require_login, CatalogLabState.load],
)
# Renewals, dunning, trial ends and retention every TS_STORE_RENEWAL_INTERVAL_SECONDS (0: off).
app.register_lifespan_task(periodic_renewals)
# Lost Stripe answers, extra and late payments every TS_STORE_RECONCILE_INTERVAL_SECONDS (30 s;
# 0: off, use `python -m ts_store.billing reconcile` from cron): docs/recovery.md.
app.register_lifespan_task(periodic_reconciliation)
# The outbox sender every TS_STORE_MAIL_INTERVAL_SECONDS (0: off; use python -m ts_store.mail).
app.register_lifespan_task(periodic_sending)
app.add_page(
    forgot_password_page,
    route=routes.FORGOT_PASSWORD,
    title="Password dimenticata · TS Store",
    on_load=SessionState.redirect_if_logged_in,
)
app.add_page(
    reset_password_page,
    route=routes.RESET_PASSWORD,
    title="Nuova password · TS Store",
    on_load=ResetPasswordState.load,
)
app.add_page(
    sent_mail_page,
    route=routes.SENT_MAIL,
    title="Posta inviata · TS Store",
    on_load=[SessionState.require_login, SentMailState.load],
)
# FatturaPA files to SDI every TS_STORE_SDI_INTERVAL_SECONDS (0: off), never inside a charge.
app.register_lifespan_task(periodic_sdi_sync)
app.add_page(
    purchase_page,
    route=routes.PURCHASE,
    title="Acquista ora · TS Store",
    on_load=[SessionState.require_login, PurchaseState.load],
)
app.add_page(
    payment_methods_page,
    route=routes.PAYMENT_METHODS,
    title="Metodi di pagamento · TS Store",
    on_load=[SessionState.require_login, PaymentMethodsState.load],
)
app.add_page(
    documents_page,
    route=routes.DOCUMENTS,
    title="Documenti · TS Store",
    on_load=[SessionState.require_login, DocumentsState.load],
)
app.add_page(
    billing_data_page,
    route=routes.BILLING_DATA,
    title="I tuoi dati di fatturazione · TS Store",
    on_load=[SessionState.require_login, BillingDataState.load],
)
app.add_page(
    einvoices_page,
    route=routes.EINVOICES,
    title="Fatture elettroniche · TS Store",
    on_load=[SessionState.require_login, EinvoicesState.load],
)

if os.environ.get("TS_STORE_BENCHMARK") == "1":  # benchmarks only: never mounted otherwise
    from ts_store.ui.pages.bench import (
        bench_page,
        bench_shell_page,
        bench_summary_page,
        install_counters,
        install_timer,
    )

    install_counters()
    install_timer(app)
    app.add_page(bench_page, route="/bench", title="Benchmark")
    app.add_page(bench_shell_page, route="/bench/pagina", title="Benchmark")
    app.add_page(bench_summary_page, route="/bench/riepilogo", title="Benchmark")
