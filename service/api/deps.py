"""Request dependencies as ``Annotated`` aliases: ``def route(session: SessionDep, ...)``.

Heavy objects are created once in the application's ``lifespan`` and kept on ``app.state``;
dependencies only hand them out (tests replace them by building the app with fakes).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from models.registry import current_version
from service.config import Settings
from service.db.api_keys import authenticate
from service.db.models import ApiKey, utcnow
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


def _presented_key(request: Request, settings: Settings) -> str | None:
    key = request.headers.get(settings.api_key_header)
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def require_api_key(request: Request, session: SessionDep, settings: SettingsDep) -> ApiKey:
    """Any active key: the query endpoints, feedback and client mappings."""
    key = _presented_key(request, settings)
    challenge = {"WWW-Authenticate": f'ApiKey header="{settings.api_key_header}"'}
    if not key:
        raise HTTPException(
            401, f"missing API key (send it in {settings.api_key_header})", challenge
        )
    row = authenticate(session, key)
    if row is None:
        raise HTTPException(401, "invalid or revoked API key", challenge)
    if row.last_used_at is None or utcnow() - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = utcnow()
        session.commit()
    return row


ApiKeyDep = Annotated[ApiKey, Depends(require_api_key)]


def require_admin_key(key: ApiKeyDep) -> ApiKey:
    """An admin key: erasing data, reloading the model, re-queuing."""
    if not key.admin:
        raise HTTPException(
            403, "this endpoint needs an admin API key (triage api-key create --admin)"
        )
    return key


AdminKeyDep = Annotated[ApiKey, Depends(require_admin_key)]
