"""What the store accepts as text typed by a person (issue #15, finding 7).

Every name, email, address and message is NFKC-normalised (so a full-width "ａ" or a ligature
is stored as the letters it shows) and refused when it holds a character a person cannot see or
that changes how the rest is shown: controls (NUL included), format characters (right-to-left
overrides, zero-width spaces and joiners, the BOM), private-use, unassigned and surrogate code
points, line and paragraph separators. A message may keep line breaks and tabs.
"""

from __future__ import annotations

import unicodedata

FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_MESSAGE_CONTROLS = frozenset({"\n", "\t"})


def normalise(text: str, *, multiline: bool = False) -> str:
    """NFKC; line ends as "\\n" in a message; surrounding whitespace trimmed."""
    text = unicodedata.normalize("NFKC", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def hidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character a person could not see or that reorders the text, or None."""
    allowed = _MESSAGE_CONTROLS if multiline else frozenset()
    for char in text:
        if char not in allowed and unicodedata.category(char) in FORBIDDEN_CATEGORIES:
            return char
    return None


def visible_text(text: object, *, multiline: bool = False) -> str | None:
    """The normalised text, or None when it holds a forbidden character (or is not text)."""
    if not isinstance(text, str):
        return None
    cleaned = normalise(text, multiline=multiline)
    if hidden_character(cleaned, multiline=multiline) is not None:
        return None
    return cleaned


def code_points(text: str) -> int:
    """Length as a person counts it: code points after NFKC."""
    return len(unicodedata.normalize("NFKC", text))
