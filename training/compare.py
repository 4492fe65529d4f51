"""LoRA vs full fine-tuning, once, on the dev split; the result goes into the model card.

``python -m training.compare --release v1 [--epochs 3]`` trains the full encoder (embeddings
frozen) with the release's own settings and data, and writes ``comparison.json`` beside the
release, next to the LoRA figures the release already recorded.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields
from pathlib import Path
from typing import cast

import torch
from safetensors.torch import load_file

from models.classifier import Windower
from models.config import ModelConfig
from models.encoder import load_tokenizer
from models.registry import ADAPTER_DIR, HEAD_FILE, RELEASE_FILE, release_dir
from training.model_card import COMPARISON_FILE, write_model_card
from training.train import TrainArguments, encode, fit, load_splits, seed_everything


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _trainable(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def run_full(release: Path, epochs: int, learning_rate: float, config: ModelConfig) -> dict:
    """Train in full mode with the release's data and settings; report dev macro F1 and cost.

    Only the learning rate differs: LoRA's rate would wreck a fully trainable encoder.
    """
    info = json.loads((release / RELEASE_FILE).read_text())
    known = {f.name for f in fields(TrainArguments)}
    args = TrainArguments(**{k: v for k, v in info["training"]["arguments"].items() if k in known})
    args.mode, args.epochs, args.evaluate, args.promote = "full", epochs, False, False
    args.learning_rate = learning_rate
    seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    train_records, dev_records, _ = load_splits(args)
    windower = Windower(load_tokenizer(config), args.max_length, args.window_overlap)
    started = time.time()
    model, _, history = fit(
        args,
        config,
        encode(train_records, windower),
        encode(dev_records, windower),
        windower,
        torch.device("cpu"),
    )
    layers = cast(torch.nn.Module, model.encoder.encoder)
    full_size = sum(p.numel() * 4 for p in layers.parameters()) / 1e6
    return {
        "mode": f"full (embeddings frozen, lr {learning_rate:g})",
        "dev_macro_f1": max(h["dev_macro_f1"] for h in history),
        "budget_epochs": epochs,
        "dev_macro_f1_within_budget": max(h["dev_macro_f1"] for h in history),
        "trainable": _trainable(model),
        "minutes": round((time.time() - started) / 60, 1),
        "artifact": f"{full_size:.0f} MB of encoder weights",
        "epochs": len(history),
    }


def _stored_parameters(release: Path) -> int:
    """Adapter + head parameters, counted from the saved files (what was trained)."""
    files = [*(release / ADAPTER_DIR).glob("*.safetensors"), release / HEAD_FILE]
    return sum(t.numel() for f in files for t in load_file(str(f)).values())


def lora_row(release: Path, epochs: int) -> dict:
    """The release's own LoRA run, with its dev F1 after as many epochs as the full run gets."""
    info = json.loads((release / RELEASE_FILE).read_text())
    history = info["training"]["history"]
    same_budget = [h["dev_macro_f1"] for h in history if h["epoch"] <= epochs]
    size = _size_mb(release / ADAPTER_DIR) + (release / HEAD_FILE).stat().st_size / 1e6
    return {
        "mode": f"LoRA (rank {info['training']['arguments']['lora_rank']})",
        "dev_macro_f1": max(h["dev_macro_f1"] for h in history),
        "budget_epochs": epochs,
        "dev_macro_f1_within_budget": max(same_budget),
        "trainable": _stored_parameters(release),
        "minutes": info["training"]["minutes"],
        "artifact": f"{size:.1f} MB adapter + head",
        "epochs": len(history),
    }


def summarize(rows: list[dict]) -> str:
    """One paragraph for the model card: who wins at the same epoch budget, and at what cost."""
    lora, full = rows
    budget = full["budget_epochs"]
    winner = max(rows, key=lambda r: r["dev_macro_f1_within_budget"])
    lora_f1, full_f1 = (r["dev_macro_f1_within_budget"] for r in rows)
    return (
        f"Within {budget} epochs, {winner['mode']} reaches the higher dev macro F1 (LoRA "
        f"{lora_f1:.3f}, full {full_f1:.3f}); "
        f"LoRA trains {full['trainable'] / lora['trainable']:.0f}x fewer parameters and ships as "
        f"{lora['artifact']} instead of {full['artifact']}, so releases stay small enough to "
        "commit while the base is rebuilt from its package."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--release", default=None, help="release to compare against (current)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs for the full fine-tune")
    parser.add_argument(
        "--learning-rate", type=float, default=5e-5, help="the usual full fine-tuning rate"
    )
    args = parser.parse_args(argv)
    config = ModelConfig()
    release = release_dir(config.releases_dir, args.release)
    rows = [
        lora_row(release, args.epochs),
        run_full(release, args.epochs, args.learning_rate, config),
    ]
    conclusion = summarize(rows)
    out = {"release": release.name, "runs": rows, "conclusion": conclusion}
    (release / COMPARISON_FILE).write_text(json.dumps(out, indent=2) + "\n")
    if (release / "metrics.json").exists():
        write_model_card(release)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
