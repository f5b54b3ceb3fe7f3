"""Charts as SVG strings, drawn on the server: no JavaScript, no CDN, nothing to fetch.

The web dashboard and the HTML review report embed these inline. Every function is pure
(numbers in, text out) and every piece of text it writes is escaped, because labels come
from ticket data (a category, an account name). Each chart is an accessible image:
``role="img"``, an ``aria-label`` and a ``<title>`` (shown as a tooltip), a ``<desc>`` that
says what the data shows, and a ``<title>`` on every point or bar with its exact value.

Text and axes are drawn in ``currentColor``, so a chart takes the text colour of the page
around it (dark or light); series use the Okabe–Ito palette, which stays distinguishable to
readers with the common colour-vision deficiencies. Missing values (``None``) leave gaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

__all__ = [
    "DARK_PALETTE",
    "PALETTE",
    "STATUS_COLOURS",
    "bar_chart",
    "line_chart",
    "nice_ticks",
    "percent",
    "sparkline",
    "stacked_bars",
]

#: Okabe–Ito colours with at least 3:1 contrast on white *and* on a dark navy page.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: The same palette ordered for dark pages (the light blue first: brighter on navy).
DARK_PALETTE = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00")
#: Scorecard states: on target, at the warning line, past it, unscored.
STATUS_COLOURS = {"good": "#009E73", "warning": "#E69F00", "bad": "#D55E00", "none": "#8A94A6"}

# line chart layout (px): room for y tick labels on the left, x labels at the bottom
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 28
LEGEND = 22  # height of the legend row, above the plot, when there are several series
CHAR = 7.0  # average advance of a 12px sans-serif character, to fit labels
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

Format = Callable[[float], str]


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.4g}"


def percent(v: float) -> str:
    """A fraction as a percentage: ``0.953`` → ``95.3%``."""
    return f"{v * 100:.1f}%".replace(".0%", "%")


def _f(v: float) -> str:
    """A coordinate: one decimal, no trailing zero."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" height="{_f(height)}" '
        f'font-family="{FONT}" font-size="12" fill="currentColor">'
        f"<title>{t}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def _empty(width: float, height: float, title: str) -> str:
    text = (
        f'<text x="{_f(width / 2)}" y="{_f(height / 2)}" text-anchor="middle" '
        'dominant-baseline="middle" opacity="0.7">no data</text>'
    )
    return _svg(width, height, title, "No data.", [text])


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering ``lo..hi`` in about ``count`` steps of 1, 2, 2.5 or 5 × 10ⁿ
    (the first tick at or below ``lo``, the last at or above ``hi``)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("ticks need finite bounds")
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9) * step
    n = math.ceil((hi - first) / step - 1e-9)
    return [round(first + i * step, 12) for i in range(n + 1)]


