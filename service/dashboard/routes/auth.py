"""Sign in with an API key, log out, and choose the interface language."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from service.api.ratelimit import record_failure, refuse_if_blocked
from service.dashboard.auth import (
    FORM_COOKIE,
    CsrfField,
    OptionalViewerDep,
    SessionDep,
    check_csrf,
    clear_session_cookie,
    safe_next,
    session_token,
    set_language_cookie,
    set_session_cookie,
)
from service.dashboard.i18n import LOCALES
from service.dashboard.pages import redirect, render
from service.db.api_keys import authenticate
from service.db.models import Scope
from service.db.web_sessions import close_session, open_session

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

NextField = Annotated[str, Form(max_length=2000)]


@router.get("/login")
def login_form(request: Request, viewer: OptionalViewerDep, next: str = "/") -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "failed": False}, viewer=None)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf_token: CsrfField = "",
    next: NextField = "/",
) -> Response:
    check_csrf(request, request.cookies.get(FORM_COOKIE), csrf_token)
    refuse_if_blocked(request)  # the same per-address budget as every other credential check
    key = authenticate(session, api_key.strip()) if api_key.strip() else None
    if key is None or not key.allows(Scope.READ):  # an inbound-only key posts mail, nothing else
        record_failure(request)
        logger.info("dashboard sign-in refused", extra={"client": _peer(request)})
        context = {"next": safe_next(next), "failed": True}
        return render(request, "login.html", context, viewer=None, status=401)
    lifetime = timedelta(minutes=request.app.state.settings.session_minutes)
    opened = open_session(session, key, lifetime)
    session.commit()
    logger.info("dashboard sign-in", extra={"key_id": key.id, "client": _peer(request)})
    response = redirect(safe_next(next))
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, viewer: OptionalViewerDep, csrf_token: CsrfField = ""
) -> Response:
    if viewer is not None:
        check_csrf(request, viewer.csrf_token, csrf_token)
        token = session_token(request)
        if token:
            close_session(session, token)
            session.commit()
    response = redirect("/login")
    clear_session_cookie(request, response)
    return response


@router.post("/language")
def choose_language(
    request: Request,
    viewer: OptionalViewerDep,
    lang: Annotated[str, Form(max_length=8)] = "",
    csrf_token: CsrfField = "",
    next: NextField = "/",
) -> Response:
    expected = viewer.csrf_token if viewer else request.cookies.get(FORM_COOKIE)
    check_csrf(request, expected, csrf_token)
    response = redirect(safe_next(next))
    if lang in LOCALES:
        set_language_cookie(request, response, lang)
    return response


def _peer(request: Request) -> str | None:
    return request.client.host if request.client else None
