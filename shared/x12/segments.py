"""X12 tokenizer and writer helpers: separators from the ISA, segments as tuples of strings.

The tokenizer only knows interchange framing. It does not judge segment tags or element
contents; transaction parsers (837, 835, 999) decide what is acceptable for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ISA_ELEMENT_COUNT = 16
_X12_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


class X12SyntaxError(ValueError):
    """Input that cannot be split into X12 segments."""

    def __init__(self, message: str, segment_index: int, segment_tag: str) -> None:
        super().__init__(f"{message} (segment #{segment_index} {segment_tag or '<none>'})")
        self.message = message
        self.segment_index = segment_index
        self.segment_tag = segment_tag


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = "^"

    def all(self) -> tuple[str, ...]:
        return tuple(s for s in (self.element, self.component, self.segment, self.repetition) if s)


DEFAULT_SEPARATORS = Separators()


@dataclass(frozen=True)
class Segment:
    tag: str
    elements: tuple[str, ...]  # elements[0] is XX01; the tag is not repeated here
    position: int  # 0-based index of the segment in the input

    def element(self, number: int) -> str:
        """X12-style 1-based access; a missing trailing element reads as empty."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""

    def components(self, number: int, separator: str) -> tuple[str, ...]:
        value = self.element(number)
        return tuple(value.split(separator)) if value else ()


BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True)
class Tokens:
    segments: list[Segment]
    separators: Separators
    leniencies: tuple[str, ...]  # what was accepted that a strict reading would refuse, said in words


def tokenize(text: str) -> tuple[list[Segment], Separators]:
    tokens = tokenize_leniently(text)
    return tokens.segments, tokens.separators


def tokenize_leniently(text: str) -> Tokens:
    """Segments of an interchange as trading partners really send it: a UTF-8 byte order mark before
    ISA (files saved by Windows tools) is not part of it, and blanks before a segment terminator are
    padding (X12 suppresses trailing spaces of variable-length elements), both said in `leniencies`."""
    stripped = text.lstrip()
    body = stripped.removeprefix(BYTE_ORDER_MARK).lstrip()
    separators = detect_separators(body)
    raw_segments, padded = _non_blank(body.split(separators.segment))
    segments = [_segment(raw, separators, index) for index, raw in enumerate(raw_segments)]
    leniencies = ["a byte order mark before ISA was skipped"] if stripped.startswith(BYTE_ORDER_MARK) else []
    leniencies += [f"trailing blanks before the terminator of {padded} segment(s) were dropped"] if padded else []
    return Tokens(segments, separators, tuple(leniencies))


def detect_separators(text: str) -> Separators:
    """Element separator is ISA's 4th char; ISA16 and the terminator follow the 16th element separator.

    Counting separators instead of trusting offsets 104/105 also reads an ISA whose padded fields
    are a character short (imsweb's x12_bad_first_line.txt); for a well-formed ISA both agree.
    """
    if not text.strip():
        raise X12SyntaxError("empty input", 0, "")
    if not text.startswith("ISA"):
        raise X12SyntaxError("interchange does not start with ISA", 0, _leading_tag(text))
    if len(text) < 4:
        raise X12SyntaxError("truncated ISA: no element separator", 0, "ISA")
    element = text[3]
    isa16_at = _nth_index(text, element, ISA_ELEMENT_COUNT) + 1
    if isa16_at == 0 or isa16_at + 1 >= len(text):
        raise X12SyntaxError("truncated ISA: fewer than 16 elements or no segment terminator", 0, "ISA")
    return _checked(element, text[isa16_at], text[isa16_at + 1], _repetition(text, element))


def _leading_tag(text: str) -> str:
    match = re.match(r"[A-Za-z0-9]{1,3}", text)
    return match.group(0) if match else text[:1]


def _nth_index(text: str, char: str, n: int) -> int:
    index = -1
    for _ in range(n):
        index = text.find(char, index + 1)
        if index < 0:
            return -1
    return index