def _values(series: Mapping[str, Sequence[float | None]]) -> list[float]:
    return [float(v) for vs in series.values() for v in vs if v is not None]


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    *,
    labels: Sequence[str],
    title: str,
    target: float | None = None,
    warning: float | None = None,
    band: tuple[float, float] | None = None,
    y_format: Format = _number,
    y_range: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 240,
    palette: Sequence[str] = PALETTE,
) -> str:
    """Several named series over the same x ``labels`` (one value per label, ``None`` for a
    gap), with an optional ``target`` line, ``warning`` line and target ``band`` (low, high).

    The y axis spans ``y_range`` when given, else round ticks around the data and the lines.
    Point *i* of *n* sits at ``x = LEFT + i·(width − LEFT − RIGHT)/(n − 1)`` (the middle when
    n = 1) and ``y = bottom − (v − lo)/(hi − lo)·(bottom − top)``.
    """
    n = len(labels)
    for name, values in series.items():
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values for {n} labels")
    data = _values(series)
    if n == 0 or not data:
        return _empty(width, height, title)
    lines = [v for v in (target, warning, *(band or ())) if v is not None]
    if y_range is not None:
        lo, hi = y_range
        ticks = [t for t in nice_ticks(lo, hi) if lo - 1e-9 <= t <= hi + 1e-9]
    else:
        ticks = nice_ticks(min(data + lines), max(data + lines))
        lo, hi = ticks[0], ticks[-1]
    if hi == lo:
        hi = lo + 1.0
    top = TOP + (LEGEND if len(series) > 1 else 0)
    x0, x1, y0, y1 = LEFT, width - RIGHT, top, height - BOTTOM

    def x(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + i * (x1 - x0) / (n - 1)

    def y(v: float) -> float:
        return y1 - (v - lo) / (hi - lo) * (y1 - y0)

    body: list[str] = []
    if len(series) > 1:  # legend: a swatch and the name of each series
        lx = float(x0)
        for k, name in enumerate(series):
            colour = palette[k % len(palette)]
            body.append(
                f'<rect x="{_f(lx)}" y="{TOP}" width="12" height="12" rx="2" fill="{colour}"/>'
                f'<text x="{_f(lx + 16)}" y="{TOP + 10}">{escape(name)}</text>'
            )
            lx += 16 + CHAR * len(name) + 18
    if band is not None:
        b_lo, b_hi = sorted(band)
        ya, yb = y(min(max(b_hi, lo), hi)), y(max(min(b_lo, hi), lo))
        body.append(
            f'<rect class="band" x="{x0}" y="{_f(ya)}" width="{x1 - x0}" height="{_f(yb - ya)}" '
            f'fill="{STATUS_COLOURS["good"]}" fill-opacity="0.16">'
            f"<title>target {escape(y_format(b_lo))}–{escape(y_format(b_hi))}</title></rect>"
        )
    for t in ticks:  # grid and y labels
        yt = _f(y(t))
        body.append(
            f'<line x1="{x0}" x2="{x1}" y1="{yt}" y2="{yt}" stroke="currentColor" '
            'stroke-opacity="0.15"/>'
            f'<text x="{x0 - 8}" y="{yt}" text-anchor="end" dominant-baseline="middle" '
            f'opacity="0.8">{escape(y_format(t))}</text>'
        )
    every = max(1, math.ceil(n * CHAR * max(len(s) for s in labels) / max(x1 - x0, 1) * 1.3))
    for i, label in enumerate(labels):
        if (n - 1 - i) % every:
            continue  # too many labels to fit: every k-th, counted back from the latest
        body.append(
            f'<text x="{_f(x(i))}" y="{height - 8}" text-anchor="middle" opacity="0.8">'
            f"{escape(label)}</text>"
        )
    for value, kind, colour, dash in (
        (target, "target", "currentColor", "6 4"),
        (warning, "warning", STATUS_COLOURS["bad"], "2 3"),
    ):
        if value is None or not lo <= value <= hi:
            continue
        yv = _f(y(value))
        body.append(
            f'<line class="{kind}" x1="{x0}" x2="{x1}" y1="{yv}" y2="{yv}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="{dash}"><title>{kind} '
            f"{escape(y_format(value))}</title></line>"
            f'<text x="{x1}" y="{_f(y(value) - 4)}" text-anchor="end" font-size="11" '
            f'fill="{colour}">{kind} {escape(y_format(value))}</text>'
        )
    for k, (name, values) in enumerate(series.items()):
        colour = palette[k % len(palette)]
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{_f(x(i))},{_f(y(float(v)))}")
        if run:
            runs.append(run)
        for r in runs:
            if len(r) > 1:
                body.append(
                    f'<polyline class="series" points="{" ".join(r)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                    'stroke-linecap="round"/>'
                )
        for i, v in enumerate(values):
            if v is not None:
                body.append(
                    f'<circle cx="{_f(x(i))}" cy="{_f(y(float(v)))}" r="3.5" fill="{colour}">'
                    f"<title>{escape(name)}, {escape(labels[i])}: "
                    f"{escape(y_format(float(v)))}</title></circle>"
                )
    return _svg(width, height, title, _describe(series, labels, y_format, target), body)


def _describe(
    series: Mapping[str, Sequence[float | None]],
    labels: Sequence[str],
    y_format: Format,
    target: float | None,
) -> str:
    parts = []
    for name, values in series.items():
        known = [(labels[i], v) for i, v in enumerate(values) if v is not None]
        if known:
            (a, first), (b, last) = known[0], known[-1]
            parts.append(f"{name}: {y_format(first)} ({a}) to {y_format(last)} ({b})")
    if target is not None:
        parts.append(f"target {y_format(target)}")
    return "; ".join(parts) + "."


def sparkline(
    values: Sequence[float | None],
    *,
    title: str,
    width: int = 160,
    height: int = 40,
    colour: str = PALETTE[0],
    target: float | None = None,
    y_format: Format = _number,
) -> str:
    """A small trend line without axes; the last value is marked with a dot. The y scale
    spans the values (and the target): ``y = height − 4 − (v − lo)/(hi − lo)·(height − 8)``;
    a flat series sits in the middle."""
    data = [float(v) for v in values if v is not None]
    if not data:
        return _empty(width, height, title)
    pad = 4.0
    lo, hi = (
        min([*data, *([target] if target is not None else [])]),
        max([*data, *([target] if target is not None else [])]),
    )
    n = len(values)

    def x(i: int) -> float:
        return width / 2 if n == 1 else pad + i * (width - 2 * pad) / (n - 1)

    def y(v: float) -> float:
        if hi == lo:
            return height / 2
        return height - pad - (v - lo) / (hi - lo) * (height - 2 * pad)

    body: list[str] = []
    if target is not None:
        yt = _f(y(target))
        body.append(
            f'<line class="target" x1="{_f(pad)}" x2="{_f(width - pad)}" y1="{yt}" y2="{yt}" '
            'stroke="currentColor" stroke-opacity="0.5" stroke-dasharray="3 3"/>'
        )
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{_f(x(i))},{_f(y(float(v)))}")
    for r in runs:
        if len(r) > 1:
            body.append(
                f'<polyline class="series" points="{" ".join(r)}" fill="none" stroke="{colour}" '
                'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    last = max(i for i, v in enumerate(values) if v is not None)
    lv = float(values[last])  # type: ignore[arg-type]
    body.append(f'<circle cx="{_f(x(last))}" cy="{_f(y(lv))}" r="3" fill="{colour}"/>')
    desc = f"{len(data)} values from {y_format(data[0])} to {y_format(data[-1])}."
    return _svg(width, height, title, desc, body)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    value_format: Format = _number,
    width: int = 560,
    bar_height: int = 22,
    gap: int = 8,
    label_width: int = 180,
    colour: str | Sequence[str] = PALETTE[0],
    max_value: float | None = None,
) -> str:
    """Horizontal bars, one per label, in the order given (sort them first). Bar *i* starts
    at ``x = label_width`` at ``y = gap + i·(bar_height + gap)`` and is
    ``v / max · (width − label_width − 64)`` long (64 px on the right hold the value text).
    Long labels are cut with an ellipsis; the full label is in the bar's tooltip."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    known = [float(v) for v in values if v is not None]
    height = gap + len(labels) * (bar_height + gap)
    if not labels:
        return _empty(width, 60, title)
    top = max_value if max_value is not None else max(known, default=0.0)
    span = width - label_width - 64
    chars = int((label_width - 10) / CHAR)
    colours = [colour] if isinstance(colour, str) else list(colour)
    body: list[str] = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        yb = gap + i * (bar_height + gap)
        mid = _f(yb + bar_height / 2)
        shown = "–" if v is None else value_format(float(v))
        length = 0.0 if v is None or top <= 0 else max(float(v), 0.0) / top * span
        body.append(
            f'<g class="bar"><title>{escape(label)}: {escape(shown)}</title>'
            f'<text x="{label_width - 10}" y="{mid}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_clip(label, chars))}</text>'
            f'<rect x="{label_width}" y="{yb}" width="{_f(length)}" height="{bar_height}" '
            f'rx="3" fill="{colours[i % len(colours)]}"/>'
            f'<text x="{_f(label_width + length + 6)}" y="{mid}" dominant-baseline="middle" '
            f'font-weight="600">{escape(shown)}</text></g>'
        )
    desc = "; ".join(
        f"{label}: {'–' if v is None else value_format(float(v))}"
        for label, v in zip(labels, values, strict=True)
    )
    return _svg(width, height, title, desc + ".", body)


def stacked_bars(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    y_format: Format = _number,
    width: int = 640,
    height: int = 240,
    palette: Sequence[str] = PALETTE,
) -> str:
    """Vertical columns, one per label, each stacking the named parts in order from the
    bottom (``None`` counts as 0), with a legend; e.g. escalated and elevated tickets by
    week."""
    n = len(labels)
    for name, values in stacks.items():
        if len(values) != n:
            raise ValueError(f"stack {name!r} has {len(values)} values for {n} labels")
    totals = [sum(float(vs[i] or 0.0) for vs in stacks.values()) for i in range(n)]
    if n == 0 or not stacks or max(totals, default=0.0) <= 0:
        return _empty(width, height, title)
    ticks = nice_ticks(0.0, max(totals))
    hi = ticks[-1]
    top = TOP + LEGEND
    x0, x1, y0, y1 = LEFT, width - RIGHT, top, height - BOTTOM
    slot = (x1 - x0) / n
    bar = slot * 0.7

    def y(v: float) -> float:
        return y1 - v / hi * (y1 - y0)

    body: list[str] = []
    lx = float(x0)
    for k, name in enumerate(stacks):
        body.append(
            f'<rect x="{_f(lx)}" y="{TOP}" width="12" height="12" rx="2" '
            f'fill="{palette[k % len(palette)]}"/>'
            f'<text x="{_f(lx + 16)}" y="{TOP + 10}">{escape(name)}</text>'
        )
        lx += 16 + CHAR * len(name) + 18
    for t in ticks:
        yt = _f(y(t))
        body.append(
            f'<line x1="{x0}" x2="{x1}" y1="{yt}" y2="{yt}" stroke="currentColor" '
            'stroke-opacity="0.15"/>'
            f'<text x="{x0 - 8}" y="{yt}" text-anchor="end" dominant-baseline="middle" '
            f'opacity="0.8">{escape(y_format(t))}</text>'
        )
    every = max(1, math.ceil(CHAR * max(len(s) for s in labels) * 1.3 / slot))
    for i, label in enumerate(labels):
        xb = x0 + i * slot + (slot - bar) / 2
        base = 0.0
        for k, (name, values) in enumerate(stacks.items()):
            v = float(values[i] or 0.0)
            if v > 0:
                body.append(
                    f'<rect x="{_f(xb)}" y="{_f(y(base + v))}" width="{_f(bar)}" '
                    f'height="{_f(y(base) - y(base + v))}" fill="{palette[k % len(palette)]}">'
                    f"<title>{escape(label)}, {escape(name)}: {escape(y_format(v))}</title></rect>"
                )
            base += v
        if (n - 1 - i) % every == 0:
            body.append(
                f'<text x="{_f(xb + bar / 2)}" y="{height - 8}" text-anchor="middle" '
                f'opacity="0.8">{escape(label)}</text>'
            )
    desc = "; ".join(
        f"{label}: {y_format(total)}" for label, total in zip(labels, totals, strict=True)
    )
    return _svg(width, height, title, desc + ".", body)
