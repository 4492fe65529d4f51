"""How a message becomes model text, and sentences for evidence (shared by training and
inference, torch-free)."""

from __future__ import annotations

import re


def model_input(subject: str, text: str) -> str:
    """What the classifier reads: the subject line carries signal ("URGENT!!!", "3rd reminder")."""
    subject = subject.strip()
    return f"{subject}\n{text.strip()}" if subject else text.strip()


SENTENCE_SPLIT = re.compile(r"(?<=[.!?。？！…])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentence-ish units for evidence; mail is loosely punctuated, so newlines split too."""
    return [s.strip() for s in SENTENCE_SPLIT.split(text) if len(s.strip()) > 1]
