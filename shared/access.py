"""Who may call the APIs: per-person API keys (only their SHA-256 is stored) with scopes.

`ops:read` reads worklists, claims, trails and money; `ops:write` acts (resolves holds, records phone
verifications, replaces and voids claims, uploads ERAs) and includes reading; `admin` runs
reconciliations and reads the audit log, and includes both. The operator an action records is the
credential's name, never a name in the request body.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from pydantic import TypeAdapter

from shared.settings import DEV_API_KEYS, ApiKeyEntry, Settings, get_settings, key_hash

SCOPES = ("ops:read", "ops:write", "admin")
IMPLIES = {
    "admin": {"admin", "ops:write", "ops:read"},
    "ops:write": {"ops:write", "ops:read"},
    "ops:read": {"ops:read"},
}
KEY_PREFIX = "tbk_"


@dataclass(frozen=True)
class Operator:
    name: str
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def granted(scopes: Iterable[str]) -> frozenset[str]:
    return frozenset(implied for scope in scopes for implied in IMPLIES.get(scope, ()))


@dataclass(frozen=True)
class Credentials:
    by_hash: dict[str, Operator]

    def who(self, key: str) -> Operator | None:
        return self.by_hash.get(key_hash(key)) if key else None


def credentials_from(settings: Settings) -> Credentials:
    entries = list(settings.api_keys) + stored_entries(settings.keys_file)
    if settings.environment != "production":
        entries += [entry_for(name, key, scopes) for name, (key, scopes) in DEV_API_KEYS.items()]
    return Credentials({entry.key_sha256: Operator(entry.name, granted(entry.scopes)) for entry in entries})


ENTRIES = TypeAdapter(list[ApiKeyEntry])


def entry_for(name: str, key: str, scopes: Iterable[str]) -> ApiKeyEntry:
    return ApiKeyEntry.model_validate({"name": name, "key_sha256": key_hash(key), "scopes": list(scopes)})


def stored_entries(path: Path) -> list[ApiKeyEntry]:
    if not path.exists():
        return []
    return ENTRIES.validate_json(path.read_bytes())


def add_key(path: Path, name: str, scopes: list[str]) -> str:
    """Adds a new key for `name` to the keys file and returns the key: shown once, stored as a hash."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    write_entries(path, [*stored_entries(path), entry_for(name, key, scopes)])
    return key


def revoke_name(path: Path, name: str) -> int:
    """Removes every key of `name`; returns how many there were."""
    entries = stored_entries(path)
    kept = [entry for entry in entries if entry.name != name]
    write_entries(path, kept)
    return len(entries) - len(kept)


def write_entries(path: Path, entries: list[ApiKeyEntry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([entry.model_dump() for entry in entries], indent=2) + "\n")
    path.chmod(0o600)


def presented_key(settings: Settings) -> str:
    """The key this process (CLI, a service calling another) presents: its own, or the development
    admin's outside production."""
    if settings.api_key or settings.environment == "production":
        return settings.api_key
    return DEV_API_KEYS["dev-admin"][0]


@dataclass
class Loaded:
    settings: Settings | None = None
    stamp: float = -1.0
    credentials: Credentials | None = None


LOADED = Loaded()


def current_credentials(settings: Settings | None = None) -> Credentials:
    """The credentials as of now: a key added to (or revoked from) the keys file counts from the next
    request, without a restart."""
    settings = settings or get_settings()
    path = settings.keys_file
    stamp = path.stat().st_mtime if path.exists() else 0.0
    if LOADED.credentials is None or LOADED.settings is not settings or LOADED.stamp != stamp:
        LOADED.settings, LOADED.stamp, LOADED.credentials = settings, stamp, credentials_from(settings)
    return LOADED.credentials


BEARER = HTTPBearer(
    auto_error=False,
    description="A person's API key (`telebill api-keys add`). The scopes a route needs are listed on its "
    "security requirement: ops:read, ops:write (includes ops:read) or admin (includes both).",
)


def authorized(
    scopes: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Operator:
    """401 without a known key, 403 when its scopes do not cover the route's; the operator is then
    on `request.state` for the audit log and for the action itself."""
    if credentials is None:
        raise HTTPException(401, "missing bearer API key", headers={"WWW-Authenticate": "Bearer"})
    operator = current_credentials().who(credentials.credentials)
    if operator is None:
        raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    request.state.operator = operator
    missing = [scope for scope in scopes.scopes if not operator.may(scope)]
    if missing:
        raise HTTPException(403, f"{operator.name} lacks the scope {', '.join(missing)}")
    return operator


def needs(scope: str) -> Any:
    return Security(authorized, scopes=[scope])


READERS = [needs("ops:read")]
WRITERS = [needs("ops:write")]
ADMINS = [needs("admin")]
Reader = Annotated[Operator, needs("ops:read")]
Writer = Annotated[Operator, needs("ops:write")]
