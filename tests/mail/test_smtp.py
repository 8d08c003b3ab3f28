"""SMTP settings and one delivery against a real SMTP server (the project's sink)."""

from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from tests.fixtures.smtp import body_text, free_port
from ts_store.domain.notifications import DeliveryResult, MessageKind
from ts_store.mail.config import MailConfigError, parse_smtp_url, public_url
from ts_store.mail.render import build_email, render
from ts_store.mail.smtp import deliver


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://user:p%40ss@mail.example.it:587", ("mail.example.it", 587, "starttls", "user")),
        ("smtp://user:pw@mail.example.it", ("mail.example.it", 587, "starttls", "user")),
        ("smtps://user:pw@mail.example.it:465", ("mail.example.it", 465, "tls", "user")),
        ("smtps://user:pw@mail.example.it", ("mail.example.it", 465, "tls", "user")),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, "plain", "")),
        ("smtp://localhost", ("localhost", 25, "plain", "")),
        # a remote server without credentials still gets STARTTLS: never plain text off-host
        ("smtp://mail.example.it:25", ("mail.example.it", 25, "starttls", "")),
    ],
)
def test_smtp_url_gives_host_port_security_and_user(url, expected):
    settings = parse_smtp_url(url)
    assert (settings.host, settings.port, settings.security, settings.username) == expected


def test_password_is_url_decoded_and_never_printed():
    settings = parse_smtp_url("smtp://user:p%40ss@mail.example.it:587")
    assert settings.password == "p@ss"
    assert "p@ss" not in repr(settings)


@pytest.mark.parametrize("url", ["http://x", "smtp://", "mail.example.it:25", "smtp://h:99999"])
def test_bad_smtp_url_names_the_variable(url):
    with pytest.raises(MailConfigError, match="TS_STORE_SMTP_URL"):
        parse_smtp_url(url)


def test_public_url_defaults_to_the_apps_port():
    assert public_url({"TS_STORE_PORT": "3161"}) == "http://127.0.0.1:3161"
    assert public_url({"TS_STORE_PUBLIC_URL": "https://store.it/"}) == "https://store.it"


def _message(to="mario@rossi.it"):
    mail = render(
        MessageKind.REGISTRATION_ATTEMPT,
        {"company_name": "Rossi", "attempted_on": "2026-11-28"},
        public_url="http://x",
    )
    return build_email(
        mail,
        sender="TS Store <store@teamsystem.com>",
        recipient=to,
        message_id="<m1@teamsystem.com>",
        created_at=datetime(2026, 11, 28, tzinfo=UTC),
    )


def test_delivery_to_a_real_server_is_accepted_and_stored_intact(smtp_sink):
    result, error = deliver(parse_smtp_url(smtp_sink.url), _message())
    assert (result, error) == (DeliveryResult.ACCEPTED, "")
    [received] = smtp_sink.messages()
    assert received["Message-ID"] == "<m1@teamsystem.com>"
    assert "28/11/2026" in body_text(received)


def test_server_down_is_a_temporary_failure():
    result, error = deliver(parse_smtp_url(f"smtp://127.0.0.1:{free_port()}"), _message())
    assert result == DeliveryResult.TEMPORARY and "connessione SMTP" in error


class _Refusing:
    def __init__(self, code: str) -> None:
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, options):
        return self.code


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("550 5.1.1 no such user", DeliveryResult.PERMANENT),
        ("451 4.3.0 try again later", DeliveryResult.TEMPORARY),
    ],
)
def test_refused_recipient_is_permanent_or_temporary_by_reply_code(reply, expected):
    port = free_port()
    controller = Controller(_Refusing(reply), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result, error = deliver(parse_smtp_url(f"smtp://127.0.0.1:{port}"), _message())
    finally:
        controller.stop()
    assert result == expected and reply.split()[0] in error


class _HangsUpAfterData:
    async def handle_DATA(self, server, session, envelope):
        server.transport.close()  # the message arrived, the answer never leaves
        return "250 OK"


def test_lost_answer_to_data_is_unconfirmed_not_temporary():
    port = free_port()
    controller = Controller(_HangsUpAfterData(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result, _ = deliver(parse_smtp_url(f"smtp://127.0.0.1:{port}"), _message())
    finally:
        controller.stop()
    assert result == DeliveryResult.UNCONFIRMED


def test_starttls_is_required_off_loopback(smtp_sink, monkeypatch):
    """A server that offers no STARTTLS is not sent credentials in clear: temporary failure."""
    settings = parse_smtp_url(f"smtp://user:pw@127.0.0.1:{smtp_sink.port}")
    assert settings.security == "starttls"
    result, error = deliver(settings, _message())
    assert result == DeliveryResult.TEMPORARY
    assert smtp_sink.messages() == []
    assert isinstance(error, str) and error
