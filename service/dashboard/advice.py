"""What to do about an amber or red client: the advice behind the product.

First try to repair the relationship, then, if that failed, end it professionally. Each reason
that raised the level brings its own piece of advice. An immediate-red label (abuse) is the
exception: there is no repair step; the advice is to end the relationship.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.labels import LABELS
from service.dashboard.i18n import N_
from service.risk.assess import Reason, RiskAssessment
from service.risk.policy import IMMEDIATE, TIMING_LABEL, RiskLevel

REPAIR_STEPS = (
    N_(
        "Step back and check your own part: re-read the thread and ask whether unclear scope, "
        "missed dates or slow answers on your side fed the problem."
    ),
    N_(
        "Try another channel or rhythm of communication: a call instead of a long mail thread, "
        "a fixed weekly check-in, one contact person on each side."
    ),
    N_(
        "Propose a new contract or written agreement with clear boundaries: scope, deadlines, "
        "response times, payment terms."
    ),
)

ENDING_STEPS = (
    N_("Check the contract: notice period, termination clause, what each side still owes."),
    N_("Finish the work that is owed, or agree in writing what will not be delivered."),
    N_("Plan the conversation and state your reasons calmly and factually, without blame."),
    N_("Tell the client by mail or in a meeting, and confirm the meeting in writing."),
    N_(
        "Leave a clear hand-over plan: files, accounts and access, open tasks, and the date "
        "by which everything is handed over."
    ),
)

LABEL_ADVICE = {
    "abuse": N_(
        "Abuse is not a misunderstanding to repair: do not try to win this client back. Keep "
        "every message, answer only in writing, and end the relationship."
    ),
    "pessimism": N_(
        "Persistent pessimism: agree together on expectations (what success looks like, and "
        "by when) and hold short, regular check-ins that show progress."
    ),
    "unreasonable_demand": N_(
        "Demands beyond the agreement: restate the agreed scope, and route every new request "
        "through a change-request process with its own price and deadline."
    ),
    "slow_response": N_(
        "Slow replies and late payment: put payment terms in writing (due dates, late fees), "
        "ask for a deposit or milestone payments before the next phase, and agree on review "
        "deadlines for deliverables."
    ),
}
"""Advice per label, tied to the reason that raised it (silence counts as slowness)."""

if tuple(LABEL_ADVICE) != LABELS:  # pragma: no cover - a label added without its advice
    raise RuntimeError("service/dashboard/advice.py lacks the advice for a label")


@dataclass
class Advice:
    level: RiskLevel
    immediate: bool
    """An immediate-red label fired: no repair step."""
    targeted: list[tuple[str, Reason]] = field(default_factory=list)
    """(advice, the reason that triggered it), in the order of the reasons."""

    @property
    def repair(self) -> tuple[str, ...]:
        return () if self.immediate else REPAIR_STEPS

    @property
    def ending(self) -> tuple[str, ...]:
        return ENDING_STEPS


def advice_for(assessment: RiskAssessment) -> Advice | None:
    """Advice at amber and red; ``None`` for a green client."""
    if assessment.level == RiskLevel.GREEN:
        return None
    targeted: list[tuple[str, Reason]] = []
    for reason in assessment.details:
        label = TIMING_LABEL if reason.code == "silence" else reason.values.get("label")
        advice = LABEL_ADVICE.get(label) if isinstance(label, str) else None
        if advice and all(advice != given for given, _ in targeted):
            targeted.append((advice, reason))
    immediate = any(assessment.signals.get(label, 0) for label in IMMEDIATE)
    return Advice(assessment.level, immediate, targeted)
