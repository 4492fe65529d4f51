"""Retraining job: fine-tune multilingual-e5-small (LoRA) on ``datasets/`` into a release.

``triage train [--flags]`` (flags are the fields of :class:`TrainArguments`). Seeded and
deterministic on a given machine; early stopping on dev macro-F1; thresholds tuned on dev;
the release is evaluated on the test split and documented in a generated model card.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from tqdm import tqdm
from transformers import HfArgumentParser, get_linear_schedule_with_warmup

from models.base import BUILD_INFO
from models.classifier import Classifier, TriageModel, Windower, add_lora, save_release
from models.config import ModelConfig
from models.encoder import base_model_path, load_encoder, load_tokenizer
from models.labels import LABELS, LANGUAGES
from models.registry import ReleaseInfo, Thresholds, set_current
from models.text import model_input
from training.dataset import CORPUS_DIR, Record, corpus_files, files_digest, load_records, select
from training.environment import environment
from training.metrics import best_threshold, f1_at, macro_f1

log = logging.getLogger(__name__)


@dataclass
class TrainArguments:
    """Everything that shapes a release; recorded verbatim in ``release.json``."""

    version: str = field(default="", metadata={"help": "release name (default: a timestamp)"})
    corpus_dir: str = field(
        default="", metadata={"help": "corpus folder (default: datasets/corpus)"}
    )
    extra_corpora: list[str] = field(
        default_factory=list, metadata={"help": "more JSONL files in the corpus format"}
    )
    releases_dir: str = field(
        default="", metadata={"help": "where to write (default: models/releases)"}
    )
    mode: str = field(default="lora", metadata={"help": "lora | full (comparison only)"})
    epochs: int = field(default=8, metadata={"help": "maximum epochs"})
    patience: int = field(default=2, metadata={"help": "early stopping patience in epochs"})
    batch_size: int = 16
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = field(
        default=0.0,
        metadata={"help": "dropout on the adapter input; any p > 0 costs a third of a CPU step"},
    )
    lora_layers: int = field(
        default=0, metadata={"help": "adapt only the top N layers (0 = all); fewer is faster"}
    )
    max_length: int = field(default=256, metadata={"help": "tokens per window"})
    window_overlap: int = 64
    seed: int = 13
    device: str = field(default="auto", metadata={"help": "auto | cpu | cuda"})
    threads: int = field(default=0, metadata={"help": "CPU threads (0 = torch default)"})
    limit: int = field(default=0, metadata={"help": "use only N train/dev records (smoke runs)"})
    promote: bool = field(default=False, metadata={"help": "point `current` at the new release"})
    evaluate: bool = field(default=True, metadata={"help": "evaluate on test and write a report"})


@dataclass
class Encoded:
    """Records turned into first-window token ids, label rows and languages."""

    ids: list[list[int]]
    labels: np.ndarray
    languages: list[str]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def encode(records: Sequence[Record], windower: Windower) -> Encoded:
    return Encoded(
        ids=[windower.first_window(model_input(r.subject, r.text)) for r in records],
        labels=np.stack([r.label_vector() for r in records]),
        languages=[r.language for r in records],
    )


def build_model(args: TrainArguments, config: ModelConfig) -> TriageModel:
    """LoRA adapters on a frozen encoder, or (comparison) the whole encoder but embeddings."""
    base = load_encoder(config)
    encoder: torch.nn.Module = base
    if args.mode == "lora":
        encoder = add_lora(
            base, args.lora_rank, args.lora_alpha, args.lora_dropout, args.lora_layers
        )
    elif args.mode == "full":
        base.embeddings.requires_grad_(False)
    else:
        raise ValueError(f"unknown mode {args.mode!r}")
    return TriageModel(encoder, len(LABELS))


def length_bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, then sort within chunks of 50 batches by length: little padding, random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def pos_weight(labels: np.ndarray) -> torch.Tensor:
    """Class-balanced BCE: weight positives by negatives/positives per label."""
    positives = labels.sum(axis=0).clip(min=1)
    return torch.tensor((len(labels) - positives) / positives, dtype=torch.float32)


def tune_thresholds(y: np.ndarray, scores: np.ndarray, languages: Sequence[str]) -> Thresholds:
    """Per-label thresholds on dev; a per-language override only where it clearly helps.

    "Clearly" is measured, not assumed: over random halves of dev, a threshold tuned on one
    half for the language alone must beat the global one on the other half by
    ``LANGUAGE_GAIN`` F1 on average. With a few dozen positives per language this rarely
    holds, and a noisy override is worse than none.
    """
    langs = np.array(languages)
    default = {label: best_threshold(y[:, c], scores[:, c])[0] for c, label in enumerate(LABELS)}
    per_language: dict[str, dict[str, float]] = {}
    for c, label in enumerate(LABELS):
        for language in LANGUAGES:
            mask = langs == language
            if (
                y[mask, c].sum() >= 8
                and _held_out_gain(y[:, c], scores[:, c], mask) >= LANGUAGE_GAIN
            ):
                threshold, _ = best_threshold(y[mask, c], scores[mask, c])
                per_language.setdefault(language, {})[label] = threshold
    return Thresholds(default, per_language)


LANGUAGE_GAIN = 0.02
HALVES = 40


def _held_out_gain(y: np.ndarray, scores: np.ndarray, mask: np.ndarray, seed: int = 0) -> float:
    """Mean held-out F1 gain of a language-specific threshold over the global one."""
    rng = np.random.default_rng(seed)
    gains = []
    for _ in range(HALVES):
        tune = rng.random(len(y)) < 0.5
        check = ~tune & mask
        own, _ = best_threshold(y[tune & mask], scores[tune & mask])
        shared, _ = best_threshold(y[tune], scores[tune])
        gains.append(f1_at(y[check], scores[check], own) - f1_at(y[check], scores[check], shared))
    return float(np.mean(gains))


def dev_macro_f1(y: np.ndarray, scores: np.ndarray) -> float:
    """Macro F1 at per-label best thresholds: what early stopping watches."""
    return float(np.mean([best_threshold(y[:, c], scores[:, c])[1] for c in range(y.shape[1])]))


def train_epoch(model, optimizer, scheduler, loss_fn, data: Encoded, windower, args, rng, device):
    model.train()
    lengths = [len(x) for x in data.ids]
    batches = length_bucketed_batches(lengths, args.batch_size, rng)
    total = 0.0
    for batch in (bar := tqdm(batches, desc="train", unit="batch", leave=False)):
        inputs = {
            k: v.to(device) for k, v in windower.pad_batch([data.ids[i] for i in batch]).items()
        }
        target = torch.from_numpy(data.labels[batch]).to(device)
        loss = loss_fn(model(**inputs), target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        total += loss.item()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    return total / max(1, len(batches))


def snapshot(model: TriageModel) -> dict[str, torch.Tensor]:
    """Copy of the trainable weights only (adapters + head): cheap best-epoch checkpoint."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def fit(
    args: TrainArguments,
    config: ModelConfig,
    train: Encoded,
    dev: Encoded,
    windower: Windower,
    device: torch.device,
) -> tuple[TriageModel, np.ndarray, list[dict]]:
    """Train with early stopping; returns the best model, its dev scores and the history."""
    model = build_model(args, config).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=args.weight_decay)
    steps = args.epochs * -(-len(train.ids) // args.batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(steps * args.warmup_ratio), steps)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(train.labels).to(device))
    probe = Classifier(model, windower, placeholder_info(args), Path("."))
    rng = random.Random(args.seed)
    best, best_f1, stale, history = snapshot(model), -1.0, 0, []
    for epoch in range(1, args.epochs + 1):
        started = time.time()
        loss = train_epoch(model, optimizer, scheduler, loss_fn, train, windower, args, rng, device)
        model.eval()
        f1 = dev_macro_f1(dev.labels, probe.score_windows(dev.ids))
        history.append(
            {
                "epoch": epoch,
                "loss": round(loss, 4),
                "dev_macro_f1": round(f1, 4),
                "seconds": round(time.time() - started, 1),
            }
        )
        log.info("epoch done", extra=history[-1])
        if f1 > best_f1:
            best, best_f1, stale = snapshot(model), f1, 0
        else:
            stale += 1
            if stale >= args.patience:
                break
    model.load_state_dict(best, strict=False)
    model.eval()
    return model, probe.score_windows(dev.ids), history


def placeholder_info(args: TrainArguments) -> ReleaseInfo:
    """Release metadata before thresholds are known (used to score dev during training)."""
    return ReleaseInfo(
        version=args.version,
        labels=list(LABELS),
        thresholds=Thresholds({k: 0.5 for k in LABELS}),
        max_length=args.max_length,
        window_overlap=args.window_overlap,
        mode=args.mode,
    )


def load_splits(args: TrainArguments) -> tuple[list[Record], list[Record], list[Path]]:
    files = corpus_files(Path(args.corpus_dir) if args.corpus_dir else CORPUS_DIR)
    files += [Path(p) for p in args.extra_corpora]
    records = load_records(files)
    train, dev = select(records, "train"), select(records, "dev")
    if args.limit:
        train, dev = train[: args.limit], dev[: max(8, args.limit // 4)]
    return train, dev, files


def base_info(config: ModelConfig) -> dict:
    """Which base the adapter was trained on (a hub id or local directory has no build info)."""
    path = Path(base_model_path(config.base_model, config.cache_dir))
    info_file = path / BUILD_INFO
    checksum = json.loads(info_file.read_text())["checksum"] if info_file.exists() else None
    return {"name": path.name, "checksum": checksum}


def run(args: TrainArguments, config: ModelConfig | None = None) -> Path:
    """Train, tune thresholds, save the release (and optionally evaluate and promote).

    ``config`` says where the base encoder and the releases are (the ``triage`` command builds
    it from the service settings); ``--releases_dir`` overrides its releases folder.
    """
    config = config or ModelConfig()
    if args.releases_dir:
        config = replace(config, releases_dir=Path(args.releases_dir))
    args.releases_dir = str(config.releases_dir)
    seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    args.version = args.version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    train_records, dev_records, files = load_splits(args)
    windower = Windower(load_tokenizer(config), args.max_length, args.window_overlap)
    train, dev = encode(train_records, windower), encode(dev_records, windower)
    log.info(
        "training", extra={"train": len(train.ids), "dev": len(dev.ids), "device": str(device)}
    )
    started = time.time()
    model, dev_scores, history = fit(args, config, train, dev, windower, device)
    model.to("cpu")
    thresholds = tune_thresholds(dev.labels, dev_scores, dev.languages)
    predicted = np.stack(
        [dev_scores[:, c] >= thresholds.default[lab] for c, lab in enumerate(LABELS)], 1
    )
    info = placeholder_info(args)
    info.thresholds = thresholds
    info.base_model = base_info(config)
    info.training = {
        "arguments": asdict(args),
        "data": files_digest(files),
        "train_records": len(train.ids),
        "dev_records": len(dev.ids),
        "history": history,
        "dev_macro_f1": round(macro_f1(dev.labels, predicted), 4),
        "minutes": round((time.time() - started) / 60, 1),
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "environment": environment(),
    }
    out = config.releases_dir / args.version
    save_release(model, info, out)
    log.info("release saved", extra={"path": str(out)})
    if args.evaluate:
        from training.evaluate import evaluate_release

        evaluate_release(args.version, config, corpus_files=files)
    if args.promote:
        set_current(config.releases_dir, args.version)
    return out


def main(argv: Sequence[str] | None = None, config: ModelConfig | None = None) -> int:
    parser = HfArgumentParser(cast(Any, TrainArguments))  # its stubs want an instance type
    (args,) = parser.parse_args_into_dataclasses(args=argv)
    run(args, config)
    return 0
