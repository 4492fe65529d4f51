"""Metric helpers shared by training (early stopping, thresholds) and evaluation."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def f1_at(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """F1 of one label column at one threshold (0 when there are no positives at all).

    Plain counting rather than sklearn: threshold searches call this thousands of times.
    """
    truth = np.asarray(y_true).astype(bool)
    predicted = np.asarray(scores) >= threshold
    tp = int((truth & predicted).sum())
    wrong = int((truth ^ predicted).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def best_threshold(y_true: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Threshold maximising F1; ties go to the one nearest 0.5 (the least surprising)."""
    results = [(f1_at(y_true, scores, t), -abs(t - 0.5), t) for t in THRESHOLD_GRID]
    f1, _, threshold = max(results)
    return float(threshold), f1


def label_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 at the threshold, PR-AUC (average precision) and support."""
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, scores >= threshold, average="binary", zero_division=0
    )
    positives = int(y_true.sum())
    pr_auc = float(average_precision_score(y_true, scores)) if positives else float("nan")
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "pr_auc": pr_auc,
        "support": positives,
        "n": len(y_true),
    }


def macro_f1(y_true: np.ndarray, predicted: np.ndarray) -> float:
    """Macro F1 over label columns of binary matrices."""
    _, _, f1, _ = precision_recall_fscore_support(
        y_true, predicted, average="macro", zero_division=0
    )
    return float(f1)
