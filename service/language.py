"""Language identification for client mail: ``ko``, ``ru``, ``tr``, ``en`` or ``other``.

The language decides which thresholds apply and is shown to users, so it has to be right on
two-word replies and must not pull Ukrainian, Bulgarian, Kazakh, Azerbaijani, German or Spanish
mail into one of the four supported languages.

Design (one model per script, no hand-written rules to maintain):

* Words are split by script. Hangul is Korean. Latin, Cyrillic and Han/kana words are scored by
  a character n-gram language model per language (orders 1..5 with stupid backoff, plus an
  end-of-word term), derived offline from the models that the ``lingua-language-detector`` wheel
  ships (see ``tools/langid_build.py``; lingua is not needed at run time). Besides ru/tr/en it
  knows the confusable languages (uk, bg, be, kk, mk, sr, mn / az, de, es, fr / ja, zh) and, for
  Latin script, a pooled catch-all of every other European lingua language, so foreign text has
  somewhere better to go than the nearest supported language. Letters unique to a language
  (Ukrainian ``і``, Kazakh ``қ``, Azerbaijani ``ə``) need no rule: a language that never uses a
  letter pays the floor cost for it. Turkish also accepts ``ý/þ/ð`` (Windows-1254 mail decoded
  as Windows-1252).
* A word-frequency lexicon (top words of ru, uk, bg, mk and sr from ``wordfreq``; see
  ``tools/lexicon_build.py``) adds a per-word cost for Cyrillic. Letters alone cannot tell a
  short Russian sentence from Bulgarian or Macedonian when every letter is shared; whole words can.
* One dictionary lookup per character against a precomputed byte table, summed with numpy:
  ~0.15 ms for a sentence in pure Python.
* Each script group is classified as a whole (single words are too short to trust), with a
  prior that favours the supported languages because that is what client mail is written in.
  The heaviest group names the language, so Korean mail with English product names stays
  Korean. Inside a group a word is credited to another language only when it clearly belongs
  there; those credits make up ``shares``.
* URLs, e-mail addresses and code-like tokens are dropped before scoring; digits split words.

Deterministic: no sampling, no threads, a fixed model file.
"""

from __future__ import annotations

import json
import lzma
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.labels import LANGUAGES

MODEL_PATH = Path(__file__).resolve().parent / "data" / "langid.npz"
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.npz"
OTHER = "other"
CATCH_ALL = "xx"
UNDETERMINED = "und"

TARGET_PRIOR_NATS: dict[str, float] = {"cyrillic": 2.5, "latin": 0.5, "han": 0.0}
"""Extra cost (nats) of a language we do not support, per script. Client mail is mostly
ko/ru/tr/en, so a short ambiguous text (a Russian word that is also Bulgarian) should go to the
supported language. Cyrillic mail to us is overwhelmingly Russian; Latin-script mail comes in
many European languages, so the Latin prior is weaker."""
CATCH_ALL_PRIOR_NATS = 12.0
"""The pooled catch-all must beat the specific languages clearly before it is believed."""
WORD_SWITCH_NATS = 4.0
"""A word is credited to a language other than its group's only when it fits that language this
much better; below it the difference is noise for a word."""
MIN_SWITCH_LETTERS = 4
CJK_WEIGHT = 2
"""A Hangul/Han/kana character carries about as much as two Latin letters when weighing scripts."""
LEXICON_WEIGHT = 0.5
"""Weight of the word-frequency cost next to the character costs. Below 1 because the n-gram
model already prices the same letters; enough to settle a short sentence whose letters are
shared by Russian, Bulgarian and Macedonian (measured in ``bench/langid.py``)."""
MAX_LETTERS = 2000
"""Long mail is decided by its first letters; keeps the cost per message bounded."""

_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)
_CODE_TOKEN = re.compile(r"\S*[_/\\=<>{}\[\]|#$%^&*~+`]\S*")
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
_HAN = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han and kana
_CJK = _HANGUL + _HAN
_CYRILLIC = "\u0400-\u052f"
_LATIN = "a-z\u00c0-\u024f\u0250-\u02af\u1e00-\u1eff"
_WORD = re.compile(
    rf"(?P<hangul>[{_HANGUL}]+)|(?P<han>[{_HAN}]+)"
    rf"|(?P<cyrillic>[{_CYRILLIC}]+)|(?P<latin>[{_LATIN}]+)"
    rf"|(?P<other>(?:(?![{_CJK}{_CYRILLIC}{_LATIN}])[^\W\d_])+)"
)
_SCRIPT_ISO = {
    "GREEK": "el", "ARABIC": "ar", "HEBREW": "he", "ARMENIAN": "hy", "GEORGIAN": "ka",
    "THAI": "th", "DEVANAGARI": "hi", "BENGALI": "bn", "TAMIL": "ta", "TELUGU": "te",
    "GUJARATI": "gu", "GURMUKHI": "pa",
}  # fmt: skip
"""Scripts used by essentially one language we could meet; anything else is ``und``."""


