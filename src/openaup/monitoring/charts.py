"""Charts drawn on the server as SVG coordinates (no JavaScript, strict CSP): horizontal
bars for the top blocked sites and categories, a line for blocks per day. Each chart has a
data table beside it in the page, which is what screen readers and tests read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openaup.monitoring.reports import Count, DayCount

__all__ = ["Bar", "BarChart", "LineChart", "bar_chart", "line_chart"]

WIDTH = 600
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    maximum: int


def bar_chart(counts: Sequence[Count], *, empty_label: str = "") -> BarChart:
    """One bar per count, scaled to the largest."""
    maximum = max((c.count for c in counts), default=0) or 1
    inner = WIDTH - LABEL_WIDTH - 60
    bars = []
    for index, count in enumerate(counts):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = max(1, round(inner * count.count / maximum))
        label = count.key or empty_label
        bars.append(
            Bar(
                label=label if len(label) <= 32 else label[:31] + "…",
                count=count.count,
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT - 6,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    height = GAP + len(bars) * (BAR_HEIGHT + GAP)
    return BarChart(
        width=WIDTH, height=max(height, 30), label_width=LABEL_WIDTH, bars=bars, maximum=maximum
    )


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: str
    y_max: int
    first_label: str
    last_label: str
    left: int
    right: int
    top: int
    bottom: int


def line_chart(days: Sequence[DayCount]) -> LineChart:
    """Blocks per day along x, scaled to the busiest day."""
    width, height, margin = WIDTH, 200, 40
    y_max = max((d.blocked for d in days), default=0) or 1
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    span = max(len(days) - 1, 1)
    coords = []
    for index, day in enumerate(days):
        x = margin + inner_w * index / span
        y = height - margin - inner_h * day.blocked / y_max
        coords.append(f"{x:.1f},{y:.1f}")
    return LineChart(
        width=width,
        height=height,
        points=" ".join(coords),
        y_max=y_max,
        first_label=days[0].day.isoformat() if days else "",
        last_label=days[-1].day.isoformat() if days else "",
        left=margin,
        right=width - margin,
        top=margin,
        bottom=height - margin,
    )
