"""Overview: labels per week across all clients, clients per level, the queue, the serving
model release with its quality figures, and the language mix."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models.labels import LABELS, LANGUAGES
from service.api.deps import get_serving_release
from service.dashboard.auth import SessionDep, ViewerDep
from service.dashboard.pages import render
from service.dashboard.releases import release_facts
from service.db.clients import level_counts
from service.db.messages import language_mix, weekly_label_counts
from service.db.models import utcnow
from service.db.queue import queue_depth
from service.risk.summary import risk_weeks, week_starts

router = APIRouter(include_in_schema=False)


@router.get("/overview")
def overview_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    settings = request.app.state.settings
    now = utcnow()
    weeks = risk_weeks(settings)
    starts = week_starts(now, weeks)
    release = get_serving_release(request)
    mix = language_mix(session, starts[0])
    context = {
        "starts": starts,
        "label_weeks": weekly_label_counts(session, starts[0], weeks),
        "levels": level_counts(session),
        "queue": queue_depth(session),
        "release": release,
        "facts": release_facts(settings.releases_dir, release),
        "mix": sorted(mix.items(), key=lambda item: -item[1]),
        "mix_total": sum(mix.values()),
        "labels": LABELS,
        "languages": LANGUAGES,
        "days": settings.risk_window_days,
    }
    return render(request, "overview.html", context, viewer=viewer)
