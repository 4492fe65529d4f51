"""Build ``service/data/lexicon.npz``, the word-frequency table behind :mod:`service.language`.

Why: character n-grams cannot tell a short Russian sentence from Bulgarian or Macedonian when
every letter is shared ("Директор спит.", "Установите с ним диалог."). Whole words can: "спит"
is a common Russian word and no Bulgarian one. This script takes the most frequent words of each
Cyrillic language that ``wordfreq`` (Robyn Speer et al., MIT code, CC-BY-SA 4.0 data) ships a
list for (ru, uk, bg, mk, and Serbian through its Serbo-Croatian list, transliterated from Latin
to Cyrillic) and writes, for every kept word, its cost ``-ln P(word)`` per language in tenths of
a nat, one byte, with a floor for words a language's list lacks. Languages without a list (be,
kk, mn) get a neutral cost per word, so they are neither helped nor harmed by the lexicon.

Run it only when the word lists or the language set change (wordfreq is a build-time tool)::

    .venv/bin/pip install -e '.[bench]'        # wordfreq
    .venv/bin/python -m tools.lexicon_build  # ~20 seconds

The language-identification test data under ``../shared/langid`` is never read here.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import unicodedata
from pathlib import Path

import numpy as np

from models.paths import REPO_ROOT
from tools.langid_build import SCALE, SCRIPT_LANGUAGES, put_table, save

OUTPUT = REPO_ROOT / "service" / "data" / "lexicon.npz"
WORDLISTS: dict[str, dict[str, str]] = {
    "cyrillic": {"ru": "ru", "uk": "uk", "bg": "bg", "mk": "mk", "sr": "sh"}
}
"""Per script, which wordfreq list stands for each language of that script's model."""
TOP_WORDS = 50_000
"""Most frequent words kept per language: the rare tail adds size, not accuracy."""
FLOOR_FREQUENCY = 1e-8
"""Frequency charged for a word missing from a language's list (below any listed word)."""
NEUTRAL_FREQUENCY = 1e-6
"""Frequency charged per word to a language without a list: a typical mid-frequency word."""
SERBIAN_LATIN_TO_CYRILLIC = {
    "lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ",
    "e": "е", "ž": "ж", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н",
    "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф", "h": "х",
    "c": "ц", "č": "ч", "š": "ш",
}  # fmt: skip
"""Serbian is written in both alphabets and wordfreq lists it in Latin (as ``sh``); the mapping
is one to one, digraphs first."""


def to_serbian_cyrillic(word: str) -> str | None:
    """Transliterate a Latin Serbo-Croatian word; ``None`` if it has letters outside the mapping."""
    out, i = [], 0
    while i < len(word):
        two = word[i : i + 2]
        if two in SERBIAN_LATIN_TO_CYRILLIC:
            out.append(SERBIAN_LATIN_TO_CYRILLIC[two])
            i += 2
        elif word[i] in SERBIAN_LATIN_TO_CYRILLIC:
            out.append(SERBIAN_LATIN_TO_CYRILLIC[word[i]])
            i += 1
        else:
            return None
    return "".join(out)


def word_frequencies(wordlist: str, top: int) -> dict[str, float]:
    """The ``top`` most frequent words of a wordfreq list, NFC and lowercase like the detector."""
    import wordfreq  # build-time only

    ranked = sorted(
        wordfreq.get_frequency_dict(wordlist, wordlist="small").items(), key=lambda kv: -kv[1]
    )
    out: dict[str, float] = {}
    for word, frequency in ranked:
        word = unicodedata.normalize("NFC", word).lower()
        if wordlist == "sh":
            word = to_serbian_cyrillic(word)
        if word and word.isalpha() and word not in out:
            out[word] = frequency
        if len(out) >= top:
            break
    return out


def _cost(frequency: float) -> int:
    return min(255, round(-math.log(frequency) * SCALE))


def build(top: int = TOP_WORDS) -> dict[str, np.ndarray]:
    """Per script: the word list and a (words + 1) x languages cost table; the last row is the
    row of an unknown word."""
    arrays: dict[str, np.ndarray] = {}
    for script, lists in WORDLISTS.items():
        languages = SCRIPT_LANGUAGES[script]
        frequencies = {iso: word_frequencies(lists[iso], top) for iso in languages if iso in lists}
        keys = sorted(set().union(*frequencies.values()))
        table = np.empty((len(keys) + 1, len(languages)), dtype=np.uint8)
        for column, iso in enumerate(languages):
            if iso not in frequencies:
                table[:, column] = _cost(NEUTRAL_FREQUENCY)
                continue
            known = frequencies[iso]
            table[:-1, column] = [_cost(known.get(key, FLOOR_FREQUENCY)) for key in keys]
            table[-1, column] = _cost(FLOOR_FREQUENCY)
        put_table(arrays, script, languages, keys, table)
    meta = {
        "source": "wordfreq (MIT code, CC-BY-SA 4.0 data) 'small' word lists",
        "wordfreq_version": importlib.metadata.version("wordfreq"),
        "scripts": list(WORDLISTS),
        "wordlists": WORDLISTS,
        "top_words": top,
        "scale": SCALE,
        "floor_frequency": FLOOR_FREQUENCY,
        "neutral_frequency": NEUTRAL_FREQUENCY,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--top", type=int, default=TOP_WORDS, help="words kept per language")
    args = parser.parse_args()
    save(build(args.top), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
