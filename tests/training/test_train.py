"""Run the retraining job's ``main()`` end to end on a tiny corpus, as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from models.classifier import load_classifier
from models.config import ModelConfig
from models.labels import LABELS
from training.train import main

CUES = {
    "abuse": "You are a useless idiot and a fraud.",
    "pessimism": "This will never work, nothing you do ever helps, why even bother.",
    "unreasonable_demand": "Rebuild the whole site by tomorrow 6am at no extra cost.",
    "slow_response": "Sorry, only now replying to your mail from March; invoice still unpaid.",
}
NEUTRAL = "Thanks, the draft looks good. Let's talk on Tuesday about the next step."


def _tiny_corpus(folder: Path) -> None:
    """Very separable records: each label has its own cue sentence; half carry none."""
    rows = []
    for i in range(64):
        label = LABELS[i % 4] if i % 2 else None
        text = f"Hello team {i}. " + (CUES[label] if label else NEUTRAL)
        rows.append({
            "id": f"en-{i:04d}", "language": "en", "subject": "", "text": text,
            "labels": [label] if label else [], "hard_negative": False, "provenance": "test",
        })  # fmt: skip
    folder.mkdir()
    (folder / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.mark.slow
def test_main_trains_evaluates_and_promotes_a_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.evaluate

    precisions: list[str | None] = []

    def recording_loader(*args, **kwargs):
        precisions.append(args[1].precision)
        return load_classifier(*args, **kwargs)

    monkeypatch.setattr(training.evaluate, "load_classifier", recording_loader)
    _tiny_corpus(tmp_path / "corpus")
    releases = tmp_path / "releases"
    argv = [
        "--corpus_dir", str(tmp_path / "corpus"), "--releases_dir", str(releases),
        "--version", "tiny", "--epochs", "3", "--patience", "3", "--batch_size", "8",
        "--learning_rate", "2e-3", "--lora_rank", "4", "--max_length", "48", "--promote", "true",
    ]  # fmt: skip
    assert main(argv) == 0
    release = releases / "tiny"
    for name in ("release.json", "head.safetensors", "metrics.json", "MODEL_CARD.md"):
        assert (release / name).exists(), name
    for name in ("REPORT.md", "pr_curves.png", "calibration.png"):
        assert (release / "report" / name).exists(), name
    assert (releases / "current").read_text().strip() == "tiny"
    assert precisions == ["fp32"]  # release metrics are the fp32 reference on every CPU
    info = json.loads((release / "release.json").read_text())
    history = info["training"]["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    versions = info["training"]["environment"]
    assert versions["torch"] == torch.__version__ and versions["peft"]
    assert f"torch {torch.__version__}" in (release / "MODEL_CARD.md").read_text()
    classifier = load_classifier("tiny", ModelConfig(releases_dir=releases))
    scores = classifier.score_texts([CUES[label] for label in LABELS] + [NEUTRAL])
    for col in range(len(LABELS)):
        assert scores[col, col] > scores[-1, col], LABELS[col]
