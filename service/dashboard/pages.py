"""Rendering: one Jinja environment per interface language, and the headers every dashboard
response carries (Content-Security-Policy and friends)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.dashboard import charts
from service.dashboard.auth import LANGUAGE_COOKIE, Viewer, form_token, set_form_cookie
from service.dashboard.i18n import ENDONYMS, LOCALES, Formats, choose_locale, translations
from service.dashboard.wording import LABEL_NAMES, LEVEL_NAMES, reason_text

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""No inline script or style, nothing from another origin, no framing; pages with client data
are never cached."""


@cache
def environment(locale: str) -> Environment:
    """Templates with ``locale``'s catalog installed (compiled once per language)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["label_name"] = lambda label: translations(locale).gettext(LABEL_NAMES[label])
    env.filters["urlencode_query"] = query_prefix
    env.globals |= {
        "charts": charts,
        "LABEL_NAMES": LABEL_NAMES,
        "LEVEL_NAMES": LEVEL_NAMES,
        "ENDONYMS": ENDONYMS,
        "LOCALES": LOCALES,
    }
    return env


def query_prefix(params: dict[str, str | list[str]]) -> str:
    """``a=1&b=2&`` from non-empty parameters (lists repeat the name), ready for ``page=``."""
    pairs = [
        (name, value)
        for name, values in params.items()
        for value in (values if isinstance(values, list) else [values])
        if value
    ]
    return urlencode(pairs) + "&" if pairs else ""


def request_locale(request: Request) -> str:
    return choose_locale(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def formats(request: Request, locale: str) -> Formats:
    return Formats(locale, ZoneInfo(request.app.state.settings.dashboard_timezone))


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: Viewer | None,
    status: int = 200,
) -> HTMLResponse:
    """A page in the reader's language, with the security headers."""
    locale = request_locale(request)
    tr = translations(locale)
    fmt = formats(request, locale)
    page = {
        "request": request,
        "viewer": viewer,
        "locale": locale,
        "fmt": fmt,
        "csrf_token": viewer.csrf_token if viewer else form_token(request),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "reason_text": lambda reason: reason_text(reason, tr, fmt),
    }
    html = environment(locale).get_template(template).render(page | context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    set_form_cookie(request, response)
    return response


def redirect(url: str) -> Response:
    """See-other after a form, so that reloading the page does not post it again."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
