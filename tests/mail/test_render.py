"""Every message renders in Italian, HTML (autoescaped) and plain text, with the pages' formats."""

from datetime import UTC, datetime

import pytest

from ts_store.domain.notifications import MessageKind
from ts_store.mail.render import HIDDEN_LINK, build_email, render

URL = "https://store.example.it"
LICENCE = {"licence_id": 7, "plan_name": "Pro", "cycle": "monthly", "seats": 5}
SAMPLES: dict[MessageKind, dict] = {
    MessageKind.WELCOME: {"licence_id": 3, "trial_days": 15, "trial_ends_on": "2026-12-13"},
    MessageKind.REGISTRATION_ATTEMPT: {"attempted_on": "2026-11-28"},
    MessageKind.SUPPORT_RECEIVED: {
        "reference": 42,
        "subject": "Fatturazione e pagamenti",
        "message": "Vorrei la fattura di ottobre.\nGrazie",
        "licence_id": 7,
        "store_email": "store@teamsystem.com",
    },
    MessageKind.PASSWORD_RESET: {
        "reset_token": "tok_abc-123",
        "expires_at": "2026-11-28T09:30:00+00:00",
        "valid_minutes": 30,
    },
    MessageKind.PASSWORD_CHANGED: {"changed_at": "2026-11-28T09:05:00+00:00"},
    MessageKind.PURCHASE_CONFIRMED: {
        **LICENCE,
        "document_id": 1,
        "document_number": "2026/000001",
        "net_cents": 125000,
        "vat_cents": 27500,
        "gross_cents": 152500,
        "vat_percent": "22",
        "next_renewal_on": "2027-11-28",
        "renewal_gross_cents": 152500,
    },
    MessageKind.CHANGE_CONFIRMED: {
        **LICENCE,
        "charged_gross_cents": 3660,
        "document_id": 2,
        "document_number": "2026/000002",
        "next_renewal_on": "2026-12-10",
        "renewal_plan_name": "Pro",
        "renewal_cycle": "monthly",
        "renewal_seats": 5,
        "renewal_gross_cents": 15250,
    },
    MessageKind.SCHEDULED_CHANGE_SAVED: {
        "licence_id": 7,
        "renewal_on": "2026-12-10",
        "renewal_plan_name": "Smart",
        "renewal_cycle": "annual",
        "renewal_seats": 2,
        "renewal_gross_cents": 36600,
    },
    MessageKind.SCHEDULED_CHANGE_APPLIED: {**LICENCE, "applied_on": "2026-12-10"},
    MessageKind.RENEWAL_UPCOMING: {
        **LICENCE,
        "cycle": "annual",
        "renewal_on": "2026-12-28",
        "renewal_gross_cents": 152500,
        "card_brand": "visa",
        "card_last4": "4242",
    },
    MessageKind.RENEWAL_PAID: {
        **LICENCE,
        "document_id": 3,
        "document_number": "2026/000003",
        "gross_cents": 15250,
        "period_start": "2026-12-10",
        "period_end": "2027-01-10",
    },
    MessageKind.RENEWAL_FAILED: {
        "licence_id": 7,
        "gross_cents": 15250,
        "card_brand": "visa",
        "card_last4": "0341",
        "failure_code": "card_declined",
        "failure_params": {"decline_code": "card_declined"},
        "next_retry_on": "2026-12-11",
        "suspension_on": "2026-12-24",
    },
    MessageKind.LICENCE_SUSPENDED: {
        "licence_id": 7,
        "gross_cents": 15250,
        "suspended_on": "2026-12-24",
    },
    MessageKind.PAYMENT_RECOVERED: {
        "licence_id": 7,
        "gross_cents": 15250,
        "document_id": 4,
        "document_number": "2026/000004",
        "next_renewal_on": "2027-01-10",
    },
    MessageKind.TRIAL_ENDING: {"licence_id": 3, "trial_ends_on": "2026-12-01", "days_left": 3},
    MessageKind.TRIAL_ENDED: {
        "licence_id": 3,
        "ended_on": "2026-12-13",
        "retention_until": "2027-02-11",
    },
    MessageKind.CARD_EXPIRING: {
        "card_brand": "visa",
        "card_last4": "4242",
        "exp_month": 12,
        "exp_year": 2026,
    },
    MessageKind.CARD_REPLACED: {
        "card_brand": "mastercard",
        "card_last4": "4444",
        "exp_month": 3,
        "exp_year": 2030,
    },
    MessageKind.CANCELLATION_CONFIRMED: {
        "licence_id": 7,
        "end_on": "2026-12-10",
        "retention_until": "2027-02-08",
    },
    MessageKind.REACTIVATED: {
        "licence_id": 7,
        "next_renewal_on": "2026-12-10",
        "renewal_gross_cents": 15250,
    },
    MessageKind.PRICE_CHANGE_NOTICE: {
        **LICENCE,
        "effective_on": "2027-01-01",
        "renewal_on": "2027-01-10",
        "old_gross_cents": 15250,
        "new_gross_cents": 16470,
    },
    MessageKind.PRICE_CHANGE_WITHDRAWN: {
        **LICENCE,
        "renewal_on": "2027-01-10",
        "old_gross_cents": 15250,
    },
}


