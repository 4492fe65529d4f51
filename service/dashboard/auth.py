"""Dashboard sign-in: a session opened with an API key, a signed cookie, CSRF tokens.

* The session cookie holds a random token signed with itsdangerous (HMAC, with its issue time:
  a cookie older than ``TRIAGE_SESSION_MINUTES`` fails the signature check even before the
  database is asked); it is ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` over HTTPS. The
  database row (:mod:`service.db.web_sessions`) makes logout and key revocation final.
* Every form carries a CSRF token: the session's own once signed in; before that (sign-in and
  language forms) a random token in a ``SameSite=Strict`` cookie that the form must repeat. A
  post whose ``Origin`` is another site is refused as well.
* The API key travels only in the sign-in form's body: never in a URL, a cookie or a log line.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Form, Request, Response
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.models import Scope
from service.db.web_sessions import find_session

logger = logging.getLogger(__name__)

SESSION_COOKIE = "triage_session"
FORM_COOKIE = "triage_form"
LANGUAGE_COOKIE = "triage_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 86400
SECRET_FILE = "session.key"


class SignInRequired(Exception):
    """No valid session: pages redirect to the sign-in form."""


class CsrfRefused(Exception):
    """A form post without the right token (or from another site)."""


class AdminRequired(Exception):
    """An admin-only action attempted with a query key."""


class WriteRequired(Exception):
    """A correction or mapping attempted with a read-only key."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the API key the session was opened with."""

    key_id: int
    name: str
    scopes: frozenset[str]
    """The key's scopes (``read``, ``write``, ``admin``): a read key only looks."""
    csrf_token: str

    @property
    def admin(self) -> bool:
        return Scope.ADMIN.value in self.scopes

    @property
    def can_write(self) -> bool:
        return Scope.WRITE.value in self.scopes


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.db.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _secret(settings: Settings) -> str:
    """``TRIAGE_SESSION_SECRET``, else a key created once (mode 0600) in the data directory."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = Path(settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def signer(request: Request) -> TimestampSigner:
    state = request.app.state
    if getattr(state, "session_signer", None) is None:
        state.session_signer = TimestampSigner(_secret(state.settings), salt="dashboard-session")
    return state.session_signer


def session_token(request: Request) -> str | None:
    """The session token from a validly signed, unexpired cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    max_age = request.app.state.settings.session_minutes * 60
    try:
        return signer(request).unsign(cookie, max_age=max_age).decode()
    except BadSignature:
        return None


def optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    token = session_token(request)
    found = find_session(session, token) if token else None
    if found is None:
        return None
    row, key = found
    return Viewer(key.id, key.name, frozenset(key.scopes.split()), row.csrf_token)


def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    if viewer is None:
        raise SignInRequired
    return viewer


OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]
ViewerDep = Annotated[Viewer, Depends(require_viewer)]


def form_token(request: Request) -> str:
    """The pre-sign-in CSRF token: the cookie's, or a new one (set by :func:`set_form_cookie`)."""
    existing = request.cookies.get(FORM_COOKIE)
    if existing:
        return existing
    if not hasattr(request.state, "new_form_token"):
        request.state.new_form_token = secrets.token_urlsafe(32)
    return request.state.new_form_token


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_form_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_form_token", None)
    if token:
        response.set_cookie(
            FORM_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
        )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        signer(request).sign(token).decode(),
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))


def set_language_cookie(request: Request, response: Response, locale: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        locale,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


def check_csrf(request: Request, expected: str | None, presented: str) -> None:
    """Refuse a post whose token is missing or wrong, or that comes from another site."""
    if not expected or not presented or not hmac.compare_digest(expected, presented):
        logger.info("dashboard form refused: CSRF token", extra={"path": request.url.path})
        raise CsrfRefused
    if not _same_origin(request):
        logger.info("dashboard form refused: foreign origin", extra={"path": request.url.path})
        raise CsrfRefused


CsrfField = Annotated[str, Form(max_length=200)]


def checked_viewer(request: Request, viewer: ViewerDep, csrf_token: CsrfField = "") -> Viewer:
    """A signed-in viewer whose form carries the session's CSRF token."""
    check_csrf(request, viewer.csrf_token, csrf_token)
    return viewer


def checked_admin(viewer: Annotated[Viewer, Depends(checked_viewer)]) -> Viewer:
    if not viewer.admin:
        raise AdminRequired
    return viewer


def checked_writer(viewer: Annotated[Viewer, Depends(checked_viewer)]) -> Viewer:
    if not viewer.can_write:
        raise WriteRequired
    return viewer


FormViewerDep = Annotated[Viewer, Depends(checked_viewer)]
FormWriterDep = Annotated[Viewer, Depends(checked_writer)]
FormAdminDep = Annotated[Viewer, Depends(checked_admin)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths after a form (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
