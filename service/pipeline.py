"""Text -> language -> classifier -> labels, scores and evidence.

The one classification path: ``triage classify`` and the service's worker both call
:func:`classify_batch`, so the CLI shows exactly what the service stores. Torch-free: the
classifier it is handed was loaded elsewhere (``service.runtime``).
"""

from __future__ import annotations

from collections.abc import Sequence

from models.prediction import ClassifyInput, ClassifyResult, TextClassifier
from models.text import model_input
from service.language import detect_language


def classify_batch(
    classifier: TextClassifier, items: Sequence[ClassifyInput]
) -> list[ClassifyResult]:
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
