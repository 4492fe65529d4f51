"""Clients: the ranked list, one client's summary, its flag history, its address/domain
mapping, and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from sqlalchemy.orm import Session

from service.api.deps import AdminKeyDep, ApiKeyDep, SessionDep, SettingsDep
from service.api.schemas import (
    ClientCreate,
    ClientItem,
    ClientList,
    ClientSummary,
    ClientUpdate,
    ErrorBody,
    FlagItem,
    FlagPage,
    Label,
    Mapping,
    MappingCreate,
    RiskLevelName,
)
from service.config import Settings
from service.db import clients as repo
from service.db.flags import BadCursor, FlagFilter, flag_history
from service.db.models import AddressKind, Client, Flag, Message
from service.risk.policy import RiskLevel
from service.risk.refresh import client_summary, refresh_clients

router = APIRouter(prefix="/v1/clients", tags=["clients"])

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "No such client."}}
AUTH: Responses = {401: {"model": ErrorBody, "description": "Missing or invalid API key."}}


def get_client_or_404(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise HTTPException(404, f"client {client_id} not found")
    return client


def client_item(client: Client) -> dict:
    return {
        "id": client.id,
        "name": client.name,
        "risk_level": client.risk_level,
        "risk_points": client.risk_points,
        "first_contact": client.first_contact,
        "last_contact": client.last_contact,
        "mappings": [{"kind": a.kind, "value": a.value} for a in client.addresses],
    }


@router.get("", summary="Clients ranked by risk", response_model=ClientList, responses=AUTH)
def list_clients(
    session: SessionDep,
    _key: ApiKeyDep,
    risk: Annotated[list[RiskLevelName] | None, Query(description="Only these levels.")] = None,
    q: Annotated[str | None, Query(description="Name or address contains.", max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    levels = [RiskLevel(level) for level in risk] if risk else None
    page = repo.list_clients(session, risk=levels, search=q, limit=limit, offset=offset)
    return {
        "items": [client_item(c) for c in page.items],
        "total": page.total,
        "limit": limit,
        "offset": offset,
    }


@router.post(
    "",
    summary="Create a client ahead of its mail",
    status_code=201,
    response_model=ClientItem,
    responses={
        **AUTH,
        409: {"model": ErrorBody, "description": "Mapping owned by another client."},
    },
)
def create_client(body: ClientCreate, session: SessionDep, _key: ApiKeyDep) -> dict:
    try:
        client = repo.create_client(
            session, body.name, [(AddressKind(m.kind), m.value) for m in body.mappings]
        )
    except repo.MappingConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    session.refresh(client)
    return client_item(client)


@router.get(
    "/{client_id}",
    summary="One client's summary and risk level",
    response_model=ClientSummary,
    responses={**AUTH, **NOT_FOUND},
)
def get_client(client_id: int, session: SessionDep, settings: SettingsDep, _key: ApiKeyDep) -> dict:
    client = get_client_or_404(session, client_id)
    summary = client_summary(session, client, settings)
    # The summary's risk is computed now; the stored level (used for ranking) may lag a little.
    return client_item(client) | summary | {"risk_level": summary["risk"]["level"]}


@router.patch(
    "/{client_id}", summary="Rename a client", response_model=ClientItem, responses=NOT_FOUND
)
def update_client(client_id: int, body: ClientUpdate, session: SessionDep, _key: ApiKeyDep) -> dict:
    client = get_client_or_404(session, client_id)
    client.name = body.name
    session.commit()
    return client_item(client)


@router.delete(
    "/{client_id}",
    summary="Erase a client and all its stored mail, flags and feedback",
    status_code=204,
    responses={**NOT_FOUND, 403: {"model": ErrorBody, "description": "Needs an admin key."}},
)
def erase_client(client_id: int, session: SessionDep, _key: AdminKeyDep) -> Response:
    if not repo.erase_client(session, client_id):
        raise HTTPException(404, f"client {client_id} not found")
    session.commit()
    return Response(status_code=204)


@router.get(
    "/{client_id}/addresses",
    summary="Addresses and domains mapped to the client",
    response_model=list[Mapping],
    responses=NOT_FOUND,
)
def list_mappings(client_id: int, session: SessionDep, _key: ApiKeyDep) -> list[dict]:
    return client_item(get_client_or_404(session, client_id))["mappings"]


def _apply_mapping(
    session: Session, client_id: int, body: MappingCreate, settings: Settings
) -> list[dict]:
    try:
        _, donors = repo.add_mapping(
            session, client_id, AddressKind(body.kind), body.value, move=body.move
        )
    except repo.MappingConflict as exc:
        raise HTTPException(
            409, f"{exc}; send move=true to take it over with its stored mail"
        ) from exc
    refresh_clients(session, [client_id, *donors], settings)
    session.commit()
    session.expire_all()
    return client_item(get_client_or_404(session, client_id))["mappings"]


@router.post(
    "/{client_id}/addresses",
    summary="Map an address or a whole domain to the client (stored mail follows)",
    status_code=201,
    response_model=list[Mapping],
    responses={**NOT_FOUND, 409: {"model": ErrorBody, "description": "Owned by another client."}},
)
def add_mapping(
    client_id: int,
    body: MappingCreate,
    session: SessionDep,
    settings: SettingsDep,
    _key: ApiKeyDep,
) -> list[dict]:
    get_client_or_404(session, client_id)
    return _apply_mapping(session, client_id, body, settings)


@router.delete(
    "/{client_id}/addresses/{value}",
    summary="Unmap an address or domain (stored mail stays with the client)",
    status_code=204,
    responses=NOT_FOUND,
)
def remove_mapping(client_id: int, value: str, session: SessionDep, _key: ApiKeyDep) -> Response:
    get_client_or_404(session, client_id)
    if not repo.remove_mapping(session, client_id, value):
        raise HTTPException(404, f"{value} is not mapped to client {client_id}")
    session.commit()
    return Response(status_code=204)


@router.get(
    "/{client_id}/flags",
    summary="Flag history, newest first (cursor pagination)",
    response_model=FlagPage,
    responses={**NOT_FOUND, 400: {"model": ErrorBody, "description": "Bad cursor."}},
)
def list_flags(
    client_id: int,
    session: SessionDep,
    _key: ApiKeyDep,
    label: Label | None = None,
    language: Annotated[str | None, Query(max_length=8, examples=["ru"])] = None,
    since: Annotated[datetime | None, Query(description="From this date (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this date.")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    get_client_or_404(session, client_id)
    filters = FlagFilter(label=label, language=language, since=since, until=until)
    try:
        page = flag_history(session, client_id, filters, limit=limit, cursor=cursor)
    except BadCursor as exc:
        raise HTTPException(400, str(exc)) from exc
    return {
        "items": [flag_item(flag, message) for flag, message in page.items],
        "next_cursor": page.next_cursor,
    }


def flag_item(flag: Flag, message: Message) -> dict:
    corrected = message.corrected_labels
    return FlagItem(
        id=flag.id,
        message_id=message.id,
        date=message.occurred_at,
        subject=message.subject,
        label=flag.label,
        score=flag.score,
        evidence=flag.evidence,
        language=message.language,
        release=flag.release,
        dismissed=corrected is not None and flag.label not in corrected,
    ).model_dump()
