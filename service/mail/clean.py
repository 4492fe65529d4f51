"""Separate a reply's new text from quoted history and the signature.

Only the client's new words are classified: quoted history repeats earlier messages
(often ours, sometimes with abuse the client never wrote now) and signatures add names,
titles and phone numbers that carry no sentiment. The quoted part is kept because its
attribution line dates the message being answered (see :mod:`service.mail.timing`).

The shapes are data in :mod:`service.mail.patterns`, which also writes down the deliberate
choices (every ``>`` line is history, a forward is history, sign-offs stay); this module
only walks lines. Every step looks at a bounded window around one line, and the regexes
only run on lines that can end an attribution, so cleaning stays linear in the mail's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from service.mail.patterns import (
    INVISIBLE,
    LANGUAGES,
    NEUTRAL,
    NEUTRAL_CODE,
    TRACKING_GLYPHS,
    all_patterns,
)

_FLAGS = re.IGNORECASE
_GROUPS = (*LANGUAGES.items(), (NEUTRAL_CODE, NEUTRAL))


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    """One alternation of patterns that hold no named groups."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), _FLAGS)


def _words(words: Iterable[str]) -> str:
    """Alternation of literal words, longest first (so "написал(а)" beats "написал")."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_ATTRIBUTIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern, _FLAGS)) for code, lang in _GROUPS for pattern in lang.attributions
)
_FRAMED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(rf"(?P<date>)\S.{{0,80}}?\s*(?:{_words(lang.wrote)})\s*:?", _FLAGS))
    for code, lang in LANGUAGES.items()
    if lang.wrote
)
"""``---- John Smith wrote ----``: the frame of dashes stands in for the date and address."""
_TAIL = (":", ">", ")", "]", *(word.lower() for word in all_patterns("wrote")))
"""How every attribution ends; lines that do not are never given to the regexes."""
_DATE_OR_ADDRESS = re.compile(r"[\d@]")
_ENDS_WITH_VERB = re.compile(rf"(?:{_words(all_patterns('wrote'))})\s*:$", _FLAGS)
"""What an unframed attribution always holds: a date, an address, or at least its verb
("Somebody wrote:")."""
_SEPARATORS = _any(all_patterns("separators"))
_MOBILE = _any(all_patterns("mobile_signatures"))
_MOBILE_HINTS = all_patterns("mobile_hints")
_NAME_CLOSINGS = _any(all_patterns("name_closings"))
_SIGNOFFS = tuple(re.compile(pattern, _FLAGS) for pattern in all_patterns("signoffs"))
_DISCLAIMER = _any(all_patterns("disclaimers"))
_NOT_NAMES = frozenset(word.lower() for word in all_patterns("not_names"))
_TITLES = frozenset(all_patterns("name_titles"))

_HEADER_KINDS: dict[str, tuple[str, str]] = {
    label: (kind, code)
    for code, lang in LANGUAGES.items()
    for kind in ("from", "date", "other")
    for label in getattr(lang, f"header_{kind}")
}
"""Header block label -> (kind, language); the language settles day/month order."""
_LABELS = "|".join(
    re.escape(key).replace(r"\ ", r"\s*") for key in sorted(_HEADER_KINDS, key=len, reverse=True)
)
_HEADER = re.compile(rf"[*\s]*(?P<key>{_LABELS})[*\s]*:[*\s]*(?P<value>.*)", _FLAGS)
_LABEL_IN_LINE = re.compile(rf"(?:^|(?<=\s))\**(?P<key>{_LABELS})[*\s]*:\**", _FLAGS)
"""A header label anywhere on a line: Outlook on phones writes From and Date on one line."""
_MAILBOX = re.compile(r"[^<>@]{0,80}<[^<>@\s]+@[^<>\s]+>|\"?[^\s<>@\"]+@[^\s<>@\"]+\.\w+\"?")
"""A header value that is only a mailbox: "Name <a@b.com>" or "a@b.com"."""
_UNKNOWN_HEADER = re.compile(r"[*\s]*[A-Za-z][\w-]{1,30}[*\s]*:[*\s]*\S.*")
"""A header line of a label we do not know ("Importance: High"), tolerated inside a block."""

_RULE = re.compile(r"[\s_\-=*]{5,}")
"""A horizontal rule line (Outlook puts 32 underscores above its header block)."""
_SIGNATURE_RULE = re.compile(r"[-_=–—]{3,}|[–—]{1,2}")
"""A rule opening a signature ("---", "—"); "--" always opens one (RFC 3676 "-- ")."""
_DASH_NAME = re.compile(r"[-–—]{1,2}\s?[^\W\d_]{1,20}(?:[\s.'’-]{1,2}[^\W\d_]{1,20}){0,2}\.?")
"""A name signed with a dash: "-Abhishek Kona", "- roman", "-Lev.", "— Анна"."""
_BULLET = re.compile(r"(?:[-*•–—]|\d{1,2}[.)])(?:\s|$)")
_POSTSCRIPT = re.compile(r"(?:p\.?\s?s|п\.?\s?с)\b", _FLAGS)
_CONTACT = re.compile(
    r"(?:(?!\d{1,3}(?:\.\d{1,3}){3}\b)\+?\d[\d\s().-]{7,}\d|\S+@\S+\.\w+|https?://|www\.|\b(?:tel|fax|mob|phone|тел|моб)\b)",
    _FLAGS,
)
_ANCHOR = re.compile(
    r"(?<=[.!?…)])\s+(?=\S)|\s+(?=On\s)|(?<=\S)(?=-{2,}\s*On\s)|\s+(?=\d{4}\s*(?:년|[-./]))"
    r"|\s+(?=\d{1,2}\s+[^\W\d_]{3,}\.?\s+\d{4})|\s+(?=[а-я]{2},\s*\d)"
)
"""Where an attribution may begin inside a line of reply text ("Thanks! On ... wrote:")."""
_LINK_PIECE = re.compile(
    r"[(<\[]?(?:https?://|www\.)\S*(?:\s*>)?|[^\s>]*[=&%?#][^\s>]*(?:\s*>)?",
    _FLAGS,
)
"""What a mailer leaves of a link it wrapped out of a ``>`` quote."""
_LINK_TAIL = re.compile(r"[\w\-./?=&%#~+:@]*[\d/=&%?#_~+][\w\-./?=&%#~+:@]*[)>\]]?")
"""The end of a link wrapped onto the next line: one token with a digit or URL punctuation
("3dd518", "_nonce=3dd518)"), never a word like "Thanks!" or "Yes"."""
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+|,\s+")
"""Between a name and its title on one line."""
_HANGUL_NAME = re.compile(r"[가-힣]{2,4}")
_VERB_ENDINGS = frozenset("다요까죠네음함임듯")
"""Last syllables of Korean sentences: a 2-4 syllable word ending so is no name."""

_MAX_ATTRIBUTION_LINES = 3
_MAX_ATTRIBUTION_CHARS = 300
_MAX_SHARED_LINE_WIDTH = 2
"""An attribution sharing its first line with reply text is wrapped over two lines at most."""
_MAX_HEADER_BLOCK_LINES = 12
_MAX_SIGNATURE_LINES = 7
_MAX_SIGNATURE_LINE_CHARS = 72
_MAX_SIGNATURE_TAIL_LINES = 30
_MAX_TAIL_LINE_CHARS = 100
_MAX_DEVICE_LINE_CHARS = 120
_PHONE_LOOKAHEAD_LINES = 40
"""How far below a phone line we look for the end of a signature before calling the rest
unmarked history (bounded, so a mail full of phone lines stays linear)."""
_TRAILING_PARAGRAPHS = 5


@dataclass(frozen=True)
class Attribution:
    """The date part of an attribution line or header block, and the UI language it is in."""

    date_text: str
    language: str
    lines: int = 1
    """How many (wrapped) lines the attribution spans."""


def split_reply(text: str) -> tuple[str, str, str]:
    """Return ``(new_text, quoted_text, signature)``, each stripped.

    Quoted history is everything from the first attribution line, separator, forward or
    Outlook header block on, plus every ``>`` line. When the history is ``>``-quoted, text
    after it is kept as new text (bottom-posted and inline replies). The signature is cut
    from the new text only.
    """
    lines = _split_shared_lines(_lines(text))
    quoted = _quoted_lines(lines)
    new_lines = [line for line, is_quoted in zip(lines, quoted, strict=True) if not is_quoted]
    old_lines = [line for line, is_quoted in zip(lines, quoted, strict=True) if is_quoted]
    body, signature = _split_signature(new_lines)
    return _tidy(body), _tidy(old_lines), _tidy(signature)


def find_attribution(quoted_text: str) -> Attribution | None:
    """Date text of the most recent quoted message: its attribution or ``Sent:`` line."""
    lines = [_unquote(line) for line in _lines(quoted_text)]
    for index in range(len(lines)):
        found = _attribution_at(lines, index)
        if found:
            return found
        if _header_kind(lines[index]) and _is_header_block(lines, index):
            return _header_block_date(lines, index)
        forward = _forward_header(lines[index])
        if forward:
            return _header_block_date([forward], 0)
    return None


def _forward_header(line: str) -> str | None:
    """The header labels written on a separator's own line (Yahoo), else None."""
    bare = _bare(line)
    separator = _SEPARATORS.match(bare)
    rest = bare[separator.end() :].lstrip(" *") if separator else ""
    return rest if rest and _LABEL_IN_LINE.match(rest) else None


