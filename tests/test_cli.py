"""The ``triage`` console script: subcommands are wired and ``base-model`` verifies offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import build_parser, main


def test_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert "base-model" in out and "serve" in out


def test_base_model_prints_path_and_checksum(
    base_model_dir: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["base-model"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["path"] == base_model_dir
    assert info["verified"] is True and len(info["checksum"]) == 64
    assert (Path(info["prepared_tokenizer"]) / "init.json").is_file()  # start-up loads it
