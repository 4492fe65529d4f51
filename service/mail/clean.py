"""Separate a reply's new text from quoted history and the signature.

Only the client's new words are classified: quoted history repeats earlier messages
(often ours, sometimes with abuse the client never wrote now) and signatures add names,
titles and phone numbers that carry no sentiment. The quoted part is kept because its
attribution line dates the message being answered (see :mod:`service.mail.timing`).

The shapes are data in :mod:`service.mail.patterns`; this module only walks lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.mail.patterns import LANGUAGES, all_patterns

_FLAGS = re.IGNORECASE


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, _FLAGS) for pattern in patterns)


_ATTRIBUTIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern, _FLAGS))
    for code, lang in LANGUAGES.items()
    for pattern in lang.attributions
)
_SEPARATORS = _compile(all_patterns("separators"))
_MOBILE = _compile(all_patterns("mobile_signatures"))
_SIGNOFFS = _compile(all_patterns("signoffs"))
_NAME_CLOSINGS = _compile(all_patterns("name_closings"))

_HEADER_KINDS: dict[str, tuple[str, str]] = {
    label: (kind, code)
    for code, lang in LANGUAGES.items()
    for kind in ("from", "date", "other")
    for label in getattr(lang, f"header_{kind}")
}
"""Header block label -> (kind, language); the language settles day/month order."""
_HEADER = re.compile(
    r"[*\s]*(?P<key>"
    + "|".join(re.escape(key) for key in sorted(_HEADER_KINDS, key=len, reverse=True))
    + r")[*\s]*:[*\s]*(?P<value>.*)",
    _FLAGS,
)
_RULE = re.compile(r"[\s_\-=*]{5,}")
"""A horizontal rule line (Outlook puts 32 underscores above its header block)."""
_CONTACT = re.compile(
    r"(?:\+?\d[\d\s().-]{7,}\d|\S+@\S+\.\w+|https?://|www\.|\b(?:tel|fax|mob|phone|тел|моб)\b)",
    _FLAGS,
)
_MAX_ATTRIBUTION_LINES = 3
_MAX_ATTRIBUTION_CHARS = 300
_MAX_SIGNATURE_LINES = 7
_MAX_SIGNATURE_LINE_CHARS = 72


@dataclass(frozen=True)
class Attribution:
    """The date part of an attribution line or header block, and the UI language it is in."""

    date_text: str
    language: str
    lines: int = 1
    """How many (wrapped) lines the attribution spans."""


def split_reply(text: str) -> tuple[str, str, str]:
    """Return ``(new_text, quoted_text, signature)``, each stripped.

    Quoted history is everything from the first attribution line, separator or Outlook
    header block on, plus every ``>`` line. When the history is ``>``-quoted, text after
    it is kept as new text (bottom-posted and inline replies). The signature is cut from
    the new text only.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted = _quoted_lines(lines)
    new_lines = [line for line, is_quoted in zip(lines, quoted, strict=True) if not is_quoted]
    old_lines = [line for line, is_quoted in zip(lines, quoted, strict=True) if is_quoted]
    body, signature = _split_signature(new_lines)
    return _tidy(body), _tidy(old_lines), _tidy(signature)


def find_attribution(quoted_text: str) -> Attribution | None:
    """Date text of the most recent quoted message: its attribution or ``Sent:`` line."""
    lines = [_unquote(line) for line in quoted_text.replace("\r\n", "\n").split("\n")]
    for index in range(len(lines)):
        found = _attribution_at(lines, index)
        if found:
            return found
        if _header_kind(lines[index]) and _is_header_block(lines, index):
            return _header_block_date(lines, index)
    return None


def _quoted_lines(lines: list[str]) -> list[bool]:
    """Flag each line that belongs to quoted history."""
    quoted = [False] * len(lines)
    index = 0
    while index < len(lines):
        if lines[index].lstrip().startswith(">"):
            quoted[index] = True
            index += 1
            continue
        span = _marker_span(lines, index)
        if not span:
            index += 1
            continue
        start = _rule_above(lines, index)
        after = _skip_blank(lines, index + span)
        if after < len(lines) and lines[after].lstrip().startswith(">"):
            quoted[start:after] = [True] * (after - start)
            index = after
            continue
        quoted[start:] = [True] * (len(lines) - start)
        break
    return quoted


def _marker_span(lines: list[str], index: int) -> int:
    """Number of lines of the quote marker starting at ``index`` (0 when none)."""
    line = _bare(lines[index])
    if not line:
        return 0
    if any(pattern.fullmatch(line) for pattern in _SEPARATORS):
        return 1
    if _header_kind(lines[index]) in ("from", "date") and _is_header_block(lines, index):
        return 1
    found = _attribution_at(lines, index)
    return found.lines if found else 0


def _attribution_at(lines: list[str], index: int) -> Attribution | None:
    """Match an attribution starting at ``index``, allowing it to be wrapped over lines.

    A wrapped match does not count when a shorter attribution starts on one of its later
    lines: the line above an attribution is not part of it.
    """
    for width in range(1, _MAX_ATTRIBUTION_LINES + 1):
        found = _window_match(lines, index, width)
        if found is None:
            continue
        if any(_window_match(lines, index + 1, inner) for inner in range(1, width)):
            return None
        return found
    return None


