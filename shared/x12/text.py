"""Which text an X12 file can carry, and how it is written there. Pure.

Claims are written in ASCII: accented Latin letters lose their accents (NFKD, combining marks
dropped, the few letters Unicode does not decompose spelled out). Ingest warns with `transliterated`
that a name will be written so, and refuses text that has no ASCII spelling (emoji, CJK, Greek...);
the 837 writer writes it with `ascii_text`.
"""

from __future__ import annotations

import unicodedata

# Latin letters with no Unicode decomposition.
LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {
        "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
        "Ħ": "H", "ħ": "h", "ı": "i",
    }
)  # fmt: skip
CONTROL_CATEGORIES = ("Cc", "Cs")  # control characters; lone surrogates


def has_control_character(value: str) -> bool:
    return any(unicodedata.category(c) in CONTROL_CATEGORIES for c in value)


def spelled_out(value: str) -> str:
    return unicodedata.normalize("NFKD", value.translate(LETTERS_WITHOUT_DECOMPOSITION))


def transliterated(value: str) -> str | None:
    """The ASCII the 837 will carry, or None when some character has no ASCII spelling."""
    kept = "".join(c for c in spelled_out(value) if not unicodedata.combining(c))
    return kept if kept.isascii() else None


def ascii_text(value: str) -> str:
    """What an X12 element carries: accents off, control characters as spaces, and anything without
    an ASCII spelling (refused at ingest) dropped rather than garbled."""
    return "".join(c if c.isprintable() else " " for c in spelled_out(value) if c.isascii())
