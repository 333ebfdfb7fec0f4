"""Write line plots as a standalone SVG document (vector export of the Run screen's plots).

NOTE: pyqtgraph 0.14's SVGExporter raises ValueError under PySide6 6.11 because Qt closes
subpaths with a "Z" token and the exporter expects every path token to be an "x,y" pair.
Rendering the scene through QSvgGenerator instead loses the plots' clipping, so curves spill
over the axes. So the export draws the buffered data directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

PANEL_MARGIN = {"left": 64, "right": 16, "top": 36, "bottom": 48}
FONT = 'font-family="sans-serif"'
TEXT_COLOR = "#333333"
GRID_COLOR = "#e0e0e0"


@dataclass
class Series:
    """One curve: a legend name, a colour and its points, with a dot per point if `markers`."""

    name: str
    color: str
    x: np.ndarray
    y: np.ndarray
    markers: bool = False


@dataclass
class Panel:
    """One plot: a title, an x-axis label and its curves."""

    title: str
    x_label: str
    series: list[Series] = field(default_factory=list)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about `count` round tick values (steps of 1, 2 or 5 times a power of ten)."""
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        return [low] if math.isfinite(low) else []
    raw_step = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def text_width(text: str, font_size: int = 11) -> int:
    """Estimate the width of `text` in pixels: CJK characters are about twice as wide as Latin."""
    return sum(font_size if ord(char) >= 0x2E80 else round(font_size * 0.6) for char in text)


def format_tick(value: float) -> str:
    return f"{value:.4g}"


def data_range(values: list[np.ndarray]) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values if len(v)]
    finite = [v for v in finite if len(v)]
    if not finite:
        return 0.0, 1.0
    low = float(min(v.min() for v in finite))
    high = float(max(v.max() for v in finite))
    if high == low:
        return low - 0.5, high + 0.5
    return low, high


def render_panel(panel: Panel, left: float, top: float, width: float, height: float) -> list[str]:
    """Return the SVG elements of one panel placed in the given box."""
    inner_left = left + PANEL_MARGIN["left"]
    inner_top = top + PANEL_MARGIN["top"]
    inner_width = width - PANEL_MARGIN["left"] - PANEL_MARGIN["right"]
    inner_height = height - PANEL_MARGIN["top"] - PANEL_MARGIN["bottom"]
    x_low, x_high = data_range([s.x for s in panel.series])
    y_low, y_high = data_range([s.y for s in panel.series])
    pad = (y_high - y_low) * 0.05
    y_low, y_high = y_low - pad, y_high + pad

    def to_x(value: float) -> float:
        return inner_left + (value - x_low) / (x_high - x_low) * inner_width

    def to_y(value: float) -> float:
        return inner_top + (y_high - value) / (y_high - y_low) * inner_height

    parts = [
        f'<text x="{left + width / 2:.1f}" y="{top + 22:.1f}" text-anchor="middle" font-size="15" '
        f'{FONT} fill="{TEXT_COLOR}">{escape(panel.title)}</text>',
    ]
    parts += axis_elements(
        panel,
        nice_ticks(x_low, x_high),
        nice_ticks(y_low, y_high),
        to_x,
        to_y,
        (inner_left, inner_top, inner_width, inner_height),
    )
    # The axis ranges cover every finite point, so nothing needs clipping (SVG Tiny renderers
    # such as Qt's draw a clipPath's shape instead of clipping).
    for series in panel.series:
        parts += series_elements(series, to_x, to_y)
    parts += legend_elements(panel.series, inner_left + inner_width - 8, inner_top + 8)
    return parts


def axis_elements(
    panel: Panel,
    x_ticks: list[float],
    y_ticks: list[float],
    to_x,
    to_y,
    box: tuple[float, float, float, float],
) -> list[str]:
    left, top, width, height = box
    bottom = top + height
    parts = []
    for tick in x_ticks:
        x = to_x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID_COLOR}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" '
            f'font-size="11" {FONT} fill="{TEXT_COLOR}">{format_tick(tick)}</text>'
        )
    for tick in y_ticks:
        y = to_y(tick)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + width:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOR}"/>'
        )
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" {FONT} fill="{TEXT_COLOR}">{format_tick(tick)}</text>'
        )
    parts.append(
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="none" stroke="#888888"/>'
    )
    parts.append(
        f'<text x="{left + width / 2:.1f}" y="{bottom + 36:.1f}" text-anchor="middle" '
        f'font-size="12" {FONT} fill="{TEXT_COLOR}">{escape(panel.x_label)}</text>'
    )
    return parts


def series_elements(series: Series, to_x, to_y) -> list[str]:
    keep = np.isfinite(series.x) & np.isfinite(series.y)
    points = [
        (to_x(float(x)), to_y(float(y)))
        for x, y in zip(series.x[keep], series.y[keep], strict=True)
    ]
    if not points:
        return []
    parts = []
    if len(points) > 1:
        coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{series.color}" '
            f'stroke-width="2"/>'
        )
    if series.markers or len(points) == 1:
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{series.color}"/>' for x, y in points
        ]
    return parts


def legend_elements(series: list[Series], right: float, top: float) -> list[str]:
    """Return a legend box in the panel's top-right corner, one row per curve."""
    shown = [s for s in series if len(s.x)]
    if not shown:
        return []
    row_height, width = 16, 24 + max(text_width(s.name) for s in shown)
    parts = [
        f'<rect x="{right - width:.1f}" y="{top:.1f}" width="{width}" '
        f'height="{row_height * len(shown) + 6}" fill="white" fill-opacity="0.8" '
        f'stroke="#cccccc"/>'
    ]
    for row, item in enumerate(shown):
        y = top + 12 + row * row_height
        parts.append(
            f'<line x1="{right - width + 4:.1f}" y1="{y - 4:.1f}" '
            f'x2="{right - width + 18:.1f}" y2="{y - 4:.1f}" stroke="{item.color}" '
            f'stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{right - width + 22:.1f}" y="{y:.1f}" font-size="11" {FONT} '
            f'fill="{TEXT_COLOR}">{escape(item.name)}</text>'
        )
    return parts


def panels_to_svg(
    panels: list[Panel],
    title: str,
    columns: int = 2,
    panel_width: int = 560,
    panel_height: int = 340,
) -> str:
    """Return an SVG document with the panels in a grid of `columns` columns."""
    rows = math.ceil(len(panels) / columns)
    width, height = columns * panel_width, rows * panel_height
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for index, panel in enumerate(panels):
        left = (index % columns) * panel_width
        top = (index // columns) * panel_height
        parts += render_panel(panel, left, top, panel_width, panel_height)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
