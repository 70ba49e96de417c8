"""API keys and production secrets: a key is stored as a hash, scopes include what they imply, a new
or revoked key counts without a restart, and production names every default it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.access import add_key, current_credentials, granted, key_hash, revoke_name
from shared.settings import DEV_API_KEYS, DEV_PHI_KEY, Settings


def test_scopes_include_what_they_imply() -> None:
    assert granted(["admin"]) == {"admin", "ops:write", "ops:read"}
    assert granted(["ops:write"]) == {"ops:write", "ops:read"} and granted([]) == frozenset()


def test_a_new_key_is_shown_once_stored_as_a_hash_and_revoked_without_a_restart(tmp_path: Path) -> None:
    settings = Settings(api_keys_file=tmp_path / "keys.json")
    key = add_key(settings.keys_file, "j.rivera", ["ops:write"])
    assert key not in settings.keys_file.read_text() and key_hash(key) in settings.keys_file.read_text()
    assert oct(settings.keys_file.stat().st_mode & 0o777) == "0o600"
    operator = current_credentials(settings).who(key)
    assert operator is not None and operator.name == "j.rivera" and operator.may("ops:read")
    assert not operator.may("admin")
    assert revoke_name(settings.keys_file, "j.rivera") == 1
    os.utime(settings.keys_file, (1, 1))  # the file changed (same-second writes keep their mtime otherwise)
    assert current_credentials(settings).who(key) is None


def test_development_keys_work_outside_production_only() -> None:
    dev_key = DEV_API_KEYS["dev-admin"][0]
    assert current_credentials(Settings()).who(dev_key) is not None
    production = Settings(environment="production", **real_secrets())
    assert current_credentials(production).who(dev_key) is None


def real_secrets() -> dict[str, object]:
    return {
        "ingest_secrets": {"acme-video": "s3cr3t-from-the-vault"},
        "eligibility_gateway_password": "from-the-vault",
        "api_keys": [{"name": "j.rivera", "key_sha256": key_hash("tbk_real"), "scopes": ["admin"]}],
        "api_key": "tbk_service",
        "phi_keys": {"k1": "A" * 43 + "="},
        "phi_lookup_key": "B" * 43 + "=",
    }


def test_production_starts_with_real_secrets_and_refuses_each_default_by_name() -> None:
    Settings(environment="production", **real_secrets())
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production")
    message = str(refused.value)
    for setting in (
        "TELEBILL_INGEST_SECRETS",
        "TELEBILL_ELIGIBILITY_GATEWAY_PASSWORD",
        "TELEBILL_API_KEYS",
        "TELEBILL_API_KEY ",
        "TELEBILL_PHI_KEYS",
        "TELEBILL_PHI_LOOKUP_KEY",
    ):
        assert setting in message, setting
    with pytest.raises(ValidationError, match="holds the development key"):
        Settings(environment="production", **(real_secrets() | {"phi_keys": {"dev": DEV_PHI_KEY}}))
    dev_operator = [{"name": "x", "key_sha256": key_hash(DEV_API_KEYS["dev-reader"][0]), "scopes": ["ops:read"]}]
    with pytest.raises(ValidationError, match="gives 'x' a development key"):
        Settings(environment="production", **(real_secrets() | {"api_keys": dev_operator}))
