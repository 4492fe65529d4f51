"""Dashboard sessions: opened by signing in with an API key, ended by logging out, expiry, or
revoking the key.

The browser holds a random 256-bit token (signed in the cookie by the dashboard); the table
holds only its SHA-256, as for API keys, plus the session's CSRF token and expiry.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.db.api_keys import hash_key
from service.db.models import ApiKey, DashboardSession, utcnow
from service.db.session import rowcount


@dataclass(frozen=True)
class OpenedSession:
    token: str
    """Shown to the browser only (in the signed cookie); never stored."""
    row: DashboardSession


def open_session(session: Session, key: ApiKey, lifetime: timedelta) -> OpenedSession:
    """A fresh session for ``key`` (a new token at every sign-in: no session fixation)."""
    purge_expired(session)
    token = secrets.token_urlsafe(32)
    row = DashboardSession(
        token_hash=hash_key(token),
        api_key_id=key.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return OpenedSession(token, row)


def find_session(session: Session, token: str) -> tuple[DashboardSession, ApiKey] | None:
    """The live session for ``token`` and its key, if neither expired nor revoked."""
    row = session.execute(
        select(DashboardSession, ApiKey)
        .join(ApiKey, ApiKey.id == DashboardSession.api_key_id)
        .where(
            DashboardSession.token_hash == hash_key(token),
            DashboardSession.expires_at > utcnow(),
            ApiKey.revoked_at.is_(None),
        )
    ).first()
    return (row[0], row[1]) if row else None


def close_session(session: Session, token: str) -> None:
    session.execute(delete(DashboardSession).where(DashboardSession.token_hash == hash_key(token)))


def purge_expired(session: Session) -> int:
    """Drop expired sessions (run at each sign-in, so the table stays small)."""
    expired = delete(DashboardSession).where(DashboardSession.expires_at <= utcnow())
    return rowcount(session.execute(expired))
