"""Liveness (``/healthz``: the process serves HTTP) and readiness (``/readyz``: the database
answers and, where this process classifies, a model release is loaded)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.api.errors import DATABASE_ERRORS

router = APIRouter(tags=["health"])

NO_MODEL = "not needed (no worker in this process)"


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _database_ok(request: Request) -> bool:
    try:
        with request.app.state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DATABASE_ERRORS:
        return False
    return True


@router.get(
    "/readyz",
    summary="Database reachable and model loaded",
    responses={503: {"description": "Not ready; `checks` says what is missing."}},
)
def readyz(request: Request) -> JSONResponse:
    holder = request.app.state.classifier
    needs_model = request.app.state.run_worker
    failure = f" ({holder.error})" if holder.error else ""
    missing = f"not loaded{failure}" if needs_model else NO_MODEL
    checks = {
        "database": "ok" if _database_ok(request) else "unreachable",
        "model": holder.version or missing,
    }
    ready = checks["database"] == "ok" and (holder.current is not None or not needs_model)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