@dataclass(frozen=True)
class LanguageResult:
    """What the rest of the service needs to know about a message's language.

    ``language`` is one of :data:`models.labels.LANGUAGES` or ``"other"``; ``iso`` keeps the
    detected ISO 639-1 code (``"uk"``, ``"az"``...; ``"und"`` when undetermined) for display;
    ``confidence`` is the model's posterior for ``language``; ``shares`` is the weighted fraction
    of the text in each supported language and ``other`` (all zero for text without letters).
    """

    language: str
    iso: str
    confidence: float
    shares: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _ScriptModel:
    """Cost table of one script: a row per n-gram / word ending, a column per language."""

    languages: tuple[str, ...]
    index: dict[str, int]
    table: np.ndarray  # uint8 costs in tenths of a nat; the last row is the all-floor row
    prior: np.ndarray  # per-language prior cost, same unit


@dataclass(frozen=True)
class _Lexicon:
    """Word-frequency costs of one script, columns in the order of its :class:`_ScriptModel`."""

    index: dict[str, int]
    table: np.ndarray  # (words + 1) x languages, weighted costs; the last row: unknown word


@dataclass(frozen=True)
class _Model:
    scripts: dict[str, _ScriptModel]
    lexicons: dict[str, _Lexicon]
    scale: float
    max_order: int
    eow_context: int  # longest word ending with an end-of-word row
    end: str  # marker appended to an ending to form its end-of-word key


@dataclass
class _Group:
    """Words of one script, scored together."""

    words: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    lexicon_ids: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    weight: float = 0.0


def _prior(language: str, script: str) -> float:
    if language in LANGUAGES:
        return 0.0
    return CATCH_ALL_PRIOR_NATS if language == CATCH_ALL else TARGET_PRIOR_NATS[script]


def _read_table(archive, script: str) -> tuple[tuple[str, ...], list[str], np.ndarray]:
    """Languages, keys and byte cost table of one script in a ``langid_build``-style archive."""
    languages = tuple(str(x) for x in archive[f"{script}_languages"])
    keys = lzma.decompress(archive[f"{script}_keys"].tobytes()).decode().split("\n")
    table = np.frombuffer(lzma.decompress(archive[f"{script}_table"].tobytes()), np.uint8)
    return languages, keys, table.reshape(tuple(int(n) for n in archive[f"{script}_shape"]))


def _load_lexicons(scripts: dict[str, _ScriptModel]) -> dict[str, _Lexicon]:
    lexicons = {}
    with np.load(LEXICON_PATH, allow_pickle=False) as archive:
        for script in json.loads(str(archive["meta"]))["scripts"]:
            languages, keys, table = _read_table(archive, script)
            if languages != scripts[script].languages:
                raise ValueError(f"{LEXICON_PATH.name}: {script} columns differ from the model's")
            weighted = np.round(table.astype(np.float32) * LEXICON_WEIGHT).astype(np.int32)
            lexicons[script] = _Lexicon({key: i for i, key in enumerate(keys)}, weighted)
    return lexicons


