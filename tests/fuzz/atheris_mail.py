"""Coverage-guided fuzzing of the mail path with atheris (libFuzzer).

    python tests/fuzz/atheris_mail.py TARGET [CORPUS_DIR] [libFuzzer flags]

TARGET is one of ``targets.TARGETS`` (mime, clean, raw, json, postmark, sendgrid, mailgun,
mandrill, postal). Give a *copy* of ``tests/fuzz/corpus/TARGET`` as CORPUS_DIR: libFuzzer adds
every input that reaches new code to it. A crash writes ``crash-<sha1>`` (the input) and exits
non-zero; add that input to the committed corpus once fixed. Long run, one target per core::

    cp -r tests/fuzz/corpus/mime /tmp/mime && \\
      python tests/fuzz/atheris_mail.py mime /tmp/mime -max_total_time=3600 -rss_limit_mb=4096
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]  # this checkout, then the targets

with atheris.instrument_imports(include=["service"]):
    from targets import TARGETS


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
