"""JSON errors everywhere, and no stack trace ever sent to a client.

A database that cannot be reached is *our* temporary failure: 503 with ``Retry-After`` so that
providers retry and clients back off. Anything unexpected is a 500 with a generic message (the
details go to the log with the request path).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

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


def install_error_handlers(app: FastAPI) -> None:
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unexpected)
