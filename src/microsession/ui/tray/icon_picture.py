"""The tray icon picture: the app mark, with a progress arc while a session runs.

Cheap by design: the plain icon is the PNGs rendered from resources/microsession.svg (no
SVG renderer in memory), the progress picture is a few QPainter strokes, and `icon_key`
lets the caller redraw only when the quantised picture changes (`tray_icon` also caches
the last few icons). `Qt` is imported where a picture is drawn, not at import: the idle app
shows the plain icon and builds no Qt enum (see ui/scheme.py).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon

if TYPE_CHECKING:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QPainter, QPixmap

from microsession.resources import ICON_SIZES, icon_png

MARK_DIAMETER = 17 / 64  # the SVG's centre dot (r = 8.5 in a 64 px view box)
SYMBOLIC_INK = ("#f2f2f2", "#2e3436")  # on a dark panel, on a light one (GNOME's symbolic greys)


@cache
def app_icon() -> QIcon:
    """The plain app icon, from the packaged PNGs."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_png(size)))
    return icon


def _clamp(fraction: float) -> float:
    return 0.0 if fraction != fraction else min(1.0, max(0.0, fraction))  # NaN -> 0


def icon_key(fraction_left: float | None, phase: str, steps: int = 60) -> tuple:
    """A key that changes only when the drawn picture would: (phase, step or None).

    The step is ceil(fraction * steps), so any time left shows at least one step and
    the arc reaches zero only at the very end.
    """
    if fraction_left is None:
        return (phase, None)
    return (phase, math.ceil(_clamp(fraction_left) * steps - 1e-9))


def arc_geometry(size: int) -> tuple[QRectF, float]:
    """The rectangle of the progress arc's centre line and the pen width, for `size` px."""
    from PySide6.QtCore import QRectF

    pen = max(2.0, size * 0.13)
    margin = pen / 2 + size * 0.03
    return QRectF(margin, margin, size - 2 * margin, size - 2 * margin), pen


def tray_pixmap(
    fraction_left: float | None, phase: str, size: int = 64, dark: bool = True, symbolic: bool = False
) -> QPixmap:
    """The icon at `size` px; with a clockwise arc from 12 o'clock when fraction_left is set.
    `symbolic`: one ink (light on a dark panel, dark on a light one), no phase colours; the
    idle picture is then a thin full ring and the dot."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPainter, QPixmap

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    if symbolic:
        ink = QColor(SYMBOLIC_INK[0 if dark else 1])
        track = QColor(ink)
        track.setAlpha(255 if fraction_left is None else 80)
        _draw_progress(painter, size, 0.0 if fraction_left is None else _clamp(fraction_left), ink, track)
        _draw_mark(painter, size, ink)
    elif fraction_left is None:
        painter.drawPixmap(0, 0, app_icon().pixmap(size, size))
    else:
        from microsession.ui.palette import colors

        palette = colors(phase, dark)
        arc = palette.q("arc")
        _draw_progress(painter, size, _clamp(fraction_left), arc, palette.q("muted", 90))
        _draw_mark(painter, size, arc)
    painter.end()
    return pixmap


def _draw_progress(
    painter: QPainter, size: int, fraction: float, arc: QColor, track: QColor
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPen

    rect, width = arc_geometry(size)
    pen = QPen(track, width)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(rect)
    if fraction <= 0.0:
        return
    pen.setColor(arc)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    if fraction >= 1.0:
        painter.drawEllipse(rect)
    else:
        painter.drawArc(rect, 90 * 16, -round(fraction * 360 * 16))


def _draw_mark(painter: QPainter, size: int, color: QColor) -> None:
    """The SVG's centre dot, in `color`, centred inside the arc."""
    from PySide6.QtCore import QRectF, Qt

    diameter = size * MARK_DIAMETER
    offset = (size - diameter) / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(QRectF(offset, offset, diameter, diameter))


@lru_cache(maxsize=16)
def _cached_icon(phase: str, step: int | None, steps: int, size: int, dark: bool, symbolic: bool) -> QIcon:
    fraction = None if step is None else step / steps
    return QIcon(tray_pixmap(fraction, phase, size, dark, symbolic))


def tray_icon(
    fraction_left: float | None,
    phase: str,
    size: int = 64,
    dark: bool = True,
    steps: int = 60,
    symbolic: bool = False,
) -> QIcon:
    """A QIcon of the quantised picture (see `icon_key`); recent icons are cached."""
    if fraction_left is None and not symbolic:
        return app_icon()
    key_phase, step = icon_key(fraction_left, phase, steps)
    return _cached_icon(key_phase, step, steps, size, dark, symbolic)
