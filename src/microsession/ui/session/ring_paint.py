"""Drawing helpers of the ring window: a line of elided text, the hover buttons, the card,
and the area a per-second change touches (the digits and the arc's moving end)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget


def draw_text(widget: QWidget, p: QPainter, text: str, px: int, weight: QFont.Weight, color: QColor,
              y_center: float, width: float, spacing: float = 0.0, min_px: int = 0) -> str:
    """One line of text centred at `y_center`, elided to `width`; what was drawn is returned.

    With `min_px`, the font first shrinks (down to `min_px`) until the whole text fits:
    the ring's "1:29:59" at deep-work length is smaller, never cut."""
    if not text:
        return ""
    font = QFont(widget.font())
    font.setPixelSize(px)
    font.setWeight(weight)
    if spacing:
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, spacing)
    metrics = QFontMetrics(font)
    while min_px and px > min_px and metrics.horizontalAdvance(text) > width:
        px -= 1
        font.setPixelSize(px)
        metrics = QFontMetrics(font)
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, round(width))
    p.setFont(font)
    p.setPen(color)
    rect = QRectF((widget.width() - width) / 2, y_center - metrics.height() / 2,
                  width, metrics.height())
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
    return shown


def draw_buttons(p: QPainter, ink: QColor, rects: dict[str, QRectF], hot: str | None, paused: bool) -> None:
    """The hover buttons: pause/resume, stop and the menu."""
    for name, rect in rects.items():
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(ink.red(), ink.green(), ink.blue(), 46 if name == hot else 22))
        p.drawEllipse(rect)
        p.setBrush(QColor(ink.red(), ink.green(), ink.blue(), 220))
        c, s = rect.center(), rect.width() / 24
        x, y = c.x(), c.y()
        if name == "toggle" and paused:
            p.drawPolygon(QPolygonF([QPointF(x - 3 * s, y - 5 * s),
                                     QPointF(x + 5 * s, y), QPointF(x - 3 * s, y + 5 * s)]))
        elif name == "toggle":
            for dx in (-3.5, 1.5):
                p.drawRoundedRect(QRectF(x + dx * s, y - 5 * s, 2 * s, 10 * s), 0.8, 0.8)
        elif name == "stop":
            p.drawRoundedRect(QRectF(x - 4.5 * s, y - 4.5 * s, 9 * s, 9 * s), 1.5, 1.5)
        else:
            for dx in (-5, 0, 5):
                p.drawEllipse(QPointF(x + dx * s, y), 1.5 * s, 1.5 * s)


HINT_HEIGHT = 24  # the hint's height for one line (each more line adds its own)
HINT_PX = 11      # the hint's font size
_WRAP = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap


def hint_font(widget: QWidget) -> QFont:
    font = QFont(widget.font())
    font.setPixelSize(HINT_PX)
    return font


def hint_height(widget: QWidget, text: str, width: int) -> int:
    """The hint's height: its lines wrapped to `width`, 0 when there is no hint."""
    if not text:
        return 0
    metrics = QFontMetrics(hint_font(widget))
    return HINT_HEIGHT + max(0, metrics.boundingRect(0, 0, width, 1000, _WRAP, text).height() - metrics.height())


def draw_hint(widget: QWidget, p: QPainter, text: str, color: QColor, rect: QRectF) -> None:
    """The hint, wrapped (never cut at the card's width)."""
    if text:
        p.setFont(hint_font(widget))
        p.setPen(color)
        p.drawText(rect, _WRAP, text)


def draw_card(p: QPainter, rect: QRectF, card: QColor, text: QColor, square: bool) -> None:
    """The card under everything: a plain fill (`square`, the main window) or a rounded card."""
    if square:
        p.fillRect(rect, card)
        return
    card.setAlpha(240)
    text.setAlpha(30)
    p.setPen(QPen(text, 1.0))
    p.setBrush(card)
    p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 26, 26)


def draw_note(widget: QWidget, p: QPainter, text: str, color: QColor, rect: QRectF) -> None:
    """The resume card's text, wrapped."""
    font = QFont(widget.font())
    font.setPixelSize(11)
    p.setFont(font)
    p.setPen(color)
    p.drawText(rect, _WRAP, text)


def text_box(widget: QWidget, px: int, y_center: float, width: float) -> QRect:
    """Where `draw_text` at `px` (its largest size) can draw, rounded out to whole pixels."""
    font = QFont(widget.font())
    font.setPixelSize(px)
    height = QFontMetrics(font).height()
    return QRectF((widget.width() - width) / 2, y_center - height / 2, width, height).toAlignedRect()


def arc_box(center: QPointF, radius: float, pen: float, f0: float, f1: float) -> QRect:
    """What a clockwise-from-noon arc drawn with `pen` changes when its fraction goes from `f0`
    to `f1`: the bounding box of the part between them, round caps and antialiasing included."""
    lo, hi = sorted((min(1.0, max(0.0, f0)), min(1.0, max(0.0, f1))))
    steps = max(1, math.ceil((hi - lo) * 72))  # a point every 5° at most: the box holds the bulge
    xs, ys = [], []
    for i in range(steps + 1):
        a = 2 * math.pi * (lo + (hi - lo) * i / steps)
        xs.append(center.x() + radius * math.sin(a))
        ys.append(center.y() - radius * math.cos(a))
    grow = pen / 2 + 2
    return QRectF(QPointF(min(xs) - grow, min(ys) - grow), QPointF(max(xs) + grow, max(ys) + grow)).toAlignedRect()
