"""Which text an X12 837 can carry. Pure.

Claims are written in ASCII: accented Latin letters lose their accents (NFKD, combining marks
dropped, the few letters Unicode does not decompose spelled out), exactly as the claims service's
`x837.py` writes them. Text with anything else (emoji, CJK, Greek...) cannot be billed as sent.
"""

from __future__ import annotations

import unicodedata

# Latin letters with no Unicode decomposition; the same table as services/claims/domain/x837.py.
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


def transliterated(value: str) -> str | None:
    """The ASCII the 837 will carry, or None when some character has no ASCII spelling."""
    spelled = unicodedata.normalize("NFKD", value.translate(LETTERS_WITHOUT_DECOMPOSITION))
    kept = "".join(c for c in spelled if not unicodedata.combining(c))
    return kept if kept.isascii() else None
