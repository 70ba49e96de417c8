"""What the ingest API answers, and the signature a platform puts on what it sends. Pure.

Every answer is a value (`Outcome`): the route only turns its kind into an HTTP status. Messages
name a field and the kind of problem, never the value: the values are patient data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

SIGNATURE_PREFIX = "sha256="

Kind = Literal["accepted", "already_accepted", "unsigned", "conflict", "too_large", "invalid", "unavailable"]


NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Signed:
    """What a platform puts in the headers: the signature, when it signed, and a nonce of its own so
    that two identical requests signed in the same second still differ."""

    signature: str | None
    timestamp: str | None
    nonce: str | None


def sign(body: bytes, secret: str, timestamp: int, nonce: str) -> str:
    """`X-Telebill-Signature` over "<X-Telebill-Timestamp>.<X-Telebill-Nonce>." and the body: a
    captured request cannot be sent again, neither later nor now."""
    signed = f"{timestamp}.{nonce}.".encode() + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_problem(body: bytes, signed: Signed, secrets: Sequence[str], now: int, window: int) -> str | None:
    """Why a request's signature is refused, or None. Any of the source's current secrets (two while
    it rotates) may have signed it."""
    if not signed.signature or not signed.signature.startswith(SIGNATURE_PREFIX):
        return "missing or malformed X-Telebill-Signature (sha256=<hex>)"
    if not signed.timestamp or not signed.timestamp.isdigit():
        return "missing or malformed X-Telebill-Timestamp (Unix seconds)"
    if not signed.nonce or not NONCE.match(signed.nonce):
        return "missing or malformed X-Telebill-Nonce (16–64 letters, digits, '-' or '_', new for each request)"
    if abs(now - int(signed.timestamp)) > window:
        return f"X-Telebill-Timestamp is more than {window} s from the server's clock: sign each attempt afresh"
    expected = (sign(body, secret, int(signed.timestamp), signed.nonce) for secret in secrets)
    if not any(hmac.compare_digest(candidate, signed.signature) for candidate in expected):
        return "X-Telebill-Signature does not match this body, timestamp and nonce for this source"
    return None


def signature_digest(signature: str) -> str:
    """What the replay guard stores of a signature (a hash of it, never the body)."""
    return hashlib.sha256(signature.encode()).hexdigest()


@dataclass(frozen=True)
class Limits:
    """How much one request may carry (settings `ingest_max_*`)."""

    max_body_bytes: int
    max_batch: int
    max_record_bytes: int
    max_json_depth: int


@dataclass(frozen=True)
class Problem:
    index: int | None
    location: str
    message: str
    key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"index": self.index, "loc": self.location, "msg": self.message}
        return found | ({"key": self.key} if self.key else {})

    def at(self, index: int) -> Problem:
        return Problem(index, self.location, self.message, self.key)


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    body: dict[str, Any]
    signed_by: str | None = None  # the source whose signature was verified (for the audit log)

    def keys(self) -> list[str]:
        return [str(item["key"]) for item in self.body.get("accepted", []) if "key" in item]


def errors(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [problem.as_dict() for problem in problems]


def invalid(problems: Sequence[Problem], detail: str = "invalid encounter-completed") -> Outcome:
    return Outcome("invalid", {"detail": detail, "errors": errors(problems)})


def too_large(detail: str, limit: str, maximum: int, problems: Sequence[Problem] = ()) -> Outcome:
    """413 naming the setting that sets the limit, its value, and for records which items."""
    return Outcome("too_large", {"detail": detail, "limit": limit, "max": maximum, "errors": errors(problems)})


def body_too_large(limits: Limits) -> Outcome:
    return too_large(
        f"request body larger than {limits.max_body_bytes} bytes", "ingest_max_body_bytes", limits.max_body_bytes
    )


def unsigned(reason: str) -> Outcome:
    return Outcome("unsigned", {"detail": reason})


def replayed() -> Outcome:
    return Outcome("unsigned", {"detail": "this signed request was already received: sign each attempt afresh"})


def conflict(problems: Sequence[Problem]) -> Outcome:
    detail = "a different encounter was already accepted under the same key (source:encounter_id)"
    return Outcome("conflict", {"detail": detail, "errors": errors(problems)})


def unavailable(dependency: str, reason: str) -> Outcome:
    """Nothing of the request was accepted; the same request may be sent again later."""
    detail = f"{dependency} unavailable ({reason}): nothing was accepted, send the request again later"
    return Outcome("unavailable", {"detail": detail, "dependency": dependency})
