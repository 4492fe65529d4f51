"""Evidence sentences are found in place in the cleaned text, however the lines were wrapped."""

from __future__ import annotations

from service.dashboard.evidence import highlight

TEXT = "Hello team.\nYou are\nincompetent idiots. Send it for free by tomorrow.\nThanks"


def marked(text: str, evidence: dict) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.text, s.labels) for s in highlight(text, evidence).segments if s.labels]


def test_exact_and_rewrapped_sentences_are_found() -> None:
    evidence = {
        "abuse": [{"sentence": "You are incompetent idiots.", "score": 0.97}],
        "unreasonable_demand": [{"sentence": "Send it for free by tomorrow.", "score": 0.8}],
    }
    result = highlight(TEXT, evidence)
    assert "".join(s.text for s in result.segments) == TEXT  # nothing lost or repeated
    assert marked(TEXT, evidence) == [
        ("You are\nincompetent idiots.", ("abuse",)),
        ("Send it for free by tomorrow.", ("unreasonable_demand",)),
    ]
    tags = [s.end_of for s in result.segments if s.end_of]
    assert tags == [(("abuse", 0.97),), (("unreasonable_demand", 0.8),)]
    assert result.unplaced == []


def test_overlapping_evidence_keeps_both_labels() -> None:
    evidence = {
        "abuse": [{"sentence": "incompetent idiots.", "score": 0.9}],
        "unreasonable_demand": [{"sentence": "idiots. Send it", "score": 0.6}],
    }
    assert marked(TEXT, evidence) == [
        ("incompetent ", ("abuse",)),
        ("idiots.", ("abuse", "unreasonable_demand")),
        (" Send it", ("unreasonable_demand",)),
    ]


def test_evidence_not_in_the_text_is_listed_apart() -> None:
    result = highlight(TEXT, {"pessimism": [{"sentence": "It will never work.", "score": 0.7}]})
    assert [s.text for s in result.segments] == [TEXT]
    assert result.unplaced == [("pessimism", "It will never work.", 0.7)]
    assert highlight("", {"abuse": [{"sentence": "", "score": 1.0}]}).unplaced
