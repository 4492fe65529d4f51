"""Reading JSON-lines input for the batch commands: bad lines are reported, never fatal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO


def read_objects(stream: IO[str], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for valid lines; print a clear error on stderr otherwise."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})", file=sys.stderr)
            continue
        problem = _problem(obj, required)
        if problem:
            print(f"line {number}: {problem}", file=sys.stderr)
            continue
        yield number, obj


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


def write_object(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
