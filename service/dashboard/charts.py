"""Charts as inline SVG, rendered on the server: no script, no external file, nothing for the
Content-Security-Policy to allow. Each chart is readable without colour: rows are named, bars
carry their numbers, long reply gaps are hatched and labelled, thresholds are written out; and
each has a text alternative (``aria-label``/``<title>``) for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

from service.dashboard.i18n import Formats

BAR_COLUMN = 560
"""Width of the plotting area of the wide charts (viewBox units; they scale to the page)."""
LABEL_COLUMN = 180
ROW_HEIGHT = 44
BAR_MAX = 26
AXIS_HEIGHT = 22
RIGHT_MARGIN = 36
"""Room for the last date label and a bar's number at the right edge."""


def _svg(width: float, height: float, description: str, body: str, css: str) -> Markup:
    text = escape(description)
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
        f'height="{height:g}" role="img" aria-label="{text}" focusable="false">'
        f"<title>{text}</title>{body}</svg>"
    )


def sparkline(values: Sequence[int], description: str) -> Markup:
    """A small bar per week; zero weeks show as a tick on the baseline."""
    bar, gap, height = 6, 2, 24
    top = max(values, default=0) or 1
    parts = []
    for i, value in enumerate(values):
        h = max(1.0, round(value / top * (height - 3), 1))
        parts.append(
            f'<rect class="{"spark-bar" if value else "spark-zero"}" x="{i * (bar + gap)}" '
            f'y="{height - h:g}" width="{bar}" height="{h:g}"/>'
        )
    return _svg(len(values) * (bar + gap), height, description, "".join(parts), "spark")


def _axis(starts: Sequence[datetime], y: float, fmt: Formats) -> str:
    """Date labels under the plot, about six of them."""
    step = max(1, math.ceil(len(starts) / 6))
    width = BAR_COLUMN / max(1, len(starts))
    labels = []
    for i in range(0, len(starts), step):
        x = LABEL_COLUMN + i * width
        labels.append(
            f'<text class="axis" x="{x:g}" y="{y + 14:g}">{escape(fmt.day_month(starts[i]))}</text>'
        )
    right = LABEL_COLUMN + BAR_COLUMN
    line = f'<line class="baseline" x1="{LABEL_COLUMN}" x2="{right}" y1="{y:g}" y2="{y:g}"/>'
    return line + "".join(labels)


def _dated_chart(
    parts: list[str], starts: Sequence[datetime], height: float, fmt: Formats, description: str
) -> Markup:
    """A wide chart: its plot, then the date axis under it."""
    parts.append(_axis(starts, height, fmt))
    width = LABEL_COLUMN + BAR_COLUMN + RIGHT_MARGIN
    return _svg(width, height + AXIS_HEIGHT, description, "".join(parts), "chart")


def weekly_rows(
    rows: Sequence[tuple[str, str, Sequence[int]]],
    starts: Sequence[datetime],
    fmt: Formats,
    description: str,
) -> Markup:
    """One named row per series (small multiples on one scale), a bar per week with its count.

    ``rows`` are ``(css key, shown name, counts per week)``.
    """
    weeks = max(1, len(starts))
    width = BAR_COLUMN / weeks
    top = max((max(values, default=0) for _, _, values in rows), default=0) or 1
    parts = []
    for r, (key, name, values) in enumerate(rows):
        base = r * ROW_HEIGHT + ROW_HEIGHT - 6
        total = sum(values)
        parts.append(
            f'<text class="row-name" x="0" y="{base - 8:g}">{escape(name)}</text>'
            f'<text class="row-total" x="0" y="{base + 4:g}">Σ {escape(fmt.number(total))}</text>'
            f'<line class="gridline" x1="{LABEL_COLUMN}" x2="{LABEL_COLUMN + BAR_COLUMN}" '
            f'y1="{base:g}" y2="{base:g}"/>'
        )
        for i, value in enumerate(values):
            if not value:
                continue
            h = max(2.0, round(value / top * BAR_MAX, 1))
            x = LABEL_COLUMN + i * width + 1
            parts.append(
                f'<rect class="bar bar-{escape(key)}" x="{x:g}" y="{base - h:g}" '
                f'width="{max(1.0, width - 2):g}" height="{h:g}"/>'
                f'<text class="bar-value" x="{x + (width - 2) / 2:g}" y="{base - h - 2:g}">'
                f"{escape(fmt.number(value))}</text>"
            )
    height = len(rows) * ROW_HEIGHT
    return _dated_chart(parts, starts, height, fmt, description)


def reply_gaps(
    longest: Sequence[float | None],
    starts: Sequence[datetime],
    threshold_days: float,
    fmt: Formats,
    description: str,
    threshold_label: str,
) -> Markup:
    """The slowest reply of each week as a bar (in days; none where the client did not reply);
    weeks past the threshold are hatched and carry the gap's length; the threshold is a
    dashed, labelled line. One bar per week keeps a busy client's chart readable."""
    height = 120
    width = BAR_COLUMN / max(1, len(starts))
    cap = max(threshold_days * 2, max((d for d in longest if d is not None), default=0.0))
    scale = (height - 20) / cap
    parts = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect class="hatch-bg" width="6" height="6"/>'
        '<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>'
    ]
    for i, days in enumerate(longest):
        if days is None:
            continue
        x = LABEL_COLUMN + i * width + 1
        h = max(1.5, days * scale)
        long = days > threshold_days
        parts.append(
            f'<rect class="{"gap-long" if long else "gap"}" x="{x:g}" y="{height - h:g}" '
            f'width="{max(1.0, width - 2):g}" height="{h:g}"/>'
        )
        if long:
            parts.append(
                f'<text class="bar-value" x="{x + (width - 2) / 2:g}" y="{height - h - 3:g}">'
                f"{escape(fmt.duration(days * 86400))}</text>"
            )
    y = height - threshold_days * scale
    parts.append(
        f'<line class="threshold" x1="{LABEL_COLUMN}" x2="{LABEL_COLUMN + BAR_COLUMN}" '
        f'y1="{y:g}" y2="{y:g}"/><text class="row-name" x="0" y="{y + 4:g}">'
        f"{escape(threshold_label)}</text>"
    )
    return _dated_chart(parts, starts, height, fmt, description)


def share_bar(value: int, total: int, description: str) -> Markup:
    """A horizontal bar for a share of a total (the language mix)."""
    width = 160
    filled = round(value / total * width, 1) if total else 0
    body = (
        f'<rect class="share-bg" width="{width}" height="12"/>'
        f'<rect class="share" width="{filled:g}" height="12"/>'
    )
    return _svg(width, 12, description, body, "share-bar")
