"""API keys: created once (shown once), stored only as a SHA-256 hash.

A key is ``trk_`` + 43 url-safe characters (256 random bits). With that much entropy a plain
SHA-256 is as safe as a password hash and costs nothing per request. The first characters are
kept as ``prefix`` so that an operator can tell keys apart in ``triage api-key list``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.db.models import ApiKey, Scope, utcnow
from service.db.session import rowcount

KEY_PREFIX = "trk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


DEFAULT_SCOPES = (Scope.READ,)
"""A key created without naming scopes can only read."""


@dataclass(frozen=True)
class CreatedKey:
    id: int
    name: str
    key: str
    scopes: tuple[str, ...]


def create_key(session: Session, name: str, scopes: Iterable[Scope] = DEFAULT_SCOPES) -> CreatedKey:
    """A new key with ``scopes`` (sorted, deduplicated); the secret is returned only here."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    names = tuple(sorted({Scope(scope).value for scope in scopes}))
    row = ApiKey(name=name, prefix=key[:10], key_hash=hash_key(key), scopes=" ".join(names))
    session.add(row)
    session.flush()
    return CreatedKey(row.id, name, key, names)


def authenticate(session: Session, key: str) -> ApiKey | None:
    """The active key matching ``key`` (lookup by hash: no timing leak on the secret)."""
    if not key.startswith(KEY_PREFIX):
        return None  # not one of ours: no database round trip
    return session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, key_id: int) -> bool:
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(rowcount(result))
