"""The skeleton of an email: two addresses that look alike have the same one (issue #15).

Each character is replaced by one representative of its group of look-alikes, from Unicode's
confusables as the maintained `confusable-homoglyphs` package ships them, so `attivо@` with a
Cyrillic "о" has the skeleton of `attivo@`. The store computes it for every customer it adds, so
no caller can forget it; the column is unique, so a look-alike of an existing login is refused
by the database too.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs import confusables


@functools.cache
def _representatives() -> dict[str, str]:
    """Each character that has look-alikes -> the representative of its whole group.

    The data lists, for a character, the look-alikes it maps to (or that map to it); taken as
    an undirected graph, its connected groups (63 characters at most) get one representative
    each: the first ASCII member in case-folded order, else the first member.
    """
    neighbours: dict[str, set[str]] = {}
    for char, homoglyphs in confusables.confusables_data.items():
        for homoglyph in homoglyphs:
            other = homoglyph["c"]
            if len(char) == 1 and len(other) == 1:
                neighbours.setdefault(char, set()).add(other)
                neighbours.setdefault(other, set()).add(char)
    representative: dict[str, str] = {}
    for start in neighbours:
        if start in representative:
            continue
        group, frontier = {start}, [start]
        while frontier:
            for other in neighbours[frontier.pop()]:
                if other not in group:
                    group.add(other)
                    frontier.append(other)
        chosen = min(group, key=lambda c: (not c.isascii(), c.casefold(), ord(c))).casefold()
        representative.update(dict.fromkeys(group, chosen))
    return representative


def email_skeleton(address: str) -> str:
    """Two addresses that look alike have the same skeleton."""
    folded = unicodedata.normalize("NFKC", address).casefold()
    table = _representatives()
    return "".join(table.get(char, char) for char in folded)
