"""``triage evaluate``: metrics per language x label on the test split, plots and a report.

Writes ``metrics.json``, ``report/REPORT.md``, ``report/pr_curves.png`` and
``report/calibration.png`` into the release directory, then regenerates its model card.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_curve
from tqdm import tqdm

from models.classifier import Classifier, load_classifier
from models.config import ModelConfig
from models.labels import LABELS, LANGUAGES
from models.text import model_input
from training.dataset import Record, load_records, select
from training.metrics import label_metrics, macro_f1
from training.model_card import write_model_card

log = logging.getLogger(__name__)
CHUNK = 64


def score_records(classifier: Classifier, records: list[Record]) -> np.ndarray:
    """Scores for every record, in chunks so long runs show progress."""
    texts = [model_input(r.subject, r.text) for r in records]
    parts = [
        classifier.score_texts(texts[i : i + CHUNK])
        for i in tqdm(range(0, len(texts), CHUNK), desc="scoring", unit="chunk")
    ]
    return np.concatenate(parts) if parts else np.zeros((0, len(LABELS)))


def predictions(classifier: Classifier, records: list[Record], scores: np.ndarray) -> np.ndarray:
    """Binary decisions with each record's language-specific thresholds."""
    rows = []
    for record, row in zip(records, scores, strict=True):
        fired = classifier.decide(row, record.language)
        rows.append([label in fired for label in LABELS])
    return np.array(rows, dtype=bool).reshape(len(records), len(LABELS))


def compute_metrics(classifier: Classifier, records: list[Record], scores: np.ndarray) -> dict:
    """Per language x label metrics, per-label overall, micro/macro averages, confusions."""
    y = np.stack([r.label_vector() for r in records]).astype(bool)
    pred = predictions(classifier, records, scores)
    langs = np.array([r.language for r in records])
    by_language = {}
    for language in LANGUAGES:
        mask = langs == language
        if not mask.any():
            continue
        by_language[language] = {
            label: label_metrics(y[mask, c], scores[mask, c], 0.5)
            | _decided(y[mask, c], pred[mask, c])
            for c, label in enumerate(LABELS)
        }
    overall = {
        label: label_metrics(y[:, c], scores[:, c], 0.5) | _decided(y[:, c], pred[:, c])
        for c, label in enumerate(LABELS)
    }
    tp, fp, fn = (pred & y).sum(), (pred & ~y).sum(), (~pred & y).sum()
    micro = float(2 * tp / max(1, 2 * tp + fp + fn))
    confusion = {
        label: confusion_matrix(y[:, c], pred[:, c], labels=[False, True]).tolist()
        for c, label in enumerate(LABELS)
    }
    return {
        "split_size": len(records),
        "by_language": by_language,
        "overall": overall,
        "micro_f1": round(micro, 4),
        "macro_f1": round(macro_f1(y, pred), 4),
        "min_f1_language_label": round(
            min(m["f1"] for row in by_language.values() for m in row.values()), 4
        ),
        "confusion": confusion,
    }


def _decided(y_true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Precision/recall/F1 of the real decisions (language thresholds), not of 0.5."""
    tp, fp, fn = (pred & y_true).sum(), (pred & ~y_true).sum(), (~pred & y_true).sum()
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def plot_pr_curves(records: list[Record], scores: np.ndarray, path: Path) -> None:
    y = np.stack([r.label_vector() for r in records])
    langs = np.array([r.language for r in records])
    fig, axes = plt.subplots(1, len(LABELS), figsize=(4.2 * len(LABELS), 4), sharey=True)
    for c, (label, ax) in enumerate(zip(LABELS, axes, strict=True)):
        for language in LANGUAGES:
            mask = langs == language
            if y[mask, c].sum() and (~y[mask, c].astype(bool)).any():
                precision, recall, _ = precision_recall_curve(y[mask, c], scores[mask, c])
                ax.plot(recall, precision, label=language)
        ax.set(title=label, xlabel="recall", xlim=(0, 1.02), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("precision")
    axes[-1].legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_calibration(records: list[Record], scores: np.ndarray, path: Path) -> None:
    y = np.stack([r.label_vector() for r in records])
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect")
    for c, label in enumerate(LABELS):
        frac, mean = calibration_curve(y[:, c], scores[:, c], n_bins=8, strategy="quantile")
        ax.plot(mean, frac, marker="o", label=label)
    ax.set(xlabel="predicted probability", ylabel="observed frequency", title="calibration")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def format_report(metrics: dict, version: str, split: str) -> str:
    lines = [f"# Evaluation of release `{version}` on the {split} split", ""]
    lines += [
        f"{metrics['split_size']} messages. Micro F1 {metrics['micro_f1']:.3f}, "
        f"macro F1 {metrics['macro_f1']:.3f}, worst language x label F1 "
        f"{metrics['min_f1_language_label']:.3f}.",
        "",
    ]
    lines += [
        "| language | label | precision | recall | F1 | PR-AUC | positives / n |",
        "|---|---|---|---|---|---|---|",
    ]
    for language, row in metrics["by_language"].items():
        for label, m in row.items():
            lines.append(
                f"| {language} | {label} | {m['precision']:.3f} | {m['recall']:.3f} | "
                f"{m['f1']:.3f} | {m['pr_auc']:.3f} | {m['support']} / {m['n']} |"
            )
    lines += [
        "",
        "## Confusion per label (all languages)",
        "",
        "| label | TN | FP | FN | TP |",
        "|---|---|---|---|---|",
    ]
    for label, ((tn, fp), (fn, tp)) in metrics["confusion"].items():
        lines.append(f"| {label} | {tn} | {fp} | {fn} | {tp} |")
    lines += ["", "![PR curves](pr_curves.png)", "", "![calibration](calibration.png)", ""]
    return "\n".join(lines)


def evaluate_release(
    version: str | None = None,
    config: ModelConfig | None = None,
    split: str = "test",
    corpus_files: list[Path] | None = None,
) -> dict:
    """Evaluate a release on a corpus split and write metrics, plots, report and model card.

    Always in fp32: a release's metrics are its reference figures, the same on every CPU (the
    default ``auto`` precision would measure bf16 on some hosts and fp32 on others); the
    faster paths are measured against them by the release-quality test and the benchmark.
    """
    classifier = load_classifier(version, replace(config or ModelConfig(), precision="fp32"))
    records = select(load_records(corpus_files), split)
    scores = score_records(classifier, records)
    metrics = compute_metrics(classifier, records, scores)
    report_dir = classifier.path / "report"
    report_dir.mkdir(exist_ok=True)
    plot_pr_curves(records, scores, report_dir / "pr_curves.png")
    plot_calibration(records, scores, report_dir / "calibration.png")
    (report_dir / "REPORT.md").write_text(format_report(metrics, classifier.version, split))
    (classifier.path / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(classifier.path)
    log.info("evaluated", extra={"version": classifier.version, "macro_f1": metrics["macro_f1"]})
    return metrics
