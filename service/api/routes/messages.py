"""``GET /v1/messages/{id}``: one stored message with its language, labels, scores, evidence
and reply gap."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy.orm import Session

from service.api.deps import ReadKeyDep, SessionDep
from service.api.schemas import (
    FORBIDDEN,
    NOT_FOUND,
    SERVICE_ERRORS,
    UNAUTHORIZED,
    MessageId,
    MessageOut,
)
from service.db.facts import effective_labels
from service.db.flags import message_flags
from service.db.models import Message

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=UNAUTHORIZED | FORBIDDEN | SERVICE_ERRORS
)


def get_message_or_404(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise HTTPException(404, f"message {message_id} not found")
    return message


def message_view(session: Session, message: Message) -> dict:
    flags = message_flags(session, message)
    model_labels = [flag.label for flag in flags]
    return {
        "id": message.id,
        "client_id": message.client_id,
        "direction": message.direction,
        "provider": message.provider,
        "message_id": message.message_id,
        "from_address": message.from_address,
        "from_name": message.from_name,
        "to_addresses": message.to_addresses,
        "subject": message.subject,
        "date": message.date,
        "received_at": message.received_at,
        "text": message.text,
        "quoted_text": message.quoted_text,
        "html": message.html,
        "language": message.language,
        "language_iso": message.language_iso,
        "status": message.status,
        "release": message.release,
        "labels": list(effective_labels(message, model_labels)),
        "model_labels": model_labels,
        "corrected_labels": message.corrected_labels,
        "scores": message.scores,
        "evidence": {flag.label: flag.evidence for flag in flags},
        "reply_gap_seconds": message.reply_gap_seconds,
        "answered_message_id": message.answered_message_id,
    }


@router.get(
    "/{message_id}",
    summary="One message with its classification",
    response_model=MessageOut,
    responses=NOT_FOUND,
)
def get_message(message_id: MessageId, session: SessionDep, _key: ReadKeyDep) -> dict:
    return message_view(session, get_message_or_404(session, message_id))
