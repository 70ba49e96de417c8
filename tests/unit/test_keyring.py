"""Sealing PHI: values round-trip, rotation keeps old values readable, tampering and misplacing fail."""

from __future__ import annotations

import base64
import json

import pytest

from shared.phi.keyring import KeyRing, PhiKeyError, is_sealed, key_id_of, new_key_text
from shared.phi.ring import ring_from
from shared.settings import Settings

OLD, NEW, LOOKUP = (base64.b64decode(new_key_text()) for _ in range(3))


def ring() -> KeyRing:
    return KeyRing({"2026a": OLD}, "2026a", LOOKUP)


def test_a_sealed_value_opens_under_its_label_and_shows_nothing_of_the_value() -> None:
    token = ring().seal("DOE^JANE 1957-03-14", "patient")
    assert is_sealed(token) and key_id_of(token) == "2026a" and "JANE" not in token and "1957" not in token
    assert ring().open(token, "patient") == "DOE^JANE 1957-03-14"
    assert ring().seal("same", "patient") != ring().seal("same", "patient")  # a fresh nonce each time


def test_after_rotation_new_values_use_the_new_key_and_old_ones_still_open() -> None:
    old_token = ring().seal_json({"member_id": "W123456789"}, "coverage")
    rotated = ring().rotated_to("2026b", NEW)
    new_token = rotated.seal_json({"member_id": "W123456789"}, "coverage")
    assert (key_id_of(old_token), key_id_of(new_token)) == ("2026a", "2026b")
    assert rotated.open_json(old_token, "coverage") == rotated.open_json(new_token, "coverage")
    with pytest.raises(PhiKeyError, match="not in the key ring"):
        ring().open(new_token, "coverage")  # a process that does not have the new key yet says so


def test_a_tampered_or_misplaced_value_does_not_open() -> None:
    token = ring().seal("W123456789", "member_id")
    prefix, kid, blob = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[-1] ^= 1
    tampered = f"{prefix}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(PhiKeyError, match="does not open"):
        ring().open(tampered, "member_id")
    with pytest.raises(PhiKeyError, match="does not open"):
        ring().open(token, "patient_id")  # the label is authenticated: no copying into another field


def test_lookup_hashes_are_stable_per_label_and_do_not_contain_the_value() -> None:
    assert ring().lookup("W123456789", "member_id") == ring().lookup("W123456789", "member_id")
    assert ring().lookup("W123456789", "member_id") != ring().lookup("W123456789", "patient_id")
    assert "W123456789" not in ring().lookup("W123456789", "member_id")


def test_a_broken_ring_names_every_problem() -> None:
    with pytest.raises(PhiKeyError) as refused:
        KeyRing({"bad id!": b"short"}, "missing", b"tiny")
    message = str(refused.value)
    assert (
        "'bad id!'" in message and "5 bytes, not 32" in message and "'missing'" in message and "lookup key" in message
    )


def test_the_ring_comes_from_settings_or_a_mounted_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    keys = {"current": "k2", "keys": {"k1": new_key_text(), "k2": new_key_text()}, "lookup_key": new_key_text()}
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    from_file = ring_from(Settings(phi_keys_file=tmp_path / "keys.json"))
    assert from_file.current == "k2" and set(from_file.keys) == {"k1", "k2"}
    development = ring_from(Settings())
    assert development.current == "dev" and development.open(development.seal("x", "t"), "t") == "x"
