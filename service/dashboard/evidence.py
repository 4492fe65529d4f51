"""Evidence sentences found in place in a message's cleaned text, for highlighting.

The classifier's evidence is a list of sentences per label, cut from the same cleaned text the
dashboard shows, so most are exact substrings; a sentence whose spacing differs (line breaks
inside it) is matched with flexible whitespace. A sentence that cannot be found (evidence from
the subject of an empty mail, text edited since) is returned apart, to be listed under the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any


@dataclass(frozen=True)
class Segment:
    """A run of text and the labels whose evidence covers it (none: plain text)."""

    text: str
    labels: tuple[str, ...] = ()
    end_of: tuple[tuple[str, float], ...] = ()
    """(label, score) of evidence sentences that end here: shown as a tag after the run."""


@dataclass
class Highlighted:
    segments: list[Segment]
    unplaced: list[tuple[str, str, float]] = field(default_factory=list)
    """(label, sentence, score) not found in the text."""


def _locate(text: str, sentence: str) -> tuple[int, int] | None:
    start = text.find(sentence)
    if start >= 0:
        return start, start + len(sentence)
    words = sentence.split()
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(word) for word in words), text)
    return (found.start(), found.end()) if found else None


def highlight(text: str, evidence: Mapping[str, Sequence[Mapping[str, Any]]]) -> Highlighted:
    """Split ``text`` into runs by the evidence spans covering them (labels in given order)."""
    spans: list[tuple[int, int, str, float]] = []
    unplaced: list[tuple[str, str, float]] = []
    for label, sentences in evidence.items():
        for item in sentences:
            sentence, score = str(item.get("sentence", "")), float(item.get("score", 0.0))
            where = _locate(text, sentence.strip())
            if where is None or where[0] == where[1]:
                unplaced.append((label, sentence, score))
            else:
                spans.append((*where, label, score))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    order = list(evidence)
    segments = []
    for start, end in pairwise(cuts):
        covering = {label for s, e, label, _ in spans if s <= start and end <= e}
        ending = tuple((label, score) for _, e, label, score in spans if e == end)
        labels = tuple(label for label in order if label in covering)
        segments.append(Segment(text[start:end], labels, ending))
    return Highlighted(segments, unplaced)