def _render(kind, **overrides):
    params = {"company_name": "Rossi S.r.l.", **SAMPLES[kind], **overrides}
    return render(kind, params, public_url=URL)


def test_every_kind_has_a_sample_here():
    assert set(SAMPLES) == set(MessageKind)


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_renders_both_formats_in_the_one_layout(kind):
    mail = _render(kind)
    assert mail.subject and "\n" not in mail.subject
    for body in (mail.text, mail.html):
        assert "Gentile Rossi S.r.l." in body
        assert "TS Store" in body and "store@teamsystem.com" in body
    assert mail.html.startswith("<!DOCTYPE html>") and '<html lang="it">' in mail.html
    assert "<script" not in mail.html


def test_dates_are_written_as_the_pages_write_them():
    assert "13/12/2026" in _render(MessageKind.WELCOME).text
    # 09:30 UTC is 10:30 in Rome in November
    assert "28/11/2026 10:30" in _render(MessageKind.PASSWORD_RESET).text


@pytest.mark.parametrize("kind", list(MessageKind))
def test_customer_text_is_escaped_in_html_and_kept_in_plain_text(kind):
    hostile = '<script>alert(1)</script><img src=x onerror="y">'
    mail = _render(kind, company_name=hostile)
    assert "<script>" not in mail.html and "<img" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert hostile in mail.text


def test_contact_receipt_copies_the_message_escaped():
    mail = _render(MessageKind.SUPPORT_RECEIVED, message="Ciao <b>staff</b> & grazie")
    assert "Ciao &lt;b&gt;staff&lt;/b&gt; &amp; grazie" in mail.html
    assert "Ciao <b>staff</b> & grazie" in mail.text
    assert mail.subject == "Abbiamo ricevuto la tua richiesta n. 42"


def test_reset_link_carries_the_token_and_is_hidden_without_it():
    mail = _render(MessageKind.PASSWORD_RESET)
    assert f"{URL}/nuova-password?token=tok_abc-123" in mail.text
    assert f'href="{URL}/nuova-password?token=tok_abc-123"' in mail.html
    params = {k: v for k, v in SAMPLES[MessageKind.PASSWORD_RESET].items() if k != "reset_token"}
    hidden = render(MessageKind.PASSWORD_RESET, {"company_name": "R", **params}, public_url=URL)
    assert HIDDEN_LINK in hidden.text and "token=" not in hidden.html


def test_a_missing_param_fails_loudly_instead_of_sending_a_hole():
    with pytest.raises(Exception, match="trial_ends_on"):
        render(MessageKind.WELCOME, {"company_name": "R", "trial_days": 15}, public_url=URL)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        render("not_a_kind", {}, public_url=URL)


def test_mime_message_has_both_parts_the_fixed_message_id_and_no_auto_replies():
    mail = _render(MessageKind.WELCOME)
    message = build_email(
        mail,
        sender="TS Store <store@teamsystem.com>",
        recipient="mario@rossi.it",
        message_id="<abc@teamsystem.com>",
        created_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
    )
    assert message["Message-ID"] == "<abc@teamsystem.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content() == mail.text
    assert message.get_body(("html",)).get_content() == mail.html
    assert message["Subject"] == mail.subject


def test_amounts_are_written_as_the_pages_write_them():
    mail = _render(MessageKind.PURCHASE_CONFIRMED)
    for expected in ("Totale pagato oggi: 1.525,00\xa0€", "IVA 22%: 275,00\xa0€", "28/11/2027"):
        assert expected in mail.text
    assert "Pro · 5 utenti · mensile" in mail.text
    assert "1.525,00\xa0€" in mail.html


def test_renewal_failure_says_amount_card_reason_retry_and_suspension_dates():
    text = _render(MessageKind.RENEWAL_FAILED).text
    for expected in (
        "152,50\xa0€",
        "Visa che termina con 0341",
        "La carta è stata rifiutata dalla banca.",  # the words the pages use for the code
        "Prossimo tentativo: 11/12/2026",
        "Sospensione se non pagato: 24/12/2026",
        f"{URL}/myarea/metodi-di-pagamento",
    ):
        assert expected in text


def test_last_retry_omits_the_next_retry_line():
    text = _render(MessageKind.RENEWAL_FAILED, next_retry_on=None).text
    assert "Prossimo tentativo" not in text


@pytest.mark.parametrize(("days", "subject"), [(3, "tra 3 giorni"), (1, "domani")])
def test_trial_ending_subject_counts_the_days(days, subject):
    assert subject in _render(MessageKind.TRIAL_ENDING, days_left=days).subject


def test_card_expiry_month_is_two_digits():
    assert (
        "scade a fine 03/2030"
        in _render(MessageKind.CARD_EXPIRING, exp_month=3, exp_year=2030).text
    )
