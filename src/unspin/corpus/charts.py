"""Inline SVG charts for the corpus page: bars, heatmaps, lines (no script, no external
request; every string from the data is escaped).

Each chart carries its text alternative: ``role="img"``, a ``<title>`` (its name) and a
``<desc>`` saying where its numbers are (the table under it on the page); each mark has a
``<title>`` with its exact value. A heatmap writes a short form of each value in its cell
(:func:`cell_label`: at most four characters, so "10.97" no longer overflows a cell) and
draws a colour legend from 0 to its largest value.
"""

from __future__ import annotations

import html

__all__ = ["PALETTE", "a", "bar_chart", "cell_label", "e", "heatmap", "line_chart", "num",
           "trim"]

PALETTE = ("#3b6fb6", "#d9822b", "#3a9a5b", "#b8434f", "#7a5cb0", "#8c6d3f", "#c45fa0",
            "#5f8f9e")


def e(value: object) -> str:
    """``value`` escaped for HTML and SVG text and attributes."""
    return html.escape(str(value), quote=True)


def trim(label: str, n: int = 38) -> str:
    """``label`` cut to ``n`` characters (an ellipsis marks the cut)."""
    return label if len(label) <= n else label[: n - 1] + "…"


def a(href: str | None, inner: str) -> str:
    """``inner`` inside a link to ``href`` (SVG or HTML alike), or as it is."""
    return f'<a href="{e(href)}">{inner}</a>' if href else inner


def bar_chart(labels: list[str], values: list[float], *, title: str,
              hrefs: list[str | None] | None = None) -> str:
    """Horizontal bars, one per label (inline SVG); ``hrefs`` links each bar."""
    if not labels:
        return ""
    width, left, bar, gap = 640, 230, 18, 6
    height = len(labels) * (bar + gap) + 10
    top = max(values) or 1
    parts = [_open(title, width, height)]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * (bar + gap)
        w = (width - left - 60) * value / top
        parts.append(a(hrefs[i] if hrefs else None,
                        f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{e(trim(label, 34))}'
                        f'<title>{e(label)}</title></text>'
                        f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[0]}"/>'
                        f'<text x="{left + w + 5:.1f}" y="{y + 13}">{e(num(value))}</text>'))
    parts.append("</svg>")
    return "".join(parts)


def cell_label(v: float) -> str:
    """A value short enough for a heatmap cell (at most four characters): whole numbers as
    they are up to 9999, then "12k"; fractions to two significant figures ("0.52" -> ".52",
    "10.97" -> "11", "3.456" -> "3.5"). The exact value is in the cell's title and the table."""
    if isinstance(v, int) or float(v).is_integer():
        n = int(v)
        return str(n) if abs(n) < 10_000 else f"{n // 1000}k" if abs(n) < 1_000_000 else "1M+"
    if abs(v) >= 9.95:
        return cell_label(round(v))
    text = f"{v:.2g}" if abs(v) >= 1 else f"{v:.2f}"
    return text[1:] if text.startswith("0.") else text


def _open(title: str, width: float, height: float) -> str:
    """An SVG's opening tag and its text alternative (title, and where its numbers are)."""
    return (f'<svg class="chart" role="img" aria-label="{e(title)}" viewBox="0 0 {width:.0f} '
            f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>'
            "<desc>The numbers of this chart are in the table under it.</desc>")


