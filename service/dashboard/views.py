"""What the templates receive: clients with the assessment that ranked them, and messages with
their effective labels, scores against thresholds, and evidence placed in the text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from service.config import Settings
from service.dashboard.evidence import Highlighted, highlight
from service.dashboard.releases import ThresholdsCache
from service.db.facts import effective_labels, load_facts, load_facts_many
from service.db.messages import MessagePage, latest_messages
from service.db.models import Client, Message, utcnow
from service.risk.assess import Reason, RiskAssessment, assess
from service.risk.summary import assess_with_trend


@dataclass
class ClientRow:
    client: Client
    level: str
    reasons: list[Reason]
    """The reasons of the stored level, the closing verdict last."""
    awaiting_since: datetime | None
    trend: list[int]


def client_rows(session: Session, clients: list[Client], settings: Settings) -> list[ClientRow]:
    """The list's rows from each client's stored assessment (what ranked it), computed fresh
    only for a client stored before reasons were kept; the awaiting time is always fresh."""
    latest = latest_messages(session, [c.id for c in clients])
    missing = [c.id for c in clients if c.risk_reasons is None or c.risk_trend is None]
    facts = load_facts_many(session, missing)
    now = utcnow()
    rows = []
    for client in clients:
        if client.id in facts:
            fresh, trend = assess_with_trend(facts[client.id], now, settings)
            level, reasons = fresh.level.value, fresh.details
        else:
            level, trend = client.risk_level, list(client.risk_trend or [])
            reasons = [Reason.from_json(r) for r in client.risk_reasons or []]
        direction, at = latest.get(client.id, ("inbound", None))
        awaiting = at if direction == "outbound" else None
        rows.append(ClientRow(client, level, reasons, awaiting, trend))
    return rows


@dataclass
class MessageView:
    message: Message
    labels: tuple[str, ...]
    """Effective labels: the reviewer's when corrected, else the model's."""
    model_labels: tuple[str, ...]
    scores: dict[str, float]
    thresholds: dict[str, float]
    body: Highlighted

    @property
    def corrected(self) -> bool:
        return self.message.corrected_labels is not None

    @property
    def inbound(self) -> bool:
        return self.message.direction == "inbound"

    def toggled(self, label: str) -> str:
        """The label set with ``label`` flipped, as a correction button's value."""
        chosen = set(self.labels) ^ {label}
        return ",".join(sorted(chosen))

    @property
    def confirmed(self) -> str:
        return ",".join(sorted(self.labels))


def message_views(page: MessagePage, releases_dir: Path) -> list[MessageView]:
    thresholds = ThresholdsCache(releases_dir)
    views = []
    for message in page.items:
        flags = page.flags.get(message.id, [])
        model_labels = tuple(flag.label for flag in flags)
        labels = effective_labels(message, model_labels)
        evidence = {flag.label: flag.evidence for flag in flags if flag.label in labels}
        views.append(
            MessageView(
                message=message,
                labels=labels,
                model_labels=model_labels,
                scores={k: float(v) for k, v in (message.scores or {}).items()},
                thresholds=thresholds(message.release, message.language),
                body=highlight(message.text, evidence),
            )
        )
    return views


def doubt(scores: dict[str, float], thresholds: dict[str, float]) -> float:
    """How close a message came to a different decision: its smallest distance between a
    score and that label's threshold (0 = on the edge)."""
    return min((abs(float(scores.get(k, 0.0)) - t) for k, t in thresholds.items()), default=1.0)


@dataclass
class SavedNotice:
    """After a correction: the message's labels now, and its client's level now."""

    message: Message
    client: Client | None
    assessment: RiskAssessment | None


def saved_notice(
    session: Session, message_id: int | None, settings: Settings
) -> SavedNotice | None:
    message = session.get(Message, message_id) if message_id else None
    if message is None:
        return None
    client = session.get(Client, message.client_id) if message.client_id else None
    assessment = assess(load_facts(session, client.id), utcnow(), settings) if client else None
    return SavedNotice(message, client, assessment)
