"""One delivery over SMTP, classified by what the server told us (smtplib, blocking: the sender
runs it in a worker thread).

What matters is WHEN a failure happens: before DATA nothing was delivered (a temporary or
permanent refusal); during or after DATA the server may have accepted the message without us
hearing it (UNCONFIRMED), which the retry policy retries only once.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses

from ts_store.domain.notifications import DeliveryResult
from ts_store.mail.config import SmtpSettings


def _refusal(code: int) -> DeliveryResult:
    return DeliveryResult.PERMANENT if 500 <= code < 600 else DeliveryResult.TEMPORARY


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password)
    except BaseException:
        client.close()
        raise
    return client


def deliver(settings: SmtpSettings, message: EmailMessage) -> tuple[DeliveryResult, str]:
    """Send `message` to its To recipients; (result, error text for the log)."""
    sender = getaddresses([message["From"]])[0][1]
    recipients = [address for _, address in getaddresses(message.get_all("To", []))]
    try:
        client = _connect(settings)
    except smtplib.SMTPResponseException as exc:
        return _refusal(exc.smtp_code), f"server {exc.smtp_code}: {_text(exc.smtp_error)}"
    except (OSError, smtplib.SMTPException) as exc:
        return DeliveryResult.TEMPORARY, f"connessione SMTP non riuscita: {exc}"
    try:
        try:
            code, answer = client.mail(sender)
            if code != 250:
                return _refusal(code), f"MAIL FROM {code}: {_text(answer)}"
            for address in recipients:
                code, answer = client.rcpt(address)
                if code not in (250, 251):
                    return _refusal(code), f"RCPT TO {code}: {_text(answer)}"
        except (OSError, smtplib.SMTPException) as exc:
            return DeliveryResult.TEMPORARY, f"SMTP interrotto prima dell'invio: {exc}"
        try:
            code, answer = client.data(message.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPDataError as exc:  # an explicit refusal: not delivered
            return _refusal(exc.smtp_code), f"DATA {exc.smtp_code}: {_text(exc.smtp_error)}"
        except (OSError, smtplib.SMTPException) as exc:
            return DeliveryResult.UNCONFIRMED, f"risposta a DATA persa: {exc}"
        if code == 250:
            return DeliveryResult.ACCEPTED, ""
        return _refusal(code), f"DATA {code}: {_text(answer)}"
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
