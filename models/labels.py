"""The one label list shared by the dataset validator, the trainer, the classifier and the API."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("abuse", "pessimism", "unreasonable_demand", "slow_response")
"""Order matters: it is the column order of the classifier head and of every score vector."""

LANGUAGES: tuple[str, ...] = ("ko", "ru", "tr", "en")
"""Languages the product supports; anything else is reported as ``other``."""

LABEL_TO_INDEX: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
