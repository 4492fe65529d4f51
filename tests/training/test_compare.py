"""The LoRA-vs-full comparison is judged at the same epoch budget and lands in the model card."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from training.compare import summarize
from training.model_card import COMPARISON_FILE, write_model_card

RELEASE = Path(__file__).resolve().parents[2] / "models" / "releases" / "v2"


def _row(mode: str, best: float, within: float, trainable: int) -> dict:
    return {
        "mode": mode, "dev_macro_f1": best, "budget_epochs": 3,
        "dev_macro_f1_within_budget": within, "trainable": trainable, "minutes": 1.0,
        "artifact": f"{mode} files", "epochs": 3,
    }  # fmt: skip


def test_summary_names_the_winner_at_equal_budget_not_the_longer_run() -> None:
    lora = _row("LoRA", best=0.95, within=0.80, trainable=1_000)
    full = _row("full", best=0.85, within=0.85, trainable=16_000)
    text = summarize([lora, full])
    assert text.startswith("Within 3 epochs, full reaches the higher dev macro F1")
    assert "16x fewer parameters" in text


def test_model_card_shows_the_comparison_table(tmp_path: Path) -> None:
    release = tmp_path / "v2"
    shutil.copytree(RELEASE, release)
    runs = [_row("LoRA", 0.9, 0.88, 1_000), _row("full", 0.87, 0.87, 16_000)]
    (release / COMPARISON_FILE).write_text(json.dumps({"runs": runs, "conclusion": "done."}))
    card = write_model_card(release).read_text()
    assert "| LoRA | 3 | 0.900 | 0.880 | 1,000 |" in card
    assert "done." in card
