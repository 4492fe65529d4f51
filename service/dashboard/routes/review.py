"""Review: the messages the model is least sure about (scores nearest a threshold) or that no
reviewer has seen yet, each confirmed or corrected in one click.

A correction is recorded exactly as ``POST /v1/messages/{id}/feedback`` records it
(:func:`service.risk.refresh.record_correction`): the message's effective labels and its client's
risk change at once, and ``triage export-feedback`` picks it up for the next retraining.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Form, Query, Request, Response

from models.labels import LABELS
from service.api.deps import get_serving_release
from service.dashboard.auth import FormWriterDep, SessionDep, ViewerDep, safe_next
from service.dashboard.pages import redirect, render
from service.dashboard.releases import ThresholdsCache
from service.dashboard.views import doubt, message_views, saved_notice
from service.db.clients import clients_by_id
from service.db.messages import (
    corrections_count,
    messages_by_id,
    review_candidates,
    unreviewed_count,
)
from service.db.models import Message
from service.risk.refresh import record_correction

router = APIRouter(include_in_schema=False)

REVIEW_PAGE = 20
REVIEW_POOL = 2000
"""The least-sure ranking looks at this many of the newest unreviewed messages: recent mail is
what reviewers act on, and the bound keeps the page fast on any backlog."""


@router.get("/review")
def review_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    mode: Literal["uncertain", "new"] = "uncertain",
    saved: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    settings = request.app.state.settings
    if mode == "uncertain":
        thresholds = ThresholdsCache(settings.releases_dir)
        pool = review_candidates(session, REVIEW_POOL)
        ranked = sorted(pool, key=lambda c: doubt(c.scores, thresholds(c.release, c.language)))
        ids = [c.id for c in ranked[:REVIEW_PAGE]]
    else:
        ids = [c.id for c in review_candidates(session, REVIEW_PAGE)]
    page = messages_by_id(session, ids)
    release = get_serving_release(request)
    context = {
        "mode": mode,
        "messages": message_views(page, settings.releases_dir),
        "clients": clients_by_id(session, sorted({m.client_id for m in page.items if m.client_id})),
        "unreviewed": unreviewed_count(session),
        "waiting": corrections_count(session, release) if release else 0,
        "corrections": corrections_count(session),
        "release": release,
        "saved": saved_notice(session, saved, settings),
    }
    return render(request, "review.html", context, viewer=viewer)


def _with_saved(target: str, message_id: int) -> str:
    """``target`` with ``saved=<id>`` in its query (fragment kept)."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "saved"] + [
        ("saved", str(message_id))
    ]
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


@router.post("/messages/{message_id}/labels")
def correct_labels(
    message_id: int,
    request: Request,
    session: SessionDep,
    viewer: FormWriterDep,
    labels: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/review",
) -> Response:
    chosen = [label for label in labels.split(",") if label]
    message = session.get(Message, message_id)
    if message is None:
        return render(request, "error.html", {"error": "not_found"}, viewer=viewer, status=404)
    if any(label not in LABELS for label in chosen) or message.direction != "inbound":
        return render(request, "error.html", {"error": "bad_labels"}, viewer=viewer, status=422)
    record_correction(
        session, message, chosen, request.app.state.settings, reviewer=f"dashboard:{viewer.name}"
    )
    session.commit()
    return redirect(_with_saved(safe_next(next, "/review"), message_id))
