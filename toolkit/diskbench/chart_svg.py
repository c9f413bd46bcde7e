"""A small SVG bar chart comparing devices, panel by panel (IOPS, MB/s, latency percentiles), with no plotting
library: rectangles and text, sized to the data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948")
_PANEL_W, _PANEL_H, _BAR_AREA = 360, 260, 180


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    groups: Sequence[str]  # the x-axis labels (a measure each)
    values: Sequence[Sequence[float | None]]  # per device, one value per group


def render_chart(devices: Sequence[str], panels: Sequence[Panel]) -> str:
    width = _PANEL_W * max(len(panels), 1)
    height = _PANEL_H + 30 + 18 * len(devices)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>']
    for index, panel in enumerate(panels):
        parts += _panel(panel, index * _PANEL_W, len(devices))
    for number, device in enumerate(devices):
        y = _PANEL_H + 20 + 18 * number
        parts.append(f'<rect x="20" y="{y - 10}" width="12" height="12" fill="{_COLORS[number % len(_COLORS)]}"/>')
        parts.append(f'<text x="38" y="{y}">{escape(device)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(panel: Panel, left: int, devices: int) -> list[str]:
    known = [v for series in panel.values for v in series if v is not None]
    top = max(known, default=0.0) or 1.0
    base = 30 + _BAR_AREA
    parts = [f'<text x="{left + 10}" y="18" font-size="13" font-weight="bold">{escape(panel.title)} '
             f'({escape(panel.unit)})</text>',
             f'<line x1="{left + 10}" y1="{base}" x2="{left + _PANEL_W - 10}" y2="{base}" stroke="#333"/>']
    group_w = (_PANEL_W - 20) / max(len(panel.groups), 1)
    bar_w = max(4.0, (group_w - 16) / max(devices, 1))
    for g, label in enumerate(panel.groups):
        x0 = left + 10 + g * group_w + 8
        for d in range(devices):
            value = panel.values[d][g] if d < len(panel.values) and g < len(panel.values[d]) else None
            x = x0 + d * bar_w
            if value is None:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - 4}" text-anchor="middle">n/a</text>')
                continue
            h = _BAR_AREA * value / top
            parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                         f'fill="{_COLORS[d % len(_COLORS)]}"><title>{value:.3g}</title></rect>')
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" '
                         f'font-size="9">{value:.3g}</text>')
        parts.append(f'<text x="{x0 + devices * bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    return parts
