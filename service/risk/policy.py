"""What each label means for a client's risk: one table over the one label list.

The advice behind the product: abuse is never "one bad day" -- any abusive message puts the
client at red at once. Pessimism, unreasonable demands and slowness are each forgivable alone;
it is their repetition that wears a relationship down, so they accumulate. Slowness is also
read from timing: a reply that took longer than ``long_reply_gap_days``, or a client who has not
answered our last message for that long, counts like the model's ``slow_response``.

Adding a label: add it to ``models/labels.py``, give it a row in :data:`POLICY` (an import-time
check refuses a label without one), describe it in ``datasets/GUIDELINES.md``, and retrain.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.labels import LABELS


class RiskLevel(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


RISK_RANK = {RiskLevel.GREEN: 0, RiskLevel.AMBER: 1, RiskLevel.RED: 2}
"""Sort order of the ranked client list (stored beside the level)."""


class Role(StrEnum):
    IMMEDIATE_RED = "immediate_red"
    """One message in the risk window is enough for red."""
    ACCUMULATES = "accumulates"
    """Counts towards amber (repeated, or with others) and red (many signals)."""


@dataclass(frozen=True)
class LabelPolicy:
    role: Role
    words: str
    """How reasons name the signal ("repeated unreasonable demands: 3 messages ...")."""
    timing: bool = False
    """Long reply gaps and unanswered mail count as this signal too."""


POLICY: dict[str, LabelPolicy] = {
    "abuse": LabelPolicy(Role.IMMEDIATE_RED, "abuse"),
    "pessimism": LabelPolicy(Role.ACCUMULATES, "pessimism"),
    "unreasonable_demand": LabelPolicy(Role.ACCUMULATES, "unreasonable demands"),
    "slow_response": LabelPolicy(Role.ACCUMULATES, "slow responses", timing=True),
}

if set(POLICY) != set(LABELS):  # pragma: no cover - a recipe step forgotten, caught at import
    raise RuntimeError(f"risk policy and label list differ: {sorted(set(POLICY) ^ set(LABELS))}")

IMMEDIATE: tuple[str, ...] = tuple(lab for lab in LABELS if POLICY[lab].role is Role.IMMEDIATE_RED)
ACCUMULATING: tuple[str, ...] = tuple(lab for lab in LABELS if POLICY[lab].role is Role.ACCUMULATES)
TIMING_LABEL: str = next(lab for lab in LABELS if POLICY[lab].timing)
"""The label that reply timing feeds (slowness)."""
