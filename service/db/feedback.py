"""Reviewer feedback: corrections that replace the model's labels, and their export as a
training corpus (the dataset's JSONL format) for the next release."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.labels import LABELS, LANGUAGES
from service.db.flags import message_flags
from service.db.models import Feedback, Message


def record_feedback(
    session: Session,
    message: Message,
    labels: Sequence[str],
    *,
    reviewer: str = "",
    note: str = "",
) -> Feedback:
    """Store a correction; the message's effective labels follow it (its client's risk is
    refreshed by :func:`service.risk.refresh.record_correction`)."""
    ordered = [label for label in LABELS if label in set(labels)]
    entry = Feedback(
        message_id=message.id,
        labels=ordered,
        model_labels=[flag.label for flag in message_flags(session, message)],
        release=message.release,
        reviewer=reviewer,
        note=note,
    )
    session.add(entry)
    message.corrected_labels = ordered
    session.flush()
    return entry


def feedback_records(session: Session) -> Iterator[dict[str, Any]]:
    """One dataset record per corrected message (its latest correction).

    Ids are ``<language>-fb-<message id>``: they start with the language as the validator
    requires and cannot collide with corpus ids (``<language>-0001``). Messages in languages the
    product does not support, with no text, or whose text repeats an earlier record are skipped
    (the validator refuses exact duplicates).
    """
    query = (
        select(Message)
        .where(Message.corrected_labels.is_not(None), Message.direction == "inbound")
        .order_by(Message.id)
    )
    seen: set[str] = set()
    for message in session.scalars(query):
        key = " ".join(message.text.lower().split())
        if message.language not in LANGUAGES or not key or key in seen:
            continue
        seen.add(key)
        latest = session.scalar(
            select(Feedback)
            .where(Feedback.message_id == message.id)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(1)
        )
        reviewer = f" by {latest.reviewer}" if latest and latest.reviewer else ""
        yield {
            "id": f"{message.language}-fb-{message.id}",
            "language": message.language,
            "subject": message.subject,
            "text": message.text,
            "labels": list(message.corrected_labels or []),
            "hard_negative": False,
            "provenance": f"reviewer feedback{reviewer} on message {message.id} "
            f"(model release {message.release or 'none'})",
            "trade": "",
        }
