"""Every message renders in Italian, HTML (autoescaped) and plain text, with the pages' formats."""

from datetime import UTC, datetime

import pytest

from ts_store.domain.notifications import MessageKind
from ts_store.mail.render import HIDDEN_LINK, build_email, render

URL = "https://store.example.it"
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
