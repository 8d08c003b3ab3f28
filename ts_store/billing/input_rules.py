"""Emails and passwords as registration, login and password reset check them (issue #15,
findings 6 and 7).

- An email is NFKC-normalised, lower-cased and compared by its *skeleton*: each character
  replaced by a representative of its look-alikes (Unicode's confusables, from the maintained
  `confusable-homoglyphs` data), so `attivо@` with a Cyrillic "о" has the skeleton of `attivo@`
  and cannot register beside it.
- A password has at least 12 code points after NFKC, no invisible or control character, is not
  only whitespace, and must not be guessable: `zxcvbn` (Dropbox's estimator, with its lists of
  common passwords, names, keyboard patterns and dates) scores it with the email's parts and the
  company's words as known inputs, so a password built from them scores low and is refused.
"""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn

from ts_store.domain.text import code_points, hidden_character, normalise
from ts_store.store.lookalikes import email_skeleton

__all__ = ["email_skeleton", "normalise_email", "password_problem"]

MIN_PASSWORD_CODE_POINTS = 12
MAX_PASSWORD_CODE_POINTS = 128  # argon2 takes anything; the estimator is slow on huge input
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable" (≥ 10^8 guesses)
MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]+")
_WORDS = re.compile(r"[\w]+", re.UNICODE)


def normalise_email(email: object) -> str | None:
    """The email as stored: NFKC, trimmed, lower-case; None when it is not a sane address."""
    if not isinstance(email, str) or len(email) > 4 * MAX_EMAIL_CHARS:
        return None
    address = normalise(email).lower()
    if len(address) > MAX_EMAIL_CHARS or hidden_character(address) is not None:
        return None
    if not _EMAIL.fullmatch(address):
        return None
    return address


def _known_words(email: str, company_name: str) -> list[str]:
    local, _, domain = email.partition("@")
    words = {email, local, domain, company_name.lower()}
    words.update(re.sub(r"\W|_", "", part.lower()) for part in (local, company_name))
    words.update(w.lower() for w in _WORDS.findall(f"{local} {domain} {company_name}"))
    return sorted(w for w in words if len(w) >= 3)


def password_problem(password: object, *, email: str = "", company_name: str = "") -> str | None:
    """Why this password is refused (an error code), or None."""
    if not isinstance(password, str):
        return "password_too_short"
    length = code_points(password)
    if length < MIN_PASSWORD_CODE_POINTS:
        return "password_too_short"
    if length > MAX_PASSWORD_CODE_POINTS:
        return "password_too_long"
    normalised = unicodedata.normalize("NFKC", password)
    if hidden_character(normalised) is not None or not normalised.strip():
        return "password_invisible"
    visible = "".join(normalised.split())
    if code_points(visible) < MIN_PASSWORD_CODE_POINTS // 2:
        return "password_invisible"  # mostly spaces: what remains is what protects it
    strength = zxcvbn(normalised, user_inputs=_known_words(email, company_name))
    if strength["score"] < MIN_PASSWORD_SCORE:
        return "password_guessable"
    return None
