"""Reading JSON-lines input for the batch commands: bad lines are reported, never fatal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO


class JsonLines:
    """The valid objects of a JSON-lines stream, with their line numbers.

    A bad line is reported on ``err`` with its number and skipped, so one broken record does not
    lose the rest of a batch; ``bad`` counts them for the command's exit code.
    """

    def __init__(
        self, lines: Iterable[str], required: tuple[str, ...], err: IO[str] | None = None
    ) -> None:
        self.lines = lines
        self.required = required
        self.err = err
        self.bad = 0

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        for number, line in enumerate(self.lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                self._report(number, f"invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            problem = _problem(obj, self.required)
            if problem:
                self._report(number, problem)
                continue
            yield number, obj

    def _report(self, number: int, problem: str) -> None:
        self.bad += 1
        print(f"line {number}: {problem}", file=self.err or sys.stderr)


def _problem(obj: object, required: tuple[str, ...]) -> str | None:
    if not isinstance(obj, dict):
        return "expected a JSON object"
    missing = [key for key in required if key not in obj]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    wrong = [key for key in required if key != "id" and not isinstance(obj[key], str)]
    if wrong:
        return f"field(s) must be strings: {', '.join(wrong)}"
    return None


def open_input(path: str) -> IO[str]:
    """``-`` is standard input; anything else a UTF-8 file."""
    return sys.stdin if path == "-" else open(path, encoding="utf-8")


def write_object(obj: dict, out: IO[str] | None = None) -> None:
    (out or sys.stdout).write(json.dumps(obj, ensure_ascii=False) + "\n")
