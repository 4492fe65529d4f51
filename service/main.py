"""The FastAPI application: routers are mounted here; heavy things load once in ``lifespan``.

Start-up order matters for "never lose a message": the database is migrated and opened first
(webhooks can be stored from the first request), the model loads in the background (``/readyz``
says when), and the in-process worker starts classifying as soon as the model is there. A node
without a worker (``--no-worker``) does not load the model at all.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from service import dashboard
from service.api.deps import single_valued_query
from service.api.errors import install_error_handlers
from service.api.inbound_openapi import SECURITY_SCHEMES
from service.api.limits import BodyLimit
from service.api.ratelimit import AuthFailureLimiter
from service.api.routes import admin, clients, feedback, health, inbound, messages, metrics
from service.config import Settings, get_settings
from service.db.schema import prepare_schema
from service.db.session import Database
from service.inbound.registry import ADAPTERS
from service.metrics import RequestMetrics
from service.runtime import ClassifierHolder, ClassifierLoader, service_loader
from service.worker import Worker

logger = logging.getLogger(__name__)

WORKER_STOP_SECONDS = 30.0


def _install_sighup(app: FastAPI) -> bool:
    """SIGHUP reloads the model (only possible from the main thread, i.e. under uvicorn)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return False
    holder: ClassifierHolder = app.state.classifier
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, holder.reload_in_background)
    return True


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open (and migrate) the database, load the model, start the worker; undo on shutdown."""
    settings: Settings = app.state.settings
    database = Database.from_settings(settings)
    await run_in_threadpool(prepare_schema, database.engine, settings)
    app.state.db = database
    app.state.ingest_limiter = anyio.CapacityLimiter(settings.ingest_concurrency)
    holder: ClassifierHolder = app.state.classifier
    if app.state.run_worker and holder.current is None:
        holder.reload_in_background()  # API-only nodes never classify: no model, no 1 GB
    worker = Worker(database, holder, settings) if app.state.run_worker else None
    app.state.worker = worker
    thread = worker.start_thread() if worker else None
    sighup = _install_sighup(app)
    logger.info(
        "service started",
        extra={"backend": database.backend, "worker": bool(worker), "sighup_reload": sighup},
    )
    try:
        yield
    finally:
        if sighup:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if worker and thread:
            worker.stop.set()
            worker.wake.set()
            await run_in_threadpool(thread.join, WORKER_STOP_SECONDS)
        database.dispose()


def create_app(
    settings: Settings | None = None,
    *,
    classifier_loader: ClassifierLoader | None = None,
    run_worker: bool | None = None,
) -> FastAPI:
    """Application factory, so tests build a fresh app with their own settings and model.

    ``classifier_loader(version)`` replaces the real release loader (tests pass a fake);
    ``run_worker`` overrides ``TRIAGE_RUN_WORKER`` (``triage serve --no-worker``).
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="Client-risk email triage",
        version="0.1.0",
        summary="Flags abuse, pessimism, unreasonable demands and slow responses in client mail.",
        description=(
            "Query and admin endpoints need an API key (`triage api-key create`) in the "
            f"`{settings.api_key_header}` header or as `Authorization: Bearer <key>`. Webhooks "
            "under `/v1/inbound/{provider}` use their provider's own authentication."
        ),
        lifespan=lifespan,
        dependencies=[Depends(single_valued_query)],
    )
    app.state.settings = settings
    app.state.classifier = ClassifierHolder(classifier_loader or service_loader(settings))
    app.state.run_worker = settings.run_worker if run_worker is None else run_worker
    app.state.adapters = ADAPTERS
    app.state.worker = None
    app.state.auth_limiter = AuthFailureLimiter(
        settings.auth_failure_limit, settings.auth_failure_window_seconds
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(RequestMetrics)
    for module in (health, metrics, inbound, clients, messages, feedback, admin):
        app.include_router(module.router)
    dashboard.install(app)
    _document_security(app, settings)
    return app


def _document_security(app: FastAPI, settings: Settings) -> None:
    """Add the webhooks' auth schemes to the schema, and name the configured API-key header."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes.update(SECURITY_SCHEMES)
            if "ApiKey" in schemes:
                schemes["ApiKey"]["name"] = settings.api_key_header
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
