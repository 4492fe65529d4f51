"""Clients: the ranked list, one client's summary, its flag history, its address/domain
mapping, and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response
from sqlalchemy.orm import Session

from service.api.deps import AdminKeyDep, ReadKeyDep, SessionDep, SettingsDep, WriteKeyDep
from service.api.schemas import (
    BAD_BODY,
    CONFLICT,
    FORBIDDEN,
    MAX_OFFSET,
    MAX_TEXT,
    NOT_FOUND,
    SERVICE_ERRORS,
    UNAUTHORIZED,
    ClientCreate,
    ClientId,
    ClientItem,
    ClientList,
    ClientSummary,
    ClientUpdate,
    DateTimeParam,
    FlagItem,
    FlagPage,
    Label,
    Mapping,
    MappingCreate,
    RiskLevelName,
)
from service.config import Settings
from service.db import clients as repo
from service.db.flags import CURSOR_PATTERN, FlagFilter, flag_history
from service.db.models import AddressKind, Client, Flag, Message
from service.risk.policy import RiskLevel
from service.risk.refresh import client_summary, refresh_clients

router = APIRouter(
    prefix="/v1/clients", tags=["clients"], responses=UNAUTHORIZED | FORBIDDEN | SERVICE_ERRORS
)


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


@router.get("", summary="Clients ranked by risk", response_model=ClientList)
def list_clients(
    session: SessionDep,
    _key: ReadKeyDep,
    risk: Annotated[
        list[RiskLevelName] | None, Query(description="Only these levels.", max_length=3)
    ] = None,
    q: Annotated[str | None, Query(description="Name or address contains.", max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
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
    responses=BAD_BODY | CONFLICT,
)
def create_client(body: ClientCreate, session: SessionDep, _key: WriteKeyDep) -> dict:
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
    responses=NOT_FOUND,
)
def get_client(
    client_id: ClientId, session: SessionDep, settings: SettingsDep, _key: ReadKeyDep
) -> dict:
    client = get_client_or_404(session, client_id)
    summary = client_summary(session, client, settings)
    # The summary's risk is computed now; the stored level (used for ranking) may lag a little.
    return client_item(client) | summary | {"risk_level": summary["risk"]["level"]}


@router.patch(
    "/{client_id}",
    summary="Rename a client",
    response_model=ClientItem,
    responses=NOT_FOUND | BAD_BODY,
)
def update_client(
    client_id: ClientId, body: ClientUpdate, session: SessionDep, _key: WriteKeyDep
) -> dict:
    client = get_client_or_404(session, client_id)
    client.name = body.name
    session.commit()
    return client_item(client)


@router.delete(
    "/{client_id}",
    summary="Erase a client and all its stored mail, flags and feedback",
    status_code=204,
    responses=NOT_FOUND,
)
def erase_client(client_id: ClientId, session: SessionDep, _key: AdminKeyDep) -> Response:
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
def list_mappings(client_id: ClientId, session: SessionDep, _key: ReadKeyDep) -> list[dict]:
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
    responses=NOT_FOUND | CONFLICT | BAD_BODY,
)
def add_mapping(
    client_id: ClientId,
    body: MappingCreate,
    session: SessionDep,
    settings: SettingsDep,
    _key: WriteKeyDep,
) -> list[dict]:
    get_client_or_404(session, client_id)
    return _apply_mapping(session, client_id, body, settings)


@router.delete(
    "/{client_id}/addresses/{value}",
    summary="Unmap an address or domain (stored mail stays with the client)",
    status_code=204,
    responses=NOT_FOUND,
)
def remove_mapping(
    client_id: ClientId,
    value: Annotated[str, Path(max_length=MAX_TEXT)],
    session: SessionDep,
    _key: WriteKeyDep,
) -> Response:
    get_client_or_404(session, client_id)
    if not repo.remove_mapping(session, client_id, value):
        raise HTTPException(404, f"{value} is not mapped to client {client_id}")
    session.commit()
    return Response(status_code=204)


@router.get(
    "/{client_id}/flags",
    summary="Flag history, newest first (cursor pagination)",
    response_model=FlagPage,
    responses=NOT_FOUND,
)
def list_flags(
    client_id: ClientId,
    session: SessionDep,
    _key: ReadKeyDep,
    label: Label | None = None,
    language: Annotated[
        str | None, Query(max_length=8, pattern=r"^[a-z]{2,3}$", examples=["ru"])
    ] = None,
    since: Annotated[DateTimeParam | None, Query(description="From this date (inclusive).")] = None,
    until: Annotated[DateTimeParam | None, Query(description="Before this date.")] = None,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    get_client_or_404(session, client_id)
    filters = FlagFilter(label=label, language=language, since=since, until=until)
    page = flag_history(session, client_id, filters, limit=limit, cursor=cursor)
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
