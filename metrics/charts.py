"""Geometry of the server-rendered SVG charts (the templates draw it): no JavaScript, so a
chart shows on any page load, prints, and has a table next to it with the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    marks: list[Mark] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # polyline "x,y x,y" runs
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    empty: bool = False


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    magnitude = 10 ** (len(str(int(value))) - 1)
    return -(-value // magnitude) * magnitude


def bars(
    points: list[tuple[str, float]], *, width: int = 720, height: int = 200, short_labels=None
) -> Chart:
    """Vertical bars, one per point (e.g. submissions per day)."""
    left, top, bottom = 40, 10, height - 24
    top_value = _nice_max(max((v for _, v in points), default=0))
    slot = (width - left - 4) / max(len(points), 1)
    scale = (bottom - top) / top_value
    marks = [
        Mark(
            x=round(left + i * slot + slot * 0.15, 1),
            y=round(bottom - value * scale, 1),
            width=round(slot * 0.7, 1),
            height=round(value * scale, 1),
            label=label,
            value=f"{value:g}",
        )
        for i, (label, value) in enumerate(points)
    ]
    every = max(1, len(points) // 6)
    labels = short_labels or [label for label, _ in points]
    return Chart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        plot_left=left,
        marks=marks,
        ticks=[(round(bottom - f * (bottom - top), 1), f"{top_value * f:g}") for f in (0, 0.5, 1)],
        x_labels=[
            (round(left + i * slot + slot / 2, 1), labels[i]) for i in range(0, len(points), every)
        ],
        empty=not any(v for _, v in points),
    )


def rate_line(
    points: list[tuple[str, float | None]],
    *,
    width: int = 720,
    height: int = 200,
    short_labels=None,
) -> Chart:
    """A line of rates between 0 and 1 (e.g. acceptance by day); days without a value
    break the line rather than pretend a zero."""
    left, top, bottom = 40, 10, height - 24
    slot = (width - left - 4) / max(len(points), 1)
    runs: list[list[str]] = [[]]
    marks = []
    for i, (label, value) in enumerate(points):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        x = round(left + i * slot + slot / 2, 1)
        y = round(bottom - value * (bottom - top), 1)
        runs[-1].append(f"{x},{y}")
        marks.append(Mark(x=x, y=y, width=3, height=3, label=label, value=f"{value:.0%}"))
    every = max(1, len(points) // 6)
    labels = short_labels or [label for label, _ in points]
    return Chart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        plot_left=left,
        marks=marks,
        lines=[" ".join(run) for run in runs if run],
        ticks=[(round(bottom - f * (bottom - top), 1), f"{f:.0%}") for f in (0, 0.5, 1)],
        x_labels=[
            (round(left + i * slot + slot / 2, 1), labels[i]) for i in range(0, len(points), every)
        ],
        empty=not marks,
    )


def horizontal_bars(points: list[tuple[str, float]], *, width: int = 720, row: int = 26) -> Chart:
    """One horizontal bar per category (e.g. findings per check), labels on the left."""
    # Room on the left for the longest label (a Chinese character is about twice as wide).
    longest = max(
        (sum(12 if ord(c) > 0x2E80 else 7 for c in label) for label, _ in points), default=0
    )
    left = min(max(longest + 16, 120), 320)
    height = max(row * len(points) + 8, 40)
    top_value = _nice_max(max((v for _, v in points), default=0))
    scale = (width - left - 60) / top_value
    marks = [
        Mark(
            x=left,
            y=4 + i * row,
            width=round(value * scale, 1),
            height=row - 8,
            label=label,
            value=f"{value:g}",
        )
        for i, (label, value) in enumerate(points)
    ]
    return Chart(
        width=width,
        height=height,
        plot_top=0,
        plot_bottom=height,
        plot_left=left,
        marks=marks,
        empty=not any(v for _, v in points),
    )
