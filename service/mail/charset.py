"""Decoding text bytes whose charset label may be missing or wrong.

Client mail arrives in every charset Korean, Russian and Turkish mailers ever used, often
mislabelled: the result of each candidate codec is scored for how much it looks like real text,
so that one bad label never loses a message. Used for bodies and raw 8-bit headers alike.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

_SUPERSETS = {
    "euc-kr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949", "iso-8859-9": "cp1254",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "gb2312": "gb18030",
    "gbk": "gb18030", "us-ascii": "utf-8", "ascii": "utf-8",
}  # fmt: skip
"""Labels that senders use for a wider charset than they name (Windows code pages)."""


_GUESSES = tuple(
    codecs.lookup(name).name for name in ("utf-8", "cp949", "cp1251", "koi8_r", "cp1254")
)
"""Charsets tried, best-scoring first wins, when the label is missing or clearly wrong."""


_LABEL_TRUST = 0.1
"""Score bonus of the declared charset: a label is only overruled by clearly better text."""


_WORD = re.compile(r"[^\W\d_]+")


_MIXED_CASE = re.compile(r"[^\W\d_A-Z]*[a-zа-яё][А-ЯЁ]")
"""Lower- then upper-case Cyrillic inside a word: the mark of a wrong Cyrillic code page."""


_TOP_CYRILLIC = frozenset("оеаинтсрвлкмдпуяы")


_TURKISH = frozenset("çğıöşüÇĞİÖŞÜ")


_WESTERN = frozenset("éèêëàâäáíîïìóôöòúûüùñçßÉÈÊÀÂÄÁÍÎÓÔÖÚÛÜÑÇ")


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str]:
    """Decode text bytes whose charset label may be missing or wrong.

    Valid UTF-8 wins outright (many mailers label UTF-8 as something else). Otherwise
    the declared charset, its usual superset (euc-kr -> cp949, iso-8859-9 -> cp1254) and
    the charsets of our client languages are tried, and the one whose result looks most
    like real text wins, with a bonus for the label. Returns ``(text, codec name)``.
    """
    labels = _codecs_for(declared)
    if b"\x1b$)C" in data:  # ISO-2022-KR is 7-bit: it would pass for ASCII and UTF-8
        labels = [codecs.lookup("iso2022_kr").name, *labels]
    elif data.isascii():
        return data.decode("ascii"), labels[0] if labels else "ascii"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    best: tuple[float, str, str] | None = None
    for position, name in enumerate(dict.fromkeys([*labels, *_GUESSES])):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text) + (_LABEL_TRUST if name in labels else 0.0)
        score -= position * 1e-6  # stable preference for earlier candidates on ties
        if best is None or score > best[0]:
            best = (score, text, name)
    if best is not None:
        return best[1], best[2]
    fallback = labels[0] if labels else "utf-8"
    return data.decode(fallback, "replace"), fallback


def _codecs_for(declared: str | None) -> list[str]:
    """Known Python codec names for a declared charset label and its superset."""
    if not declared:
        return []
    label = declared.strip().strip("\"'").lower()
    names = []
    for candidate in (label, _SUPERSETS.get(label)):
        if not candidate:
            continue
        try:
            names.append(codecs.lookup(candidate).name)
        except LookupError:
            continue
    return list(dict.fromkeys(names))


def _plausibility(text: str) -> float:
    """How much a decoded text looks like real ko/ru/tr/en writing, 0..1.

    Wrong single-byte decodings produce words mixing scripts, rare letters (Ukrainian,
    Icelandic) and symbols; wrong Cyrillic code pages scramble letter frequencies and
    case ("дНАПШИ").
    """
    sample = text[:4000]
    good = 0.0
    total = 0
    for word in _WORD.findall(sample):
        total += len(word)
        scripts = {_script(char) for char in word}
        if len(scripts) == 1 and not _MIXED_CASE.search(word):
            good += sum(_letter_weight(char) for char in word) * _accent_factor(word)
    symbols = sum(1 for char in sample if _is_noise(char))
    total += symbols
    return 1.0 if total == 0 else good / total


def _accent_factor(word: str) -> float:
    """Latin words made mostly of accented letters ("óŞÔ") are Cyrillic read as Latin."""
    if word[0] > "\u024f" or len(word) < 2:
        return 1.0
    accented = sum(1 for char in word if not char.isascii())
    return 0.3 if accented * 2 > len(word) else 1.0


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250:
        return "latin"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code < 0x1200 or 0x3130 <= code < 0x3190:
        return "hangul"
    return "other"


def _letter_weight(char: str) -> float:
    """1 for letters typical of our languages, less for letters wrong decodings produce."""
    code = ord(char)
    if char.isascii() or char in _TURKISH or 0xAC00 <= code <= 0xD7A3:
        return 1.0
    if char in _WESTERN:
        return 0.8
    if 0x410 <= code <= 0x44F or char in "ёЁ":
        return 1.0 if char.lower() in _TOP_CYRILLIC else 0.4
    if 0x4E00 <= code <= 0x9FFF:
        return 0.3  # hanja: rare in modern Korean mail, common in cp949 misreadings
    return 0.1


def _is_noise(char: str) -> bool:
    """Symbols and control characters that real text rarely contains."""
    if char in "\t\n\r":
        return False
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cs", "So", "Sk")
