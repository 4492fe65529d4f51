"""``POST /v1/messages/{id}/feedback``: a reviewer's corrected label set.

The correction replaces the model's labels in every aggregate (and the client's risk is
recomputed at once); ``triage export-feedback`` turns corrections into training data.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy import select

from service.api.deps import ReadKeyDep, SessionDep, SettingsDep, WriteKeyDep
from service.api.routes.messages import get_message_or_404
from service.api.schemas import (
    BAD_BODY,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    SERVICE_ERRORS,
    UNAUTHORIZED,
    FeedbackIn,
    FeedbackOut,
    MessageId,
)
from service.db.models import Feedback
from service.risk.refresh import record_correction

router = APIRouter(
    prefix="/v1/messages", tags=["feedback"], responses=UNAUTHORIZED | FORBIDDEN | SERVICE_ERRORS
)


def feedback_view(entry: Feedback) -> dict:
    return {
        "id": entry.id,
        "message_id": entry.message_id,
        "labels": entry.labels,
        "model_labels": entry.model_labels,
        "release": entry.release,
        "reviewer": entry.reviewer,
        "note": entry.note,
        "created_at": entry.created_at,
    }


@router.post(
    "/{message_id}/feedback",
    summary="Correct a message's labels",
    status_code=201,
    response_model=FeedbackOut,
    responses=NOT_FOUND | CONFLICT | BAD_BODY,
)
def post_feedback(
    message_id: MessageId,
    body: FeedbackIn,
    session: SessionDep,
    settings: SettingsDep,
    key: WriteKeyDep,
) -> dict:
    message = get_message_or_404(session, message_id)
    if message.direction != "inbound":
        raise HTTPException(409, "outbound mail is stored for timing only and has no labels")
    reviewer = body.reviewer or f"api-key:{key.name}"
    entry = record_correction(
        session, message, list(body.labels), settings, reviewer=reviewer, note=body.note
    )
    session.commit()
    return feedback_view(entry)


@router.get(
    "/{message_id}/feedback",
    summary="Corrections of a message, newest first",
    response_model=list[FeedbackOut],
    responses=NOT_FOUND,
)
def list_feedback(message_id: MessageId, session: SessionDep, _key: ReadKeyDep) -> list[dict]:
    get_message_or_404(session, message_id)
    rows = session.scalars(
        select(Feedback)
        .where(Feedback.message_id == message_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
    return [feedback_view(row) for row in rows]