def _repetition(text: str, element: str) -> str | None:
    isa_elements = text.split(element, ISA_ELEMENT_COUNT)
    isa11, isa12 = isa_elements[11], isa_elements[12]
    # ISA11 became the repetition separator in 00402; before that it is the standards id ("U").
    is_separator = isa12 >= "00402" and len(isa11) == 1 and not isa11.isalnum()
    return isa11 if is_separator else None


def _checked(element: str, component: str, segment: str, repetition: str | None) -> Separators:
    chosen = [element, component, segment]
    if any(c.isalnum() or c == " " for c in chosen) or len(set(chosen)) < 3:
        raise X12SyntaxError(f"unusable ISA separators {chosen!r}", 0, "ISA")
    if repetition in chosen:
        repetition = None
    return Separators(element, component, segment, repetition)


def _non_blank(raw_segments: list[str]) -> tuple[list[str], int]:
    """The segments without surrounding line breaks and indentation, and how many had trailing blanks."""
    stripped = [raw.strip("\r\n").lstrip() for raw in raw_segments]
    segments = [raw for raw in stripped if raw.strip()]
    kept = [raw.rstrip(" ") for raw in segments]
    return kept, sum(1 for raw, trimmed in zip(segments, kept, strict=True) if raw != trimmed)


def _segment(raw: str, separators: Separators, index: int) -> Segment:
    tag, *elements = raw.split(separators.element)
    return Segment(tag=tag, elements=tuple(elements), position=index)


# --- writing ----------------------------------------------------------------------------------


def join_segments(segments: list[list[str]], seps: Separators = DEFAULT_SEPARATORS, newline: str = "") -> str:
    """Each inner list is [tag, XX01, XX02, ...]; trailing empty elements are dropped, as X12 requires."""
    return "".join(_join_one(segment, seps) + newline for segment in segments)


def _join_one(segment: list[str], seps: Separators) -> str:
    return seps.element.join(_trim_trailing_empty(segment)) + seps.segment


def _trim_trailing_empty(values: list[str]) -> list[str]:
    end = len(values)
    while end > 1 and values[end - 1] == "":
        end -= 1
    return values[:end]


def composite(parts: list[str], seps: Separators = DEFAULT_SEPARATORS) -> str:
    return seps.component.join(_trim_trailing_empty(parts))


def clean_text(value: str, seps: Separators = DEFAULT_SEPARATORS) -> str:
    """Upper-cased free text with the separators removed and whitespace collapsed."""
    kept = "".join(" " if c in seps.all() else c for c in value)
    return " ".join(kept.upper().split())


def format_amount(cents: int) -> str:
    """X12 R-type dollars: 12500 -> "125", 12550 -> "125.5", 12505 -> "125.05"."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    fraction = f"{rest:02d}".rstrip("0")
    return f"{sign}{dollars}.{fraction}" if fraction else f"{sign}{dollars}"


def parse_amount_cents(value: str) -> int:
    """Exact cents from an X12 decimal string; more than two decimals of precision is an error."""
    if not _X12_DECIMAL.fullmatch(value):
        raise ValueError(f"not an X12 decimal amount: {value!r}")
    try:
        scaled = Decimal(value) * 100
    except InvalidOperation as error:
        raise ValueError(f"not an X12 decimal amount: {value!r}") from error
    if scaled != scaled.to_integral_value():
        raise ValueError(f"amount has fractional cents: {value!r}")
    return int(scaled)


def parse_decimal(value: str) -> Decimal:
    if not _X12_DECIMAL.fullmatch(value):
        raise ValueError(f"not an X12 decimal: {value!r}")
    return Decimal(value)


def isa_segment(
    sender_id: str,
    receiver_id: str,
    control_number: int,
    yymmdd: str,
    hhmm: str,
    usage_indicator: str,
    seps: Separators = DEFAULT_SEPARATORS,
) -> list[str]:
    """ISA is fixed width, so every element is padded to its exact length."""
    if not 0 < control_number <= 999_999_999:
        raise ValueError(f"interchange control number out of range: {control_number}")
    return [
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", sender_id.ljust(15)[:15], "ZZ", receiver_id.ljust(15)[:15],
        yymmdd, hhmm, seps.repetition or "^", "00501", f"{control_number:09d}",
        "0", usage_indicator, seps.component,
    ]  # fmt: skip
