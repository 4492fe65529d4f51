"""Admin endpoints (admin API key): reload the model without downtime, inspect and refill
the classification queue."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool

from service.api.deps import AdminKeyDep, ClassifierDep, ReleaseDep, SessionDep, WorkerDep
from service.api.schemas import (
    BAD_BODY,
    CONFLICT,
    FORBIDDEN,
    SERVICE_ERRORS,
    UNAUTHORIZED,
    QueueOut,
    ReclassifyIn,
    ReclassifyOut,
    ReloadIn,
    ReloadOut,
)
from service.db.queue import queue_depth, requeue

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], responses=UNAUTHORIZED | FORBIDDEN | SERVICE_ERRORS
)


@router.post(
    "/reload-model",
    summary="Load a model release and swap it in (in-flight batches finish on the old one)",
    response_model=ReloadOut,
    responses=CONFLICT | BAD_BODY,
)
async def reload_model(
    holder: ClassifierDep, _key: AdminKeyDep, body: ReloadIn | None = None
) -> dict:
    previous = holder.version
    try:
        release = await run_in_threadpool(holder.reload, body.release if body else None)
    except Exception as exc:
        raise HTTPException(409, f"release not loaded, still serving {previous}: {exc}") from exc
    return {"release": release, "previous": previous}


@router.get("/queue", summary="Messages per queue status", response_model=QueueOut)
def get_queue(session: SessionDep, release: ReleaseDep, _key: AdminKeyDep) -> dict:
    return {"depth": queue_depth(session), "release": release}


@router.post(
    "/reclassify",
    summary="Queue stored messages for classification by the loaded release",
    response_model=ReclassifyOut,
    responses=BAD_BODY,
)
def reclassify(
    session: SessionDep,
    release: ReleaseDep,
    worker: WorkerDep,
    _key: AdminKeyDep,
    body: ReclassifyIn | None = None,
) -> dict:
    body = body or ReclassifyIn()
    queued = requeue(
        session,
        release=release,
        include_failed=body.include_failed,
        everything=body.everything,
        client_id=body.client_id,
    )
    session.commit()
    if worker is not None:
        worker.wake.set()
    return {"queued": queued, "release": release}
