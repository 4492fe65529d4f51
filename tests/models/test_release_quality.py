"""The quality bar of the committed ``current`` release, checked on the test split in CI."""

from __future__ import annotations

import pytest

from models.classifier import load_classifier, resolve_precision
from models.config import ModelConfig
from models.labels import LABELS, LANGUAGES
from training.dataset import load_records, select
from training.evaluate import compute_metrics, score_records

MIN_F1 = 0.85
"""The quality bar: every language x label cell of the committed release, on the test split."""


PRECISIONS = sorted({"fp32", resolve_precision("auto")})
"""The release as trained, and the path the service runs by default on this CPU (bf16 where the
CPU has it): the bar holds for what users get, not only for the fp32 reference."""


@pytest.fixture(scope="module", params=PRECISIONS)
def test_metrics(request: pytest.FixtureRequest) -> dict:
    classifier = load_classifier(config=ModelConfig(precision=request.param))
    records = select(load_records(), "test")
    return compute_metrics(classifier, records, score_records(classifier, records))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("label", LABELS)
def test_f1_per_language_and_label(test_metrics: dict, language: str, label: str) -> None:
    cell = test_metrics["by_language"][language][label]
    assert cell["support"] >= 5, "too few positives in the test split to judge"
    assert cell["f1"] >= MIN_F1, f"{language}/{label}: {cell}"
