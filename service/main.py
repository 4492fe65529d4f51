"""The FastAPI application: routers are mounted here; heavy things load once in ``lifespan``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.routes import health


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the database and model once per process (wired in as their issues land)."""
    yield


def create_app() -> FastAPI:
    """Application factory, so tests build a fresh app with their own settings."""
    app = FastAPI(
        title="Client-risk email triage",
        version="0.1.0",
        summary="Flags abuse, pessimism, unreasonable demands and slow responses in client mail.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    return app
