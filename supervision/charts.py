"""Report charts drawn on the server as SVG: the geometry is computed here, the markup is the
template partials of supervision/reports/charts.html. Every chart has a title and axis labels,
and the page shows the same numbers in a table below it (a chart never stands alone)."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
LEFT, BOTTOM, TOP, RIGHT = 56, 40, 12, 12  # margins for the axes' labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the table shows it
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Segment:
    name: str
    css: str  # a class of static/css/supervision.css, one per status kind
    value: float
    text: str
    x: float
    width: float


@dataclass(frozen=True)
class StackedRow:
    label: str
    y: float
    height: float
    segments: list[Segment]


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    rows: list[StackedRow] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (position, text) on the value axis
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, name), in first-seen order

    @property
    def plot_bottom(self) -> float:
        return self.height - BOTTOM

    @property
    def plot_left(self) -> float:
        return LEFT


def nice_top(value: float) -> float:
    """The axis' top: 1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(title: str, points: Sequence[tuple[str, float]], *, x_label: str, y_label: str,
              fmt: Callable[[float], str] = lambda v: f"{v:g}") -> Chart:
    """Vertical bars, one per (label, value), on a value axis from 0 with five ticks."""
    chart = Chart(title=title, x_label=x_label, y_label=y_label)
    top = nice_top(max((value for _, value in points), default=0))
    plot_height = chart.height - BOTTOM - TOP
    slot = (chart.width - LEFT - RIGHT) / max(len(points), 1)
    for index, (label, value) in enumerate(points):
        height = plot_height * (value / top) if top else 0
        chart.bars.append(Bar(label=label, value=value, text=fmt(value), x=LEFT + index * slot + slot * 0.15,
                              y=chart.plot_bottom - height, width=slot * 0.7, height=height))
    chart.ticks = [(chart.plot_bottom - plot_height * i / 4, fmt(top * i / 4)) for i in range(5)]
    return chart


def stacked_chart(title: str, rows: Sequence[tuple[str, Sequence[tuple[str, str, float]]]], *, x_label: str,
                  y_label: str, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> Chart:
    """Horizontal stacked bars: for each (label, [(name, css, value), …]) one bar whose segments
    are the values in order, all on one value axis."""
    row_height = 22
    chart = Chart(title=title, x_label=x_label, y_label=y_label, height=TOP + BOTTOM + row_height * max(len(rows), 1))
    top = nice_top(max((sum(v for _, _, v in segments) for _, segments in rows), default=0))
    plot_width = chart.width - LEFT - RIGHT - 80  # room for the names on the left
    left = LEFT + 80
    seen: dict[str, str] = {}
    for index, (label, segments) in enumerate(rows):
        x, drawn = left, []
        for name, css, value in segments:
            width = plot_width * value / top if top else 0
            drawn.append(Segment(name=name, css=css, value=value, text=fmt(value), x=x, width=width))
            x += width
            seen.setdefault(name, css)
        chart.rows.append(StackedRow(label=label, y=TOP + index * row_height + 3, height=row_height - 6,
                                     segments=drawn))
    chart.ticks = [(left + plot_width * i / 4, fmt(top * i / 4)) for i in range(5)]
    chart.legend = [(css, name) for name, css in seen.items()]
    return chart
