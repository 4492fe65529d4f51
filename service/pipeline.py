"""Text -> language -> classifier -> labels, scores and evidence.

The one classification path: ``triage classify`` and the service's worker both call
:func:`classify_batch`, so the CLI shows exactly what the service stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from models.classifier import Classifier, model_input
from service.language import detect_language


@dataclass(frozen=True)
class ClassifyInput:
    """One message to classify: its new text (quotes and signature already removed)."""

    id: str
    text: str
    subject: str = ""


@dataclass
class ClassifyResult:
    """What the model says about one message, in the shape the CLI prints and the API serves."""

    id: str
    language: str
    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[dict]] = field(default_factory=dict)
    language_iso: str = "und"
    release: str = ""

    def to_json_dict(self) -> dict:
        return {
            "id": self.id,
            "language": self.language,
            "labels": self.labels,
            "scores": self.scores,
            "evidence": self.evidence,
        }


def classify_batch(classifier: Classifier, items: Sequence[ClassifyInput]) -> list[ClassifyResult]:
    """Classify a batch: one windowed model pass, then evidence only for labels that fired."""
    if not items:
        return []
    texts = [model_input(item.subject, item.text) for item in items]
    languages = [detect_language(text) for text in texts]
    scores = classifier.score_texts(texts)
    fired = [
        classifier.decide(row, lang.language) for row, lang in zip(scores, languages, strict=True)
    ]
    evidence = classifier.evidence([item.text or item.subject for item in items], fired)
    labels = classifier.info.labels
    return [
        ClassifyResult(
            id=item.id,
            language=lang.language,
            labels=labs,
            scores={label: round(float(s), 4) for label, s in zip(labels, row, strict=True)},
            evidence=ev,
            language_iso=lang.iso,
            release=classifier.version,
        )
        for item, lang, row, labs, ev in zip(items, languages, scores, fired, evidence, strict=True)
    ]