def heatmap(rows: list[str], cols: list[str], values: dict[tuple[str, str], float], *,
            title: str, hrefs: dict[tuple[str, str], str] | None = None) -> str:
    """A grid of cells shaded by value (inline SVG) with a colour legend from 0 to the
    largest value; column labels are slanted; each cell shows :func:`cell_label` of its
    value (the exact one in its title); ``hrefs`` links each non-empty cell."""
    if not rows or not cols:
        return ""
    cell, left, head, legend = 40, 230, 170, 46
    width = left + cell * len(cols) + 140  # room for the last slanted label
    grid_h = head + cell * len(rows)
    height = grid_h + legend
    top = max(values.values(), default=1) or 1
    parts = [_open(title, width, height)]
    for j, col in enumerate(cols):
        x = left + j * cell + cell / 2
        parts.append(f'<text transform="translate({x:.1f},{head - 6}) rotate(-50)">'
                     f'{e(trim(col, 30))}<title>{e(col)}</title></text>')
    for i, row in enumerate(rows):
        y = head + i * cell
        parts.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
                     f'{e(trim(row, 34))}<title>{e(row)}</title></text>')
        for j, col in enumerate(cols):
            v = values.get((row, col), 0)
            opacity = 0.08 + 0.92 * v / top if v else 0.03
            square = (f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                      f'fill="{PALETTE[0]}" fill-opacity="{opacity:.2f}">'
                      f'<title>{e(row)} × {e(col)}: {e(num(v))}</title></rect>')
            if v:
                square += (f'<text x="{left + j * cell + (cell - 2) / 2:.1f}" '
                           f'y="{y + cell / 2 + 3:.1f}" text-anchor="middle" '
                           f'class="cell{" on" if v / top > 0.55 else ""}">'
                           f'{e(cell_label(v))}</text>')
            parts.append(a((hrefs or {}).get((row, col)) if v else None, square))
    # the legend: what a shade means, 0 to the largest value, five steps
    y = grid_h + 14
    parts.append(f'<text x="{left - 8}" y="{y + 11}" text-anchor="end">scale</text>')
    for k in range(5):
        share = k / 4
        parts.append(f'<rect x="{left + k * 44}" y="{y}" width="42" height="14" '
                     f'fill="{PALETTE[0]}" fill-opacity="{0.08 + 0.92 * share if share else 0.03:.2f}">'
                     f'<title>{e(num(round(top * share, 3)))}</title></rect>'
                     f'<text x="{left + k * 44 + 21}" y="{y + 28}" text-anchor="middle" '
                     f'class="cell">{e(cell_label(round(top * share, 3)) if share else "0")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(xs: list[str], series: dict[str, dict[str, float]], *, title: str,
               y_max: float | None = None, max_labels: int = 8,
               hrefs: dict[tuple[str, str], str] | None = None) -> str:
    """One line per series over the ordered x labels (inline SVG), with a legend; ``y_max``
    fixes the scale (charts set side by side share one); at most about ``max_labels``
    x labels are written."""
    if not xs or not series:
        return ""
    width, height, left, right, top_pad, bottom = 640, 260, 50, 40, 15, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = y_max or max((v for s in series.values() for v in s.values()), default=1) or 1
    step = plot_w / max(len(xs) - 1, 1)
    legend_h = 18 * len(series)
    parts = [_open(title, width, height + legend_h),
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{e(num(top))}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    label_every = max(1, -(-len(xs) // max_labels))
    for i, x in enumerate(xs):
        if i % label_every == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{top_pad + plot_h + 16}" '
                         f'text-anchor="middle">{e(x)}</text>')
    for k, (name, points) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        coords = [(left + i * step, top_pad + plot_h - plot_h * points.get(x, 0) / top)
                  for i, x in enumerate(xs)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2">'
                     f'<title>{e(name)}</title></polyline>')
        for x_label, (cx, cy) in zip(xs, coords, strict=True):
            dot = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}">'
                   f'<title>{e(name)}, {e(x_label)}: {e(num(points.get(x_label, 0)))}</title>'
                   '</circle>')
            parts.append(a((hrefs or {}).get((name, x_label)) if points.get(x_label) else None,
                            dot))
        ly = height + 18 * k
        parts.append(f'<rect x="{left}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + 16}" y="{ly}">{e(trim(name, 80))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def num(v: float) -> str:
    """A value as the tables write it."""
    return f"{v:g}" if isinstance(v, float) else str(v)

