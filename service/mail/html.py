"""HTML mail body -> plain text, with ``<blockquote>`` turned into ``>`` quoting.

HTML-only mail is common from web and phone clients. Converting blockquotes to ``>``
lines lets the plain-text reply cleaner handle both kinds of mail the same way, and a
real parser (not regexes) copes with the broken markup that mail clients produce.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
"""Elements whose content is never visible text."""

_BLOCK = frozenset(
    {
        "address", "article", "aside", "center", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
"""Elements that start and end a line of text."""

_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
"""Block elements that are followed by a blank line."""

_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u200b]+")


class _TextBuilder(HTMLParser):
    """Collects visible text as lines, each tagged with its blockquote depth."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self._line: list[str] = []
        self._depth = 0
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self._flush(force=True)
        elif tag == "hr":
            self._flush()
            self.lines.append((self._depth, "_" * 32))
        elif tag == "blockquote":
            self._flush()
            self._depth += 1
        elif tag in _BLOCK:
            self._flush()
            if tag == "pre":
                self._pre += 1
            if tag == "li":
                self._line.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "blockquote":
            self._flush()
            self._depth = max(0, self._depth - 1)
        elif tag in _BLOCK:
            self._flush()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            if tag in _PARAGRAPH:
                self.lines.append((self._depth, ""))

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            first, *rest = data.split("\n")
            self._line.append(first)
            for piece in rest:
                self._flush(force=True)
                self._line.append(piece)
            return
        text = _SPACES.sub(" ", data)
        if not self._line or "".join(self._line).endswith(" "):
            text = text.lstrip(" ")
        self._line.append(text)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self, force: bool = False) -> None:
        """End the current line; ``force`` keeps an empty line (``<br><br>`` = blank line)."""
        text = "".join(self._line).strip(" ") if not self._pre else "".join(self._line)
        self._line = []
        if text or force:
            self.lines.append((self._depth, text))


def html_to_text(html: str) -> str:
    """Visible text of an HTML body; blockquotes become ``> `` prefixed lines.

    Never raises on malformed markup: ``html.parser`` is lenient and unknown tags are
    treated as inline.
    """
    builder = _TextBuilder()
    builder.feed(html)
    builder.close()
    out: list[str] = []
    for depth, text in builder.lines:
        line = (("> " * depth) + text).rstrip() if depth else text.rstrip()
        if not line.strip("> ") and out and not out[-1].strip("> "):
            continue  # collapse runs of blank lines
        out.append(line)
    return "\n".join(out).strip("\n")
