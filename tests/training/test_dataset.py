"""Corpus loading, stable splits and the validator (on tiny fixtures and on the real corpus)."""

from __future__ import annotations

import json
from pathlib import Path

from training.dataset import SPLITS, load_records, split_of
from training.validate import find_near_duplicates, format_report, validate


def _record(i: int, text: str, labels: list[str] | None = None, **extra) -> dict:
    return {
        "id": f"en-{i:04d}",
        "language": "en",
        "subject": "",
        "text": text,
        "labels": labels or [],
        "hard_negative": False,
        "provenance": "test",
    } | extra


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_split_is_a_stable_function_of_the_id() -> None:
    assert split_of("ko-0001") == split_of("ko-0001")
    assigned = {split_of(f"en-{i:04d}") for i in range(200)}
    assert assigned == set(SPLITS)


def test_validator_reports_schema_label_and_duplicate_problems(tmp_path: Path) -> None:
    records = [
        _record(1, "Please send the invoice by Friday."),
        _record(1, "Another text with the same id, which must be caught."),
        _record(2, "You idiot.", labels=["rudeness"]),
        {"id": "en-0003", "language": "en", "text": "no subject or labels"},
    ]
    report = validate([_write(tmp_path / "en.jsonl", records)], quotas=False)
    text = "\n".join(report.errors)
    assert "duplicate id en-0001" in text
    assert "labels must be a list drawn from" in text
    assert "missing field 'subject'" in text
    assert not report.ok


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "en.jsonl"
    path.write_text(json.dumps(_record(1, "fine")) + "\n{broken\n", encoding="utf-8")
    report = validate([path], quotas=False)
    assert any(e.startswith("en.jsonl:2: invalid JSON") for e in report.errors)


def test_near_duplicates_are_found(tmp_path: Path) -> None:
    base = "We still have not received the signed contract, could you send it this week please?"
    records = [
        _record(1, base),
        _record(2, base.replace("this week", "this week!")),
        _record(3, "Completely different text about the staging server and the DNS records."),
    ]
    path = _write(tmp_path / "en.jsonl", records)
    pairs = find_near_duplicates(load_records([path]))
    assert [(a, b) for a, b, _ in pairs] == [("en-0001", "en-0002")]


def test_committed_corpus_passes_the_validator() -> None:
    report = validate()
    print(format_report(report))
    assert report.ok, report.errors
    assert report.near_duplicate_rate < 0.02


def test_files_digest_keeps_same_named_files_apart(tmp_path) -> None:
    from training.dataset import files_digest

    (tmp_path / "corpus").mkdir()
    (tmp_path / "incoming").mkdir()
    (tmp_path / "corpus" / "en.jsonl").write_text("a\n")
    (tmp_path / "incoming" / "en.jsonl").write_text("b\n")
    digests = files_digest([tmp_path / "corpus" / "en.jsonl", tmp_path / "incoming" / "en.jsonl"])
    assert len(set(digests)) == 2 and len(set(digests.values())) == 2
