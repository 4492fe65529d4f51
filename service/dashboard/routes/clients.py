"""The client list (ranked by risk) and one client's page: risk and reasons, what to do,
timeline, counts, messages with their evidence, address mapping and erasure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from sqlalchemy.orm import Session

from service.config import Settings
from service.dashboard.advice import advice_for
from service.dashboard.auth import (
    FormAdminDep,
    FormWriterDep,
    SessionDep,
    Viewer,
    ViewerDep,
)
from service.dashboard.pages import redirect, render
from service.dashboard.views import client_rows, message_views, saved_notice
from service.db import clients as repo
from service.db.facts import load_facts
from service.db.messages import client_messages
from service.db.models import AddressKind, Client, utcnow
from service.risk.assess import assess
from service.risk.policy import RiskLevel
from service.risk.refresh import client_summary, refresh_clients
from service.risk.summary import week_starts, weekly_labels, weekly_longest_gaps

router = APIRouter(include_in_schema=False)

CLIENTS_PER_PAGE = 50
MESSAGES_PER_PAGE = 25
TIMELINE_WEEKS = 26
"""The client page's charts cover half a year, week by week."""

PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


@router.get("/")
def clients_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
    risk: Annotated[list[RiskLevel] | None, Query()] = None,
    page: PageNumber = 1,
) -> Response:
    settings = settings_of(request)
    found = repo.list_clients(
        session,
        risk=risk or None,
        search=q.strip() or None,
        limit=CLIENTS_PER_PAGE,
        offset=(page - 1) * CLIENTS_PER_PAGE,
    )
    context = {
        "rows": client_rows(session, found.items, settings),
        "total": found.total,
        "q": q,
        "risk": [level.value for level in risk or []],
        "page": page,
        "pages": max(1, -(-found.total // CLIENTS_PER_PAGE)),
        "now": utcnow(),
    }
    return render(request, "clients.html", context, viewer=viewer)


def not_found(request: Request, viewer: Viewer) -> Response:
    return render(request, "error.html", {"error": "not_found"}, viewer=viewer, status=404)


def client_context(request: Request, session: Session, client: Client, page: int) -> dict[str, Any]:
    """Everything the client page shows."""
    settings = settings_of(request)
    now = utcnow()
    facts = load_facts(session, client.id)
    inbound = [f for f in facts if f.direction == "inbound"]
    assessment = assess(facts, now, settings)
    starts = week_starts(now, TIMELINE_WEEKS)
    listed = client_messages(
        session, client.id, limit=MESSAGES_PER_PAGE, offset=(page - 1) * MESSAGES_PER_PAGE
    )
    return {
        "client": client,
        "summary": client_summary(session, client, settings, now, facts=facts),
        "assessment": assessment,
        "advice": advice_for(assessment),
        "starts": starts,
        "now": now,
        "label_weeks": weekly_labels(inbound, now, TIMELINE_WEEKS),
        "gaps": weekly_longest_gaps(inbound, now, TIMELINE_WEEKS),
        "long_gap_days": settings.long_reply_gap_days,
        "risk_days": settings.risk_window_days,
        "messages": message_views(listed, settings.releases_dir),
        "message_total": listed.total,
        "page": page,
        "pages": max(1, -(-listed.total // MESSAGES_PER_PAGE)),
        "mappings": sorted(client.addresses, key=lambda a: (a.kind, a.value)),
        "mapping_error": None,
        "saved": None,
    }


@router.get("/clients/{client_id}")
def client_page(
    client_id: int,
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    page: PageNumber = 1,
    saved: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    client = session.get(Client, client_id)
    if client is None:
        return not_found(request, viewer)
    context = client_context(request, session, client, page)
    context["saved"] = saved_notice(session, saved, settings_of(request))
    return render(request, "client.html", context, viewer=viewer)


@router.post("/clients/{client_id}/addresses")
def add_mapping(
    client_id: int,
    request: Request,
    session: SessionDep,
    viewer: FormWriterDep,
    kind: Annotated[AddressKind, Form()],
    value: Annotated[str, Form(min_length=1, max_length=320)],
    move: Annotated[bool, Form()] = False,
) -> Response:
    client = session.get(Client, client_id)
    if client is None:
        return not_found(request, viewer)
    try:
        _, donors = repo.add_mapping(session, client_id, kind, value, move=move)
    except repo.MappingConflict as exc:
        session.rollback()
        context = client_context(request, session, client, 1)
        context["mapping_error"] = {"value": exc.value, "owner": exc.client_id}
        return render(request, "client.html", context, viewer=viewer, status=409)
    refresh_clients(session, [client_id, *donors], settings_of(request))
    session.commit()
    return redirect(f"/clients/{client_id}#addresses")


@router.post("/clients/{client_id}/addresses/remove")
def remove_mapping(
    client_id: int,
    request: Request,
    session: SessionDep,
    viewer: FormWriterDep,
    value: Annotated[str, Form(min_length=1, max_length=320)],
) -> Response:
    if session.get(Client, client_id) is None:
        return not_found(request, viewer)
    repo.remove_mapping(session, client_id, value)
    session.commit()
    return redirect(f"/clients/{client_id}#addresses")


@router.get("/clients/{client_id}/erase")
def erase_form(
    client_id: int, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    client = session.get(Client, client_id)
    if client is None:
        return not_found(request, viewer)
    if not viewer.admin:
        return render(request, "error.html", {"error": "admin"}, viewer=viewer, status=403)
    summary = client_summary(session, client, settings_of(request))
    return render(request, "erase.html", {"client": client, "summary": summary}, viewer=viewer)


@router.post("/clients/{client_id}/erase")
def erase(
    client_id: int,
    request: Request,
    session: SessionDep,
    viewer: FormAdminDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if confirm != "yes":
        return redirect(f"/clients/{client_id}/erase")
    if not repo.erase_client(session, client_id):
        return not_found(request, viewer)
    session.commit()
    return redirect(f"/?erased={client_id}")
