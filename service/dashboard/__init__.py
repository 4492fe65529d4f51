"""The dashboard: server-rendered pages on the same FastAPI app, at ``/``.

Clients ranked by risk, one client's evidence and what to do about it, the review queue and an
overview, in English, Korean, Russian and Turkish. Pages read storage through its public
functions and never load the model; assets are this package's own small CSS and JS, served by
the app itself (no CDN, nothing external), charts are inline SVG.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from service.dashboard.auth import AdminRequired, CsrfRefused, SignInRequired, WriteRequired
from service.dashboard.pages import redirect, render
from service.dashboard.routes import auth, clients, overview, review

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def _sign_in(request: Request, _exc: Exception) -> Response:
    """Pages redirect to the sign-in form, coming back to where the reader was going."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(
        f"/login?next={quote(target, safe='')}" if request.method == "GET" else "/login"
    )


async def _csrf(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", {"error": "csrf"}, viewer=None, status=403)


async def _admin(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", {"error": "admin"}, viewer=None, status=403)


async def _write(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", {"error": "write"}, viewer=None, status=403)


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and their error pages on ``app``."""
    for module in (auth, clients, review, overview):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRefused, _csrf)
    app.add_exception_handler(AdminRequired, _admin)
    app.add_exception_handler(WriteRequired, _write)