def _window_match(lines: list[str], index: int, width: int) -> Attribution | None:
    """The attribution that ``width`` non-blank lines from ``index``, joined, fully form."""
    window = lines[index : index + width]
    if len(window) < width or any(not _bare(line) for line in window):
        return None
    joined = " ".join(_bare(line) for line in window)
    if len(joined) > _MAX_ATTRIBUTION_CHARS or not joined.endswith(":"):
        return None  # every attribution ends in a colon; skipping the regexes keeps this linear
    for code, pattern in _ATTRIBUTIONS:
        match = pattern.fullmatch(joined)
        if match:
            return Attribution(match["date"].strip(), code, width)
    return None


def _header_label(line: str) -> tuple[str, str, str] | None:
    """(kind, language, value) of an Outlook header line ("Kimden: ..."), else None."""
    match = _HEADER.fullmatch(_unquote(line).strip())
    if match is None:
        return None
    key = " ".join(match["key"].lower().replace("\u0307", "").split())  # "KİMDEN" -> "kimden"
    labelled = _HEADER_KINDS.get(key)
    return (*labelled, match["value"].strip()) if labelled else None


def _header_kind(line: str) -> str | None:
    """ "from", "date" or "other" for an Outlook header line, else None."""
    label = _header_label(line)
    return label[0] if label else None


def _is_header_block(lines: list[str], index: int) -> bool:
    """At least two different header labels on consecutive lines starting at ``index``."""
    kinds = set()
    for line in lines[index : index + 5]:
        kind = _header_kind(line)
        if kind is None:
            break
        kinds.add(kind)
    return len(kinds) >= 2


def _header_block_date(lines: list[str], index: int) -> Attribution | None:
    """The value of the ``Sent:``/``Отправлено:``/``보낸 날짜:`` line of a header block."""
    for line in lines[index : index + 6]:
        label = _header_label(line)
        if label and label[0] == "date":
            return Attribution(label[2], label[1])
    return None


def _rule_above(lines: list[str], index: int) -> int:
    """Include a horizontal rule sitting just above a quote marker in the quote."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and _RULE.fullmatch(lines[above].strip()):
        return above
    return index


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut the signature off the end of the new text.

    A "-- " delimiter, a phone's "Sent from" line or a Korean "홍길동 드림" line starts the
    signature outright; otherwise a short name/title/contact block after a sign-off line
    ("С уважением,") or a trailing contact paragraph is the signature. Sign-off lines stay.
    """
    start = _hard_signature_start(lines)
    if start is not None:
        return lines[:start], lines[start:]
    signoff = _signoff_split(lines)
    if signoff is not None:
        return signoff
    contact = _contact_block_start(lines)
    if contact is not None:
        return lines[:contact], lines[contact:]
    return lines, []


def _hard_signature_start(lines: list[str]) -> int | None:
    """First delimiter, phone line or name closing that only a short block follows."""
    seen_text = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if seen_text and stripped == "--":
            return index
        shapes = (*_MOBILE, *_NAME_CLOSINGS)
        hard = any(pattern.fullmatch(stripped) for pattern in shapes)
        if seen_text and hard and _is_block(lines[index:]):
            return index
        seen_text = seen_text or bool(stripped)
    return None


def _signoff_split(lines: list[str]) -> tuple[list[str], list[str]] | None:
    """Keep the last sign-off line in the text; what follows it (or its name) is signature."""
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        match = next((m for p in _SIGNOFFS if (m := p.fullmatch(stripped))), None)
        if match is None:
            continue
        tail = lines[index + 1 :]
        if not _is_block(tail):
            return None
        name = match.groupdict().get("name")
        if name:
            kept = stripped[: match.start("name")].rstrip(" ,")
            return [*lines[:index], kept], [name, *tail]
        return lines[: index + 1], tail
    return None


def _contact_block_start(lines: list[str]) -> int | None:
    """A last paragraph of short lines holding a phone, address or URL (name/title/phone)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:end]
    has_text_before = any(line.strip() for line in lines[:start])
    if block and has_text_before and _is_block(block) and any(_CONTACT.search(x) for x in block):
        return start
    return None


def _is_block(lines: list[str]) -> bool:
    """Looks like a signature block: a few short lines, no long sentences."""
    filled = [line.strip() for line in lines if line.strip()]
    return len(filled) <= _MAX_SIGNATURE_LINES and all(
        len(line) <= _MAX_SIGNATURE_LINE_CHARS and len(line.split()) <= 8 for line in filled
    )


def _unquote(line: str) -> str:
    """Drop ``>`` quote markers so nested attributions can be read."""
    return re.sub(r"^(?:\s*>)+\s?", "", line)


def _bare(line: str) -> str:
    """A line without surrounding blanks or the ``*bold*`` stars of HTML-to-text output."""
    return line.strip().strip("*").strip()


def _tidy(lines: list[str]) -> str:
    """Join lines, drop trailing blanks and collapse runs of blank lines."""
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
