"""AES-GCM sealing of PHI with a key ring, and keyed hashes for looking PHI up.

A sealed value is text: `phi1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id on every
value is what makes rotation work: new values are sealed with the current key, older ones open with
the key their id names for as long as that key stays in the ring. The label a value was sealed under
(its field, e.g. "patient") is authenticated data: a sealed value copied into another field does not
open there.

Lookups (a member id, a patient id) use HMAC-SHA256 under a separate lookup key: equal values give
equal hashes, so a store can index and search them without holding the value. That key cannot rotate
without re-hashing what was stored under it (there is no command for that yet), so it is kept apart
from the sealing keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "phi1"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
NONCE_BYTES = 12


class PhiKeyError(ValueError):
    """A key ring that cannot be used, or a sealed value that does not open (wrong key, tampered)."""


@dataclass(frozen=True)
class KeyRing:
    keys: Mapping[str, bytes]
    current: str
    lookup_key: bytes

    def __post_init__(self) -> None:
        problems = ring_problems(self.keys, self.current, self.lookup_key)
        if problems:
            raise PhiKeyError("; ".join(problems))

    def seal(self, plain: str, label: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plain.encode(), label.encode())
        return f"{PREFIX}:{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, label: str) -> str:
        key_id, blob = split_token(token)
        if key_id not in self.keys:
            raise PhiKeyError(f"sealed with key {key_id!r}, which is not in the key ring")
        try:
            plain = AESGCM(self.keys[key_id]).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], label.encode())
        except Exception as error:  # InvalidTag says nothing more useful than this
            raise PhiKeyError(f"a value sealed as {label!r} with key {key_id!r} does not open") from error
        return plain.decode()

    def seal_json(self, value: Any, label: str) -> str:
        return self.seal(json.dumps(value, separators=(",", ":"), sort_keys=True, default=str), label)

    def open_json(self, token: str, label: str) -> Any:
        return json.loads(self.open(token, label))

    def lookup(self, value: str, label: str) -> str:
        """The keyed hash a store indexes instead of the value (32 hex digits)."""
        digest = hmac.new(self.lookup_key, f"{label}\x00{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def mac(self, data: bytes, label: str) -> str:
        """A keyed hash of `data` (the audit chain's): only a holder of the lookup key can make one."""
        return hmac.new(self.lookup_key, label.encode() + b"\x00" + data, hashlib.sha256).hexdigest()

    def rotated_to(self, key_id: str, key: bytes) -> KeyRing:
        """The ring with a new current key; every older key stays for opening."""
        return KeyRing({**self.keys, key_id: key}, key_id, self.lookup_key)


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def key_id_of(token: str) -> str:
    return split_token(token)[0]


def split_token(token: str) -> tuple[str, bytes]:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not KEY_ID.match(parts[1]):
        raise PhiKeyError("not a sealed value")
    try:
        blob = base64.urlsafe_b64decode(parts[2])
    except ValueError as error:
        raise PhiKeyError("a sealed value's ciphertext is not base64url") from error
    return parts[1], blob


def ring_problems(keys: Mapping[str, bytes], current: str, lookup_key: bytes) -> list[str]:
    problems = [f"key id {kid!r} is not 1–32 letters, digits, '-' or '_'" for kid in keys if not KEY_ID.match(kid)]
    problems += [f"key {kid!r} is {len(key)} bytes, not 32 (AES-256)" for kid, key in keys.items() if len(key) != 32]
    if current not in keys:
        problems.append(f"the current key {current!r} is not in the key ring ({', '.join(sorted(keys)) or 'empty'})")
    if len(lookup_key) < 32:
        problems.append(f"the lookup key is {len(lookup_key)} bytes, fewer than 32")
    return problems


def decode_key(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as error:
        raise PhiKeyError(f"{name} is not base64") from error


def new_key_text() -> str:
    """A fresh 32-byte key, base64: what `telebill phi new-key` prints."""
    return base64.b64encode(os.urandom(32)).decode()
