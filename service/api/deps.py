"""Request dependencies as ``Annotated`` aliases: ``def route(session: SessionDep, ...)``.

Heavy objects are created once in the application's ``lifespan`` and kept on ``app.state``;
dependencies only hand them out (tests replace them by building the app with fakes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from models.registry import current_version
from service.api.ratelimit import record_failure, refuse_if_blocked
from service.api.schemas import MULTI_VALUED_QUERY
from service.config import Settings
from service.db.api_keys import authenticate
from service.db.models import ApiKey, Scope, utcnow
from service.db.session import Database
from service.runtime import ClassifierHolder
from service.worker import Worker

LAST_USED_RESOLUTION = timedelta(minutes=10)
"""``last_used_at`` is written at most this often, so reads do not become writes."""


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; routes that write commit themselves before answering."""
    with request.app.state.db.sessionmaker() as session:
        yield session


def get_classifier_holder(request: Request) -> ClassifierHolder:
    return request.app.state.classifier


def get_worker(request: Request) -> Worker | None:
    return request.app.state.worker


def get_serving_release(request: Request) -> str | None:
    """The release that classifies: the loaded one, or on a node without a model (no worker)
    the one the ``current`` pointer names, which the workers load."""
    version = request.app.state.classifier.version
    return version or current_version(request.app.state.settings.releases_dir)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
ClassifierDep = Annotated[ClassifierHolder, Depends(get_classifier_holder)]
WorkerDep = Annotated[Worker | None, Depends(get_worker)]
ReleaseDep = Annotated[str | None, Depends(get_serving_release)]


async def single_valued_query(request: Request) -> None:
    """A scalar query parameter given twice is a 422, not silently its last value (async: a
    sync dependency would cost every request a thread hop)."""
    query = request.query_params
    repeated = sorted({k for k in query if len(query.getlist(k)) > 1} - MULTI_VALUED_QUERY)
    if repeated:
        raise RequestValidationError(
            [
                {"type": "repeated", "loc": ("query", key), "msg": "given more than once"}
                for key in repeated
            ]
        )


API_KEY_SCHEME = APIKeyHeader(
    name=Settings.model_fields["api_key_header"].default,
    scheme_name="ApiKey",
    description="An API key (`triage api-key create`), in the header TRIAGE_API_KEY_HEADER names.",
    auto_error=False,
)
API_KEY_BEARER_SCHEME = HTTPBearer(
    scheme_name="ApiKeyBearer",
    description="The same API key as `Authorization: Bearer <key>`.",
    auto_error=False,
)
"""How the OpenAPI schema documents API-key auth; the key itself is read by
:func:`require_api_key`, from the header the settings name."""


def _presented_key(request: Request, settings: Settings) -> str | None:
    key = request.headers.get(settings.api_key_header)
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def require_api_key(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _header: Annotated[str | None, Security(API_KEY_SCHEME)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(API_KEY_BEARER_SCHEME)] = None,
) -> ApiKey:
    """Any active key (scopes are checked by :func:`require_scope`); failures count towards
    the address's rate limit, and a blocked address is refused before the lookup."""
    refuse_if_blocked(request)
    key = _presented_key(request, settings)
    challenge = {"WWW-Authenticate": f'ApiKey header="{settings.api_key_header}"'}
    if not key:
        record_failure(request)
        raise HTTPException(
            401, f"missing API key (send it in {settings.api_key_header})", challenge
        )
    row = authenticate(session, key)
    if row is None:
        record_failure(request)
        raise HTTPException(401, "invalid or revoked API key", challenge)
    if row.last_used_at is None or utcnow() - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = utcnow()
        session.commit()
    return row


def require_scope(scope: Scope) -> Callable[[ApiKey], ApiKey]:
    """A dependency: an active key that has ``scope`` (403 naming the scope otherwise)."""

    def check(key: Annotated[ApiKey, Depends(require_api_key)]) -> ApiKey:
        if not key.allows(scope):
            raise HTTPException(
                403,
                f"this API key lacks the {scope.value!r} scope "
                f"(triage api-key create --scope {scope.value})",
            )
        return key

    return check


ReadKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.READ))]
WriteKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.WRITE))]
AdminKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.ADMIN))]
