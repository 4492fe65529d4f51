"""JSON errors everywhere, and no stack trace ever sent to a client.

A database that cannot be reached is *our* temporary failure: 503 with ``Retry-After`` so that
providers retry and clients back off. Anything unexpected is a 500 with a generic message (the
details go to the log with the request path). A method the path does not have is a 405 whose
``Allow`` names every method of the path (the router alone names only the first route's).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from service.api.ratelimit import TooManyFailures, too_many_failures

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
"""Errors that mean "the database is unreachable or busy", not "the request is wrong"."""

RETRY_AFTER_SECONDS = 30


def database_unavailable() -> JSONResponse:
    return JSONResponse(
        {"detail": "database temporarily unavailable; retry later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
    return database_unavailable()


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "unhandled error", exc_info=exc, extra={"path": request.url.path, "method": request.method}
    )
    return JSONResponse({"detail": "internal error"}, status_code=500)


def allowed_methods(request: Request) -> list[str]:
    """Every method the schema documents at this request's path (HEAD wherever GET is)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return await http_exception_handler(request, exc)


async def _too_many_failures(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyFailures)
    return too_many_failures(exc.seconds)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(TooManyFailures, _too_many_failures)
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unexpected)