def _lines(text: str) -> list[str]:
    """Lines without invisible marks; a line holding only a tracking glyph becomes blank."""
    text = text.translate(_DROP_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    return ["" if line.strip(TRACKING_GLYPHS + " \t") == "" else line for line in text.split("\n")]


_DROP_INVISIBLE = {ord(char): None for char in INVISIBLE}


# --- quoted history -------------------------------------------------------------------------


def _quoted_lines(lines: list[str]) -> list[bool]:
    """Flag each line that belongs to quoted history."""
    quoted = [False] * len(lines)
    index = 0
    seen_text = False
    previous = -1  # last non-blank line seen
    looked_below_phone = 0  # lines below a phone line already looked at
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if _is_quote(line) or _is_link_piece(lines, previous, index):
            quoted[index] = True
            previous = index
            index += 1
            continue
        marker = _marker(lines, index)
        if marker:
            span, kind = marker
            start = _rule_above(lines, index)
            after = _skip_blank(lines, index + span)
            if after < len(lines) and _is_quote(lines[after]):
                quoted[start:after] = [True] * (after - start)
                previous, index = after - 1, after
                continue
            if kind == "attribution" and not seen_text and after < len(lines):
                # An attribution on top of unquoted text: that text is the reply.
                quoted[start : index + span] = [True] * (index + span - start)
                previous, index = index + span - 1, after
                continue
            quoted[start:] = [True] * (len(lines) - start)
            break
        if seen_text and index >= looked_below_phone and _is_mobile(line):
            history, looked_below_phone = _history_below_phone_line(lines, index)
            if history is not None:
                quoted[history:] = [True] * (len(lines) - history)
                break
        if previous >= 0 and quoted[previous]:
            quoted[previous + 1 : index] = [True] * (index - previous - 1)  # the quote's gap
        seen_text = True
        previous = index
        index += 1
    return quoted


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_link_piece(lines: list[str], previous: int, index: int) -> bool:
    """A piece of a link that a mailer wrapped out of the ``>`` quote around it."""
    if previous < 0 or not _is_quote(lines[previous]):
        return False
    stripped = lines[index].strip()
    if _LINK_TAIL.fullmatch(stripped) and re.search(r"(?:https?://|www\.)\S*$", lines[previous]):
        return True  # the rest of the link the quote's last line ends with
    following = _skip_blank(lines, index + 1)
    return (
        following < len(lines)
        and _is_quote(lines[following])
        and _LINK_PIECE.fullmatch(stripped) is not None
    )


def _marker(lines: list[str], index: int) -> tuple[int, str] | None:
    """(lines spanned, kind) of the quote marker starting at ``index``, else None."""
    line = _bare(lines[index])
    if not line:
        return None
    separator = _SEPARATORS.match(line)
    if separator and (separator.end() == len(line) or _forward_header(line)):
        return 1, "separator"  # alone, or with Yahoo's whole forward header on its line
    label = _header_label(lines[index])
    if label and label[0] in ("from", "date") and _is_header_block(lines, index):
        return 1, "header"
    if label and label[0] == "from" and _MAILBOX.fullmatch(label[2]):
        return 1, "header"  # a lone "From: Name <addr>" line opens a pasted message
    found = _attribution_at(lines, index)
    return (found.lines, "attribution") if found else None


def _history_below_phone_line(lines: list[str], index: int) -> tuple[int | None, int]:
    """Where unmarked history starts below a phone line (None when only a signature, or
    marked history handled as usual, follows it), and how far this looked."""
    end = _paragraph_end(lines, index)
    below = _skip_blank(lines, end)
    if below >= len(lines) or _is_quote(lines[below]) or _marker(lines, below):
        return None, below
    limit = min(len(lines), below + _PHONE_LOOKAHEAD_LINES)
    stop = below
    while stop < limit and not _is_quote(lines[stop]) and not _marker(lines, stop):
        stop += 1
    if stop == limit < len(lines):
        return below, stop  # a long unmarked text under the phone line
    return (None if _signature_below_phone(lines[end:stop]) else below), stop


def _signature_below_phone(lines: list[str]) -> bool:
    """A legal notice or a few short lines without sentences (a name, a company)."""
    for first, end in _paragraph_spans(lines):
        block = [line.strip() for line in lines[first:end]]
        if _is_disclaimer(block):
            continue
        if not _is_block(block) or any(line.endswith((".", "?", "!")) for line in block):
            return False
    return True


# --- attributions -----------------------------------------------------------------------------


def _attribution_at(lines: Sequence[str], index: int) -> Attribution | None:
    """Match an attribution starting at ``index``, allowing it to be wrapped over lines.

    A wrapped match does not count when a shorter attribution ends on the same line and
    starts on one of its later lines: the line above an attribution is not part of it.
    """
    for width in range(1, _MAX_ATTRIBUTION_LINES + 1):
        text = _window_text(lines, index, width)
        found = _match_attribution(text) if text else None
        if found is None:
            continue
        if _inner_match(lines, index, width, bool(found.date_text)):
            return None
        return replace(found, lines=width)
    return None


def _inner_match(lines: Sequence[str], index: int, width: int, dated: bool = True) -> bool:
    """Whether an attribution starting below ``index`` ends on the window's last line and
    explains it at least as well: dated, or the whole window is not dated either (a sender
    wrapped onto its own line, "<roman@x.com> wrote:", is the end of the line above)."""
    for offset in range(1, width):
        text = _window_text(lines, index + offset, width - offset)
        found = _match_attribution(text) if text else None
        if found and (found.date_text or not dated):
            return True
    return False


def _window_text(lines: Sequence[str], index: int, width: int) -> str | None:
    """``width`` non-blank lines from ``index`` joined, when they could end an attribution."""
    window = lines[index : index + width]
    if len(window) < width or not _ends_attribution(window[-1]):
        return None
    bare = [_bare(line) for line in window]
    if not all(bare):
        return None
    joined = " ".join(bare)
    return joined if len(joined) <= _MAX_ATTRIBUTION_CHARS else None


@lru_cache(maxsize=256)
def _ends_attribution(line: str) -> bool:
    """Cheap test run on every line (a few times, by the windows around it, hence the cache):
    does it end the way an attribution ends?"""
    return _bare(line).rstrip("-–—= ").lower().endswith(_TAIL)


@lru_cache(maxsize=1024)
def _match_attribution(text: str) -> Attribution | None:
    """The attribution that ``text`` (one or more joined lines) fully is, else None."""
    core = text.strip("-–—= ")
    if not core.lower().endswith(_TAIL):
        return None
    framed = len(text) - len(text.lstrip("-–—=")) >= 2 or len(text) - len(text.rstrip("-–—=")) >= 2
    if not framed and not _DATE_OR_ADDRESS.search(core) and not _ENDS_WITH_VERB.search(core):
        return None
    # A frame of dashes stands in for the colon: "---- On ... wrote ----".
    for candidate in (core, f"{core}:") if framed and not core.endswith(":") else (core,):
        for code, pattern in _ATTRIBUTIONS:
            match = pattern.fullmatch(candidate)
            if match:
                return Attribution(match["date"].strip(), code)
    if framed:
        for code, pattern in _FRAMED:
            if pattern.fullmatch(core):
                return Attribution("", code)
    return None


def _split_shared_lines(lines: list[str]) -> list[str]:
    """Put an attribution that follows reply text on the same line on a line of its own.

    Mailers that lose line breaks write "Thanks! On Mon, ... wrote:" or "reply--- On ...".
    Only dated attributions are split off: a bare "name wrote:" inside a sentence is text.
    """
    out: list[str] = []
    for index, line in enumerate(lines):
        position = None
        if not (_is_quote(line) or _header_label(line)) and _attribution_at(lines, index) is None:
            position = _shared_line_split(lines, index)
        if position is None:
            out.append(line)
        else:
            out += [line[:position].rstrip(), line[position:].lstrip()]
    return out


def _shared_line_split(lines: list[str], index: int) -> int | None:
    """Offset in ``lines[index]`` where a dated attribution begins, else None."""
    line = lines[index]
    for width in range(1, _MAX_SHARED_LINE_WIDTH + 1):
        rest = _window_text(lines, index + 1, width - 1) if width > 1 else ""
        if rest is None or (width == 1 and not _ends_attribution(line)):
            continue
        if any(_header_label(below) for below in lines[index + 1 : index + width]):
            return None
        if _inner_match(lines, index, width):
            return None
        # only an anchor this close to the end can start an attribution short enough
        for anchor in _ANCHOR.finditer(line, max(0, len(line) - _MAX_ATTRIBUTION_CHARS)):
            candidate = f"{_bare(line[anchor.end() :])} {rest}".strip()
            found = _match_attribution(candidate)
            if found and found.date_text and len(candidate) <= _MAX_ATTRIBUTION_CHARS:
                return anchor.end()
    return None


# --- Outlook-style header blocks --------------------------------------------------------------


@lru_cache(maxsize=1024)
def _header_label(line: str) -> tuple[str, str, str] | None:
    """(kind, language, value) of an Outlook header line ("Kimden: ..."), else None."""
    if ":" not in line:
        return None
    match = _HEADER.fullmatch(_unquote(line).strip())
    if match is None:
        return None
    labelled = _HEADER_KINDS.get(_label_key(match["key"]))
    return (*labelled, match["value"].strip()) if labelled else None


def _label_key(key: str) -> str:
    """Spelling of a matched label as :data:`_HEADER_KINDS` has it ("KİMDEN" -> "kimden")."""
    lowered = " ".join(key.lower().replace("\u0307", "").split())
    if lowered in _HEADER_KINDS:
        return lowered
    return lowered.replace(" ", "")  # "보낸사람" written as "보낸 사람" or the other way


def _header_kind(line: str) -> str | None:
    """ "from", "date" or "other" for an Outlook header line, else None."""
    label = _header_label(line)
    return label[0] if label else None


@lru_cache(maxsize=1024)
def _line_labels(line: str) -> tuple[tuple[str, str, str], ...]:
    """(kind, language, value) of every label on a line that starts with one."""
    if _header_label(line) is None:
        return ()
    text = _unquote(line).strip()
    matches = list(_LABEL_IN_LINE.finditer(text))
    labels = []
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        labelled = _HEADER_KINDS.get(_label_key(match["key"]))
        if labelled:
            labels.append((*labelled, text[match.end() : end].strip(" *")))
    return tuple(labels)


def _is_header_block(lines: Sequence[str], index: int) -> bool:
    """Two different header labels (on one line, or on lines of one block) from ``index``.

    A value may wrap onto a continuation line (Outlook's bold ``*From:* Name [mailto:`` /
    ``name@host]``) and labels we do not know (``Reply-To:``) may sit between known ones.
    """
    first = _line_labels(lines[index])
    kinds = {kind for kind, _, _ in first}
    if {"from", "date"} <= kinds:
        return True  # From and Date on one line
    open_value = _is_open(lines[index])
    continued = 0
    for line in lines[index + 1 : index + _MAX_HEADER_BLOCK_LINES]:
        labels = _line_labels(line)
        if labels:
            kinds.update(kind for kind, _, _ in labels)
            if len(kinds) >= 2:
                return True
            continued = 0
        elif line.strip() and continued < 2 and (open_value or _UNKNOWN_HEADER.fullmatch(line)):
            continued += 1
        else:
            break
        open_value = _is_open(line)
    return len(kinds) >= 2


def _is_open(line: str) -> bool:
    """A header value that goes on on the next line (open bracket, trailing comma)."""
    return (
        line.count("[") > line.count("]")
        or line.count("<") > line.count(">")
        or line.rstrip().endswith((",", ";", ":"))
    )


def _header_block_date(lines: Sequence[str], index: int) -> Attribution | None:
    """The value of the ``Sent:``/``Отправлено:``/``보낸 날짜:`` label of a header block."""
    for line in lines[index : index + _MAX_HEADER_BLOCK_LINES]:
        for kind, language, value in _line_labels(line):
            if kind == "date":
                return Attribution(value, language)
    return None


def _rule_above(lines: list[str], index: int) -> int:
    """Include a horizontal rule sitting just above a quote marker in the quote."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and _RULE.fullmatch(lines[above].strip()):
        return above
    return index


def _skip_blank(lines: Sequence[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _paragraph_end(lines: Sequence[str], index: int) -> int:
    while index < len(lines) and lines[index].strip():
        index += 1
    return index


# --- signatures --------------------------------------------------------------------------------


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut the signature off the end of the new text.

    A "-- " delimiter, a phone's "Sent from" line, a dash-signed name or a Korean
    "홍길동 드림" line starts the signature outright; above it (or without it) the block after
    the last sign-off line ("С уважением,") or a trailing name/contact/legal block is the
    signature too. Sign-off lines stay.
    """
    start = _hard_signature_start(lines)
    head, tail = (lines, []) if start is None else (lines[:start], lines[start:])
    soft = _signoff_split(head) or _trailing_block_split(head)
    if soft is not None:
        head, extra = soft
        tail = [*extra, *tail]
    return head, tail


def _hard_signature_start(lines: list[str]) -> int | None:
    """First delimiter, phone line, dash-signed name or name closing ending the text."""
    seen_text = False
    previous = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if seen_text and _opens_signature(lines, index, stripped, previous):
            return index
        seen_text = True
        previous = stripped
    return None


def _opens_signature(lines: list[str], index: int, stripped: str, previous: str) -> bool:
    if stripped == "--":
        return True
    if _is_mobile(stripped):
        return _tail_ok(lines, _paragraph_end(lines, index))
    if _NAME_CLOSINGS.fullmatch(stripped):
        return _tail_ok(lines, index)
    if _DASH_NAME.fullmatch(stripped) and not _BULLET.match(previous):
        below = _skip_blank(lines, index + 1)
        in_list = below < len(lines) and _BULLET.match(lines[below].strip())
        return not in_list and _tail_ok(lines, index + 1)
    if _SIGNATURE_RULE.fullmatch(stripped):
        below = _skip_blank(lines, index + 1)
        return (
            below < len(lines) and _signature_head(lines[below].strip()) and _tail_ok(lines, below)
        )
    return False


def _signoff_split(lines: list[str]) -> tuple[list[str], list[str]] | None:
    """Keep the last sign-off line in the text; what follows it (or its name) is signature."""
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        match = next((m for p in _SIGNOFFS if (m := p.fullmatch(stripped))), None)
        if match is None:
            continue
        tail = lines[index + 1 :]
        filled = [line.strip() for line in tail if line.strip()]
        if filled and not (_signature_head(filled[0]) and _tail_ok(tail)):
            return None
        name = match.groupdict().get("name")
        if name:
            kept = stripped[: match.start("name")].rstrip(" ,")
            return [*lines[:index], kept], [name, *tail]
        return lines[: index + 1], tail
    return None


def _trailing_block_split(lines: list[str]) -> tuple[list[str], list[str]] | None:
    """A name or contact block closing the text, with the address and legal paragraphs
    below it; or legal paragraphs alone."""
    paragraphs = _paragraph_spans(lines)
    start = disclaimer_start = None
    only_disclaimers = True
    for first, end in reversed(paragraphs[-_TRAILING_PARAGRAPHS:]):
        block = [line.strip() for line in lines[first:end]]
        if _is_signature_paragraph(block):
            start = first
            continue
        if start is not None:
            break  # the text above the signature
        disclaimer = _is_disclaimer(block)
        only_disclaimers = only_disclaimers and disclaimer
        if only_disclaimers:
            disclaimer_start = first
        if not (disclaimer or _is_loose_block(block)):
            break
    start = disclaimer_start if start is None else start
    if start is None or start == paragraphs[0][0]:
        return None  # nothing, or nothing but the signature: keep it as the text
    return lines[:start], lines[start:]


def _paragraph_spans(lines: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    index = _skip_blank(lines, 0)
    while index < len(lines):
        end = _paragraph_end(lines, index)
        spans.append((index, end))
        index = _skip_blank(lines, end)
    return spans


def _is_signature_paragraph(block: list[str]) -> bool:
    """A paragraph that can open a signature: contact lines, or a name on top."""
    if _is_block(block) and any(_is_contact_line(line) for line in block):
        return True
    return (
        _starts_with_name(block[0])
        and len(block) <= 4
        and all(len(line) <= 50 and not line.endswith(("?", "!", ":")) for line in block[1:])
    )


def _starts_with_name(line: str) -> bool:
    """A name, maybe followed by its title: "Jim P. Smith | Enrollment Manager", "Ann Lee, CTO"."""
    name, separator, rest = _partition_title(line)
    if not separator:
        return _is_name_line(line)
    rest = rest.strip()
    return (
        _is_name_line(name)
        and len(rest.split()) <= 5
        and not rest.endswith((".", "?", "!"))
        and (rest[:1].isupper() or rest[:1].isdigit())
    )


def _partition_title(line: str) -> tuple[str, str, str]:
    match = _TITLE_SEPARATOR.search(line)
    if match is None:
        return line, "", ""
    return line[: match.start()], match.group(), line[match.end() :]


def _signature_head(line: str) -> bool:
    """Can ``line`` be the first line after a sign-off: a name, a title, a contact?"""
    if _starts_with_name(line) or _is_contact_line(line) or _is_mobile(line):
        return True
    if _NAME_CLOSINGS.fullmatch(line) or _DASH_NAME.fullmatch(line) or line == "--":
        return True
    return len(line.split()) <= 5 and not line.endswith((".", "?", "!", ":", ";"))


def _tail_ok(lines: Sequence[str], start: int = 0) -> bool:
    """What may follow the start of a signature (``lines[start:]``): a few blocks of short
    lines, a phone paragraph, a legal notice -- no sentences and no postscript. Reads at most
    :data:`_MAX_SIGNATURE_TAIL_LINES` lines, so asking at every line stays linear."""
    block: list[str] = []
    count = 0
    window = start + _MAX_SIGNATURE_TAIL_LINES * 2 + 1
    for line in [*lines[start:window], ""]:
        stripped = line.strip()
        if stripped:
            count += 1
            if count > _MAX_SIGNATURE_TAIL_LINES or _POSTSCRIPT.match(stripped):
                return False
            block.append(stripped)
        elif block:
            if not (_is_loose_block(block) or _is_device(block) or _is_disclaimer(block)):
                return False
            block = []
    return all(not lines[index].strip() for index in range(window, len(lines)))


def _is_block(lines: list[str]) -> bool:
    """Looks like a signature block: a few short lines, no long sentences."""
    filled = [line.strip() for line in lines if line.strip()]
    return len(filled) <= _MAX_SIGNATURE_LINES and all(
        len(line) <= _MAX_SIGNATURE_LINE_CHARS and len(line.split()) <= 8 for line in filled
    )


def _is_loose_block(block: list[str]) -> bool:
    """A signature paragraph below its first line: titles, addresses, phone numbers -- short
    lines, none of them the end of a sentence."""
    return len(block) <= _MAX_SIGNATURE_LINES and all(
        len(line) <= _MAX_TAIL_LINE_CHARS and len(line.split()) <= 14 and not _ends_sentence(line)
        for line in block
    )


def _ends_sentence(line: str) -> bool:
    """Ends like a sentence: "?" or "!", or "." after a word longer than an abbreviation
    ("working." is a sentence's end, "Ltd.", "A.Ş." and "д. 1" are not)."""
    if line.endswith(("?", "!")):
        return True
    words = line.split()
    return line.endswith(".") and len(words) > 4 and len(words[-1]) > 5


def _is_device(block: list[str]) -> bool:
    """A phone's paragraph: a "Sent from" line and what the phone writes with it."""
    return any(_is_mobile(line) for line in block) and all(
        len(line) <= _MAX_DEVICE_LINE_CHARS for line in block
    )


def _is_disclaimer(block: list[str]) -> bool:
    return len(block) <= 10 and any(_DISCLAIMER.search(line) for line in block)


@lru_cache(maxsize=1024)
def _is_mobile(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) > _MAX_DEVICE_LINE_CHARS:
        return False
    lowered = stripped.lower()
    return any(hint in lowered for hint in _MOBILE_HINTS) and bool(_MOBILE.fullmatch(stripped))


def _is_contact_line(line: str) -> bool:
    """Mostly a phone number, address or URL ("Tel: +7 495 123-45-67", "www.acme.com")."""
    if not _CONTACT.search(line):
        return False
    words = [w for w in line.split() if not re.search(r"[\d@/]|www\.", w)]
    return len(words) <= 2


def _is_name_line(line: str) -> bool:
    """A signing name: one to three capitalised words ("Nina Alvarez", "Иван"), or a Korean
    name of two to four syllables with an optional title ("홍길동 과장")."""
    words = line.split()
    if not 1 <= len(words) <= 3 or len(line) > 40:
        return False
    lowered = line.lower().strip(" .,!")
    if lowered in _NOT_NAMES or words[0].lower().strip(",!.") in _NOT_NAMES:
        return False
    if _HANGUL_NAME.fullmatch(words[0]):
        return words[0][-1] not in _VERB_ENDINGS and all(w in _TITLES for w in words[1:])
    return all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    core = word.rstrip(".,")
    if len(core) == 1:
        return core.isupper() and word.endswith(".")  # an initial: "J."
    letters = re.sub(r"['’-]", "", core)
    return letters.isalpha() and core[0].isupper() and not core.isupper()


# --- helpers -----------------------------------------------------------------------------------


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
