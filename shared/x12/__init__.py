"""X12 5010 framing shared by the claims, remittance and clearinghouse code."""

from shared.x12.segments import (
    DEFAULT_SEPARATORS,
    Segment,
    Separators,
    X12SyntaxError,
    join_segments,
    tokenize,
)

__all__ = ["DEFAULT_SEPARATORS", "Segment", "Separators", "X12SyntaxError", "join_segments", "tokenize"]
