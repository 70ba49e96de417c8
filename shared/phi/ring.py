"""The process's key ring, from settings: keys in the environment or in a mounted file, and the
development keys outside production (the settings refuse them in production)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shared.phi.keyring import KeyRing, PhiKeyError, decode_key
from shared.settings import DEV_PHI_KEY, DEV_PHI_KEY_ID, DEV_PHI_LOOKUP_KEY, Settings, get_settings


def ring_from(settings: Settings) -> KeyRing:
    keys, current, lookup = dict(settings.phi_keys), settings.phi_current_key, settings.phi_lookup_key
    if settings.phi_keys_file is not None:
        stored = read_keys_file(settings)
        keys = dict(stored.get("keys") or {}) | keys
        current = current or str(stored.get("current") or "")
        lookup = lookup or str(stored.get("lookup_key") or "")
    if not keys and settings.environment != "production":
        keys = {DEV_PHI_KEY_ID: DEV_PHI_KEY}
    lookup = lookup or (DEV_PHI_LOOKUP_KEY if settings.environment != "production" else "")
    current = current or (next(iter(keys)) if len(keys) == 1 else "")
    decoded = {kid: decode_key(text, f"PHI key {kid!r}") for kid, text in keys.items()}
    return KeyRing(decoded, current, decode_key(lookup, "the PHI lookup key"))


def read_keys_file(settings: Settings) -> dict[str, Any]:
    assert settings.phi_keys_file is not None
    try:
        stored = json.loads(settings.phi_keys_file.read_text())
    except (OSError, ValueError) as error:
        raise PhiKeyError(f"cannot read TELEBILL_PHI_KEYS_FILE {settings.phi_keys_file}: {error}") from error
    if not isinstance(stored, dict):
        raise PhiKeyError("TELEBILL_PHI_KEYS_FILE must hold an object with current, keys and lookup_key")
    return stored


RING: list[KeyRing] = []


def process_ring() -> KeyRing:
    """Built once per process from its settings."""
    if not RING:
        RING.append(ring_from(get_settings()))
    return RING[0]


@contextmanager
def ring_in_use(ring: KeyRing) -> Iterator[KeyRing]:
    """This process seals and opens with `ring` for a while (a rotation drill; a test's own keys)."""
    before = list(RING)
    RING[:] = [ring]
    try:
        yield ring
    finally:
        RING[:] = before
