"""The ``triage`` console script: subcommands are wired and ``base-model`` verifies offline."""

from __future__ import annotations

import argparse
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


def test_every_multi_word_flag_is_spelled_with_dashes() -> None:
    """One spelling convention (``--extra-corpora``); underscore spellings stay accepted where
    they already existed (``triage train`` takes both)."""
    from transformers import HfArgumentParser

    from service.cli import COMMANDS
    from training.train import TrainArguments

    parsers = [build_parser(name) for name in COMMANDS]
    parsers.append(HfArgumentParser(TrainArguments))
    underscored = []
    for parser in parsers:
        for action in _all_actions(parser):
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and not any("_" not in o for o in long):
                underscored.append(long)
    assert underscored == []


def _all_actions(parser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_actions(sub)
