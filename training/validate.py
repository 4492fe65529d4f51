"""Corpus validator: schema, labels, splits, duplicates and the per-language quotas.

Run as ``triage validate-dataset``; the test suite runs it on the committed corpus.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from models.labels import LABELS, LANGUAGES
from training.dataset import (
    REQUIRED_FIELDS,
    SPLITS,
    Record,
    corpus_files,
    record_from_json,
)

MIN_PER_LANGUAGE = 500
MIN_POSITIVES_PER_LABEL = 80
MIN_UNLABELLED_SHARE = 0.35
MIN_HARD_NEGATIVES = 120
NEAR_DUPLICATE_JACCARD = 0.8
MAX_NEAR_DUPLICATE_RATE = 0.02
NGRAM = 5
RARE_SHINGLE_MAX_POSTINGS = 200
"""Shingles shared by more records than this are too common to nominate candidate pairs."""


@dataclass
class Report:
    """What the validator found; ``errors`` empty means the corpus passes."""

    errors: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)
    near_duplicate_rate: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


def _schema_errors(path: Path, number: int, obj: dict) -> list[str]:
    where = f"{path.name}:{number}"
    errors = [f"{where}: missing field {name!r}" for name in REQUIRED_FIELDS if name not in obj]
    if errors:
        return errors
    if not isinstance(obj["labels"], list) or any(x not in LABELS for x in obj["labels"]):
        errors.append(f"{where}: labels must be a list drawn from {LABELS}, got {obj['labels']}")
    elif len(set(obj["labels"])) != len(obj["labels"]):
        errors.append(f"{where}: repeated label in {obj['labels']}")
    if obj["language"] not in LANGUAGES:
        errors.append(f"{where}: language {obj['language']!r} not in {LANGUAGES}")
    if not isinstance(obj["hard_negative"], bool):
        errors.append(f"{where}: hard_negative must be true/false")
    if not str(obj["text"]).strip():
        errors.append(f"{where}: empty text")
    if not str(obj["id"]).startswith(f"{obj['language']}-"):
        errors.append(f"{where}: id {obj['id']!r} should start with its language")
    if "split" in obj and obj["split"] != record_from_json(obj).split:
        errors.append(f"{where}: stored split disagrees with the id hash")
    return errors


def _shingles(text: str) -> set[str]:
    squashed = " ".join(text.lower().split())
    return {squashed[i : i + NGRAM] for i in range(max(1, len(squashed) - NGRAM + 1))}


def find_near_duplicates(records: list[Record]) -> list[tuple[str, str, float]]:
    """Pairs whose character 5-gram Jaccard similarity reaches the threshold.

    Candidate pairs come from an inverted index of rare shingles, so the check stays fast
    on thousands of records without comparing every pair.
    """
    shingles = [_shingles(r.text) for r in records]
    index: dict[str, list[int]] = defaultdict(list)
    for i, grams in enumerate(shingles):
        for gram in grams:
            index[gram].append(i)
    pairs: list[tuple[str, str, float]] = []
    for i, grams in enumerate(shingles):
        overlap: Counter[int] = Counter()
        for gram in grams:
            postings = index[gram]
            if len(postings) <= RARE_SHINGLE_MAX_POSTINGS:
                overlap.update(j for j in postings if j > i)
        for j, shared in overlap.items():
            if shared < NEAR_DUPLICATE_JACCARD * min(len(grams), len(shingles[j])) * 0.5:
                continue
            score = len(grams & shingles[j]) / len(grams | shingles[j])
            if score >= NEAR_DUPLICATE_JACCARD:
                pairs.append((records[i].id, records[j].id, round(score, 3)))
    return pairs


def _count(records: list[Record]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for language in sorted({r.language for r in records}):
        mine = [r for r in records if r.language == language]
        row = {"messages": len(mine)}
        row |= {label: sum(label in r.labels for r in mine) for label in LABELS}
        row["no_label"] = sum(not r.labels for r in mine)
        row["hard_negative"] = sum(r.hard_negative for r in mine)
        row |= {split: sum(r.split == split for r in mine) for split in SPLITS}
        counts[language] = row
    return counts


def _quota_errors(counts: dict[str, dict[str, int]]) -> list[str]:
    errors = []
    for language in LANGUAGES:
        row = counts.get(language, {"messages": 0, "no_label": 0, "hard_negative": 0})
        n = row["messages"]
        if n < MIN_PER_LANGUAGE:
            errors.append(f"{language}: {n} messages < {MIN_PER_LANGUAGE}")
        for label in LABELS:
            if row.get(label, 0) < MIN_POSITIVES_PER_LABEL:
                errors.append(f"{language}: {label} has {row.get(label, 0)} positives")
        if n and row["no_label"] / n < MIN_UNLABELLED_SHARE:
            errors.append(f"{language}: only {row['no_label'] / n:.0%} messages without label")
        if row["hard_negative"] < MIN_HARD_NEGATIVES:
            errors.append(f"{language}: {row['hard_negative']} hard negatives")
    return errors


def validate(paths: list[Path] | None = None, quotas: bool = True) -> Report:
    """Check every file; collect all problems instead of stopping at the first."""
    report = Report()
    records: list[Record] = []
    for path in paths if paths is not None else corpus_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                report.errors.append(f"{path.name}:{number}: invalid JSON ({exc.msg})")
                continue
            problems = _schema_errors(path, number, obj)
            report.errors += problems
            if not problems:
                records.append(record_from_json(obj))
    ids = Counter(r.id for r in records)
    report.errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    texts = Counter(" ".join(r.text.lower().split()) for r in records)
    report.errors += [f"exact duplicate text: {t[:60]!r}" for t, n in texts.items() if n > 1]
    report.near_duplicates = find_near_duplicates(records)
    split = {r.id: r.split for r in records}
    report.errors += [
        f"near duplicates across splits: {a} ({split[a]}) ~ {b} ({split[b]}) {s}"
        for a, b, s in report.near_duplicates
        if split[a] != split[b]
    ]
    involved = {i for a, b, _ in report.near_duplicates for i in (a, b)}
    report.near_duplicate_rate = len(involved) / max(1, len(records))
    if report.near_duplicate_rate >= MAX_NEAR_DUPLICATE_RATE:
        report.errors.append(f"near-duplicate rate {report.near_duplicate_rate:.1%} >= 2%")
    report.counts = _count(records)
    if quotas:
        report.errors += _quota_errors(report.counts)
    return report


def format_report(report: Report) -> str:
    """A per-language x per-label table plus the duplicate figures and any errors."""
    columns = ["messages", *LABELS, "no_label", "hard_negative", *SPLITS]
    lines = ["| language | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for language, row in report.counts.items():
        lines.append(f"| {language} | " + " | ".join(str(row[c]) for c in columns) + " |")
    lines.append(
        f"near duplicates: {len(report.near_duplicates)} pairs, "
        f"{report.near_duplicate_rate:.2%} of records"
    )
    lines += [f"ERROR {e}" for e in report.errors] or ["OK"]
    return "\n".join(lines)