@lru_cache(maxsize=1)
def _model() -> _Model:
    """Load the derived n-gram tables and the word lexicons once per process."""
    with np.load(MODEL_PATH, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        scale = float(meta["scale"])
        scripts = {}
        for script in meta["scripts"]:
            languages, keys, table = _read_table(archive, script)
            scripts[script] = _ScriptModel(
                languages=languages,
                index={key: i for i, key in enumerate(keys)},
                table=table,
                prior=np.array([_prior(lang, script) * scale for lang in languages]),
            )
    return _Model(
        scripts=scripts,
        lexicons=_load_lexicons(scripts),
        scale=scale,
        max_order=int(meta["max_order"]),
        eow_context=int(meta["end_of_word_context"]),
        end=str(meta["end"]),
    )


def _normalise(text: str) -> str:
    """NFC, Turkish capital dotted I folded before lowercasing, URLs/e-mails/code removed."""
    text = unicodedata.normalize("NFC", text).replace("İ", "i")
    text = _URL_OR_EMAIL.sub(" ", text)
    return _CODE_TOKEN.sub(" ", text).lower()


def _word_ids(word: str, index: dict[str, int], model: _Model) -> list[int]:
    """Row of the longest known n-gram ending at each character, then the end-of-word row."""
    order, floor = model.max_order, len(index)
    ids = []
    for end in range(1, len(word) + 1):
        row = -1
        for start in range(max(0, end - order), end):
            row = index.get(word[start:end], -1)
            if row >= 0:
                break
        ids.append(row if row >= 0 else floor)
    for start in range(max(0, len(word) - model.eow_context), len(word)):
        row = index.get(word[start:] + model.end, -1)
        if row >= 0:  # how likely each language ends a word this way
            ids.append(row)
            break
    return ids


def _script_iso(word: str) -> str:
    name = unicodedata.name(word[0], "")
    return _SCRIPT_ISO.get(name.split(" ", 1)[0], UNDETERMINED)


def _groups(text: str, model: _Model) -> tuple[dict[str, _Group], dict[str, float]]:
    """Words grouped by script with their table rows; other scripts are counted per ISO code."""
    groups: dict[str, _Group] = {}
    other_scripts: dict[str, float] = {}
    budget = MAX_LETTERS
    for match in _WORD.finditer(_normalise(text)):
        word, script = match.group(), match.lastgroup or "other"
        if script == "other":
            iso = _script_iso(word)
            other_scripts[iso] = other_scripts.get(iso, 0.0) + len(word)
        else:
            group = groups.setdefault(script, _Group())
            group.words.append(word)
            if script in model.scripts:
                group.starts.append(len(group.ids))
                group.ids.extend(_word_ids(word, model.scripts[script].index, model))
            if script in model.lexicons:
                index = model.lexicons[script].index
                group.lexicon_ids.append(index.get(word, len(index)))
            group.weight += len(word) * (CJK_WEIGHT if script in ("hangul", "han") else 1)
        budget -= len(word)
        if budget <= 0:
            break
    return groups, other_scripts


def _label(iso: str) -> str:
    return iso if iso in LANGUAGES else OTHER


def _decide(
    group: _Group, scripts: _ScriptModel, lexicon: _Lexicon | None, scale: float
) -> tuple[str, float, dict]:
    """Group language, its label's posterior, and the group's weight split over labels.

    The group is decided as a whole; a word is credited elsewhere only when it fits another
    language by more than :data:`WORD_SWITCH_NATS` (an English product name in Turkish mail).
    """
    costs = np.add.reduceat(scripts.table[group.ids].astype(np.int32), group.starts, axis=0)
    if lexicon is not None:
        costs += lexicon.table[group.lexicon_ids]
    total = costs.sum(axis=0) + scripts.prior
    best = int(total.argmin())
    iso = scripts.languages[best] if scripts.languages[best] != CATCH_ALL else UNDETERMINED
    label = _label(iso)
    weights = np.exp(-(total - total.min()) / scale)
    in_label = [_label(lang) == label for lang in scripts.languages]
    confidence = float(weights[in_label].sum() / weights.sum())
    lengths = np.array([len(w) for w in group.words], dtype=float)
    word_best = costs.argmin(axis=1)
    switch = (costs[:, best] - costs.min(axis=1) > WORD_SWITCH_NATS * scale) & (
        lengths >= MIN_SWITCH_LETTERS
    )
    per_letter = group.weight / lengths.sum()
    split: dict[str, float] = {}
    for n, word_lang, moved in zip(lengths, word_best, switch, strict=True):
        word_label = _label(scripts.languages[word_lang]) if moved else label
        split[word_label] = split.get(word_label, 0.0) + float(n) * per_letter
    return iso, confidence, split


def detect_language(text: str) -> LanguageResult:
    """Detect the language of one message (see the module docstring for how)."""
    model = _model()
    groups, other_scripts = _groups(text or "", model)
    weights: dict[str, float] = dict.fromkeys((*LANGUAGES, OTHER), 0.0)
    candidates: list[tuple[float, str, float]] = []  # (group weight, iso, confidence)
    for script, group in groups.items():
        if script == "hangul":  # only Korean is written in Hangul
            iso, confidence, split = "ko", 1.0, {"ko": group.weight}
        else:
            iso, confidence, split = _decide(
                group, model.scripts[script], model.lexicons.get(script), model.scale
            )
        candidates.append((group.weight, iso, confidence))
        for label, weight in split.items():
            weights[label] += weight
    for iso, weight in other_scripts.items():
        candidates.append((weight, iso, 1.0))
        weights[OTHER] += weight
    if not candidates:
        return LanguageResult(OTHER, UNDETERMINED, 0.0, weights)
    _, iso, confidence = max(candidates, key=lambda c: c[0])
    total = sum(weights.values())
    shares = {label: round(float(weight / total), 4) for label, weight in weights.items()}
    return LanguageResult(_label(iso), iso, round(float(confidence), 4), shares)


def warm_up() -> None:
    """Load the model now (service start-up) rather than on the first message."""
    _model()


__all__ = ["LanguageResult", "detect_language", "warm_up"]
