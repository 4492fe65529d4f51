"""``triage parse FILE.eml`` prints the normalized message as JSON."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from service.cli import main

FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "eml"
    / "ko"
    / "01-gmail-alternative-base64.eml"
)
KEYS = {
    "from", "to", "date", "message_id", "in_reply_to", "references", "subject", "text",
    "quoted_text", "quoted_date", "reply_gap_seconds", "charset", "client_id",
}  # fmt: skip


def test_parse_file_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(FIXTURE)]) == 0
    output = json.loads(capsys.readouterr().out)
    assert set(output) == KEYS
    assert output["client_id"] == output["from"] == "jieun.park@hanbit-trade.co.kr"
    assert output["subject"] == "Re: 11월 납품 일정 문의"
    assert output["text"].endswith("감사합니다.") and "한심" not in output["text"]
    assert output["quoted_date"] == "2025-11-03T09:41:00+09:00"
    assert output["reply_gap_seconds"] == 13145
    assert output["in_reply_to"] == "<vendor-ko-0941@vendor.co.kr>"


def test_parse_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FIXTURE.read_bytes())))
    assert main(["parse", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["charset"] == "utf-8"


def test_not_mail_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"just a note\n")
    assert main(["parse", str(path)]) == 1
    assert "not a mail message" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "missing.eml")]) == 2
    assert "cannot read" in capsys.readouterr().err
