"""The weekly review's small charts, drawn with QPainter (QtCharts is not shipped).

Each widget takes plain numbers through `set_data` and paints them; colours come from
ui.palette for the widget's own palette, so they read in dark and light surroundings.
A chart draws once into a picture kept while its numbers, size, palette and font stay: the
window's first showing paints it twice (on screen, then for grab or the PNG export), and
every repaint after the first is a copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from microsession.ui.palette import PhaseColors, colors, is_dark

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _Chart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture: QPixmap | None = None
        self._picture_key: tuple | None = None

    def fix_height(self, least: int) -> None:
        """As tall as sizeHint says, down to `least` when the window is short; as wide as the
        layout gives (QWidget's own size policy: importing QSizePolicy would make three enum
        types at the window's first opening, 0.8 ms)."""
        self.setMinimumHeight(least)
        self.setMaximumHeight(max(least, self.sizeHint().height()))

    def changed(self) -> None:
        """New numbers: drawn afresh at the next paint."""
        self._picture = None
        self.update()

    def draw(self, p: QPainter) -> None:
        raise NotImplementedError

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self.palette().cacheKey(), self.font().key())
        if self._picture is None or self._picture_key != key:
            picture = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            picture.setDevicePixelRatio(dpr)
            picture.fill(Qt.GlobalColor.transparent)
            p = QPainter(picture)
            self.draw(p)
            p.end()
            self._picture, self._picture_key = picture, key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._picture)
        p.end()

    def scheme(self, phase: str = "focus") -> PhaseColors:
        return colors(phase, is_dark(self.palette()))

    def small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return font


class SessionBars(_Chart):
    """Sessions per day: this week's bars, the average of the weeks before as a ghost bar behind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[int] = [0] * 7
        self.before: list[float] = [0.0] * 7
        self.fix_height(150)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 160)

    def set_data(self, values: Sequence[int], before: Sequence[float]) -> None:
        self.values, self.before = list(values), list(before)
        self.changed()

    def bar_rects(self) -> list[QRectF]:
        """This week's bars in widget coordinates (empty days: zero height at the base line)."""
        top, bottom = 18.0, self.height() - 20.0
        slot = self.width() / 7
        peak = max([1.0, *self.values, *self.before])
        out = []
        for i, v in enumerate(self.values):
            h = (bottom - top) * v / peak
            out.append(QRectF(i * slot + slot * 0.28, bottom - h, slot * 0.44, h))
        return out

    def draw(self, p: QPainter) -> None:
        c = self.scheme()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(self.small_font())
        top, bottom = 18.0, self.height() - 20.0
        slot = self.width() / 7
        peak = max([1.0, *self.values, *self.before])
        p.setPen(QPen(c.q("track"), 1))
        p.drawLine(0, int(bottom), self.width(), int(bottom))
        rects = self.bar_rects()
        for i, (v, b) in enumerate(zip(self.values, self.before)):
            if b > 0:
                h = (bottom - top) * b / peak
                p.fillRect(QRectF(i * slot + slot * 0.18, bottom - h, slot * 0.64, h), c.q("track"))
            rect = rects[i]
            if v > 0:
                p.fillRect(rect, c.q("arc"))
            p.setPen(c.q("text"))
            label_rect = QRectF(i * slot, rect.top() - 16, slot, 14)
            p.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, str(v))
            p.setPen(c.q("muted"))
            p.drawText(QRectF(i * slot, bottom + 3, slot, 16), Qt.AlignmentFlag.AlignCenter, WEEKDAYS[i])


class EnergyHeat(_Chart):
    """Energy after sessions by weekday (rows) and hour (columns): a small heat map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells: dict[tuple[int, int], tuple[float, int]] = {}
        self.fix_height(7 * 14 + 22)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 7 * 14 + 24)

    def set_data(self, cells: Mapping[tuple[int, int], tuple[float, int]]) -> None:
        """{(weekday, hour): (mean energy 1-5, rated sessions)}."""
        self.cells = dict(cells)
        self.changed()

    def hours(self) -> range:
        used = [h for _, h in self.cells] or [9, 17]
        first, last = min(min(used), 8), max(max(used), 18)
        return range(first, last + 1)

    def color_for(self, mean: float, ends: tuple[QColor, QColor] | None = None) -> QColor:
        """Low energy: the paused amber; high: the break green; in between mixed."""
        low, high = ((c.redF(), c.greenF(), c.blueF()) for c in (ends or self.color_ends()))
        t = min(1.0, max(0.0, (mean - 1) / 4))
        return QColor.fromRgbF(*(a + (b - a) * t for a, b in zip(low, high)))

    def color_ends(self) -> tuple[QColor, QColor]:
        dark = is_dark(self.palette())
        return QColor(colors("paused", dark).arc), QColor(colors("break", dark).arc)

    def draw(self, p: QPainter) -> None:
        c = self.scheme()
        p.setFont(self.small_font())
        hours = self.hours()
        ends = self.color_ends()
        left, top, row_h = 34.0, 2.0, 14.0
        col_w = (self.width() - left) / len(hours)
        muted, empty = c.q("muted"), c.q("track", 120)
        for wd in range(7):
            p.setPen(muted)
            p.drawText(QRectF(0, top + wd * row_h, left - 4, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, WEEKDAYS[wd])
            for j, h in enumerate(hours):
                cell = QRectF(left + j * col_w + 1, top + wd * row_h + 1, col_w - 2, row_h - 2)
                mean_n = self.cells.get((wd, h))
                p.fillRect(cell, self.color_for(mean_n[0], ends) if mean_n else empty)
        p.setPen(c.q("muted"))
        for j, h in enumerate(hours):
            if h % 3 == 0:
                p.drawText(QRectF(left + j * col_w - 10, top + 7 * row_h + 2, col_w + 20, 16), Qt.AlignmentFlag.AlignCenter, str(h))


class LengthBars(_Chart):
    """Mean energy by session length, with the number of rated sessions; the sweet spot marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float | None, int]] = []
        self.best: str | None = None
        self.fix_height(5 * 18 + 4)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, 5 * 18 + 6)

    def set_data(self, rows: Sequence[tuple[str, float | None, int]], best: str | None) -> None:
        """[(label, mean energy or None, rated sessions)]; `best`: the label to mark."""
        self.rows, self.best = list(rows), best
        self.fix_height(len(self.rows) * 18 + 4)
        self.changed()

    def draw(self, p: QPainter) -> None:
        c = self.scheme()
        p.setFont(self.small_font())
        label_w, count_w = 74.0, 58.0
        span = self.width() - label_w - count_w
        for i, (label, mean, n) in enumerate(self.rows):
            y = 2 + i * 18
            p.setPen(c.q("text") if label == self.best else c.q("muted"))
            p.drawText(QRectF(0, y, label_w - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            p.fillRect(QRectF(label_w, y + 3, span, 10), c.q("track"))
            if mean is not None:
                colour = c.q("arc") if label == self.best else colors("idle", is_dark(self.palette())).q("arc")
                p.fillRect(QRectF(label_w, y + 3, span * mean / 5, 10), colour)
            text = "–" if mean is None else f"{mean:.1f} ({n})"
            p.setPen(c.q("muted"))
            p.drawText(QRectF(label_w + span + 6, y, count_w, 16), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
