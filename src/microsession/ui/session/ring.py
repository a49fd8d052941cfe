"""The progress-ring window: a small frameless card that paints the RingView it is handed.

Pure drawing, no business logic. On Wayland it can also host the end-of-session form in
its own window (`host_form`): there a new window is placed by the compositor (sway put the
popup over the ring) and takes the keyboard on mapping; a form inside the ring, already on
screen, opens where the ring is and takes nothing until clicked. It repaints only when a new, different view arrives while
it is visible, when the hover state changes, or when the resume card's first seconds are over
(its one single-shot timer); a view that differs only in its time repaints only the digits
and the arc's moving end. The accessible description is set only when its words change,
and not while the ring is hidden (it is brought up to date on showing).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPen, QPixmap, QRegion
from PySide6.QtWidgets import QApplication, QMenu, QToolTip, QWidget

from microsession.core.format import minutes_text
from microsession.ui.palette import colors, is_dark
from microsession.ui.session.ring_paint import (HINT_HEIGHT, arc_box, draw_buttons, draw_card, draw_hint, draw_note,
                                                draw_text, hint_height, text_box)

SIDE = 180           # the ring square, px
NOTE_HEIGHT = 62     # extra height while the resume card shows
MAX_HEIGHT = SIDE + HINT_HEIGHT + NOTE_HEIGHT  # with both: the room its first place leaves below it
NOTE_FRESH_MS = 12000  # the resume card shows this long after a start, then on hover
PEN = 9.0            # arc and track width
RING_MARGIN = 17.0   # card edge -> outer edge of the arc
DIGITS_PX, DIGITS_WIDTH = 34, 118  # the time's largest font size and its room
BUTTON = 24.0        # hover buttons' diameter
ACTIVE_PHASES = ("focus", "deep", "break", "paused")
_TIPS = {"toggle": "Pause", "stop": "Stop", "menu": "Menu"}


@dataclass(frozen=True)
class RingView:
    """Everything the ring shows; the caller formats the text."""

    phase: str            # "idle" | "focus" | "deep" | "break" | "paused" | "done"
    fraction_left: float  # 0..1 (1 = full ring)
    time_text: str        # "12:34"
    title: str            # "Focus", "Deep work", "Break", "Paused", "Done ✓"
    subtitle: str = ""    # task name or a hint
    step_text: str = ""   # "step 2 of 5"
    remaining_s: float = 0.0  # for screen readers: "Focus, 12 min left"

    def still(self) -> tuple:
        """What does not change as the time runs (the rest: the digits and the arc)."""
        return self.phase, self.title, self.subtitle, self.step_text


class RingWindow(QWidget):
    """A floating progress ring with hover pause/resume, stop and menu buttons."""

    pause_clicked = Signal()
    resume_clicked = Signal()
    stop_clicked = Signal()
    moved = Signal(QPoint)
    visibility_changed = Signal(bool)
    clicked = Signal()  # main-window mode: a left click on the card (not a button), Space or Enter
    close_requested = Signal()  # main-window mode: the window's close button (the app has no other)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ring")
        self.setWindowTitle("Micro-Session")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setMouseTracking(True)
        self._view = RingView("idle", 0.0, "", "")
        self._painted: RingView | None = None
        self.time_shown = ""  # the digits as last painted (shrunk to fit, never cut)
        self._bg_key: tuple | None = None
        self._bg = QPixmap()
        self._digits = QRect()  # where the time can draw (with the background, drawn once per change)
        self._hint = ""
        self._note = ""  # the resume card: "Last time: stopped at … · Next: …"
        self._note_fresh = False
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.timeout.connect(self._note_aged)
        self._menu: QMenu | None = None
        self._on_top = self._main_mode = self._hovered = False
        self._hot: str | None = None       # the button under the pointer
        self._pressed: str | None = None   # the button a press started on
        self._drag_offset: QPoint | None = None
        self._drag_start = QPoint()
        self._dragging = self._reflagging = False
        self._form: QWidget | None = None
        self._description = ""  # as last set: Qt's accessibility bridge hears of each new one
        self.setAccessibleName("Micro-Session timer")
        self._apply_flags()
        self._apply_size()

    # ---- public API -------------------------------------------------------------
    def view(self) -> RingView:
        return self._view

    def render_view(self, view: RingView) -> None:
        """Store the view; while visible, repaint what differs from the last paint."""
        self._view, painted = view, self._painted
        if not self.isVisible() or view == painted:
            return
        self._describe(view)
        if painted is None or painted.still() != view.still():
            self.update()  # the phase or a text changed
            return
        center, radius = self.ring_geometry()  # only the time moved on: the digits, the arc's end
        arc = arc_box(center, radius, PEN, painted.fraction_left, view.fraction_left)
        self.update(QRegion(self._digits).united(arc))

    def _describe(self, view: RingView) -> None:
        """The accessible description: what runs and the minutes left (it changes once a minute)."""
        parts = [view.title or "Ready"]
        if view.phase in ACTIVE_PHASES:
            parts.append(f"{minutes_text(view.remaining_s)} left")
        text = ", ".join(parts + [t for t in (view.subtitle, view.step_text) if t])
        if text != self._description:
            self._description = text
            self.setAccessibleDescription(text)

    def set_always_on_top(self, on: bool) -> None:
        if on != self._on_top:
            self._on_top = on
            self._apply_flags()

    def set_main_window_mode(self, on: bool) -> None:
        """A normal decorated window in the task bar (for desktops without a tray), that
        takes the keyboard: the menu key or Shift+F10 opens the menu, Space or Enter clicks."""
        if on != self._main_mode:
            self._main_mode = on
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if on else Qt.FocusPolicy.NoFocus)
            self._apply_flags()
            self.update()

    def set_menu(self, menu: QMenu | None) -> None:
        self._menu = menu
        self.update()

    def set_hint(self, text: str) -> None:
        """A one-line hint under the ring; empty removes it."""
        if text != self._hint:
            self._hint = text
            self._apply_size()
            self.update()

    def set_note(self, text: str) -> None:
        """The resume card under the ring: shown for a few seconds now, then while hovered."""
        self._note = text
        self._note_fresh = bool(text)
        if text:
            self._note_timer.start(NOTE_FRESH_MS)
        else:
            self._note_timer.stop()
        self._apply_size()
        self.update()

    def note(self) -> str:
        return self._note

    def note_shown(self) -> bool:
        return bool(self._note) and (self._note_fresh or self._hovered)

    def _note_aged(self) -> None:
        self._note_fresh = False
        self._apply_size()
        self.update()

    def ring_geometry(self) -> tuple[QPointF, float]:
        """The ring's centre and the radius of the arc's centre line, in widget px."""
        return QPointF(SIDE / 2, SIDE / 2), SIDE / 2 - RING_MARGIN - PEN / 2

    def button_rects(self) -> dict[str, QRectF]:
        """Hit areas of the buttons this view offers: "toggle", "stop", "menu"."""
        pad, rects = 9.0, {}
        if self._view.phase in ACTIVE_PHASES:
            rects["toggle"] = QRectF(pad, SIDE - pad - BUTTON, BUTTON, BUTTON)
            rects["stop"] = QRectF(SIDE - pad - BUTTON, SIDE - pad - BUTTON, BUTTON, BUTTON)
        if self._menu is not None:
            rects["menu"] = QRectF(SIDE - pad - BUTTON, pad, BUTTON, BUTTON)
        return rects

    # ---- window state -----------------------------------------------------------
    def _apply_flags(self) -> None:
        if self._main_mode:
            flags = Qt.WindowType.Window
        else:
            flags = Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
        if self._on_top:
            flags |= Qt.WindowType.WindowStaysOnTopHint
        visible, pos = self.isVisible(), self.pos()
        self._reflagging = True
        try:
            self.setWindowFlags(flags)
            self.move(pos)
            if visible:
                self.show()
        finally:
            self._reflagging = False

    def hint_height(self) -> int:
        return hint_height(self, self._hint, SIDE - 20)

    def host_form(self, form: QWidget) -> None:
        """Show `form` inside this window, in place of the ring, while it is not hidden."""
        self._form = form
        form.setParent(self, Qt.WindowType.Widget)
        form.setAutoFillBackground(True)
        form.installEventFilter(self)
        form.hide()

    def form_shown(self) -> bool:
        return self._form is not None and not self._form.isHidden()

    def eventFilter(self, watched, event: QEvent) -> bool:  # noqa: N802
        if watched is self._form and event.type() in (QEvent.Type.Show, QEvent.Type.Hide,
                                                     QEvent.Type.LayoutRequest):
            self._apply_size()
            self.update()
        return super().eventFilter(watched, event)

    def _apply_size(self) -> None:
        if self.form_shown():
            size = self._form.sizeHint().expandedTo(self._form.minimumSize()).boundedTo(self._form.maximumSize())
            self._form.setGeometry(0, 0, size.width(), size.height())
            self.setFixedSize(size)
            return
        self.setFixedSize(SIDE, SIDE + self.hint_height() + (NOTE_HEIGHT if self.note_shown() else 0))

    # ---- painting ---------------------------------------------------------------
    def paintEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        if self.form_shown():
            return  # the form paints the whole window
        view = self._view
        self._painted = view
        dark = is_dark(self.palette())
        pal = colors(view.phase, dark)
        p = QPainter(self)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.drawPixmap(0, 0, self._background(view, dark, pal))  # card, track and the still texts
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        center, radius = self.ring_geometry()
        fraction = min(1.0, max(0.0, view.fraction_left))
        if fraction > 0.0:
            pen = QPen(pal.q("arc"), PEN)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            ring = QRectF(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius)
            p.drawArc(ring, 90 * 16, -round(fraction * 360 * 16))  # clockwise from noon
        self.time_shown = draw_text(self, p, view.time_text, DIGITS_PX, QFont.Weight.Normal, pal.q("text"),
                                    center.y() + 1, DIGITS_WIDTH, min_px=20)
        if self._hovered:
            draw_buttons(p, pal.q("text"), self.button_rects(), self._hot, self._view.phase == "paused")
        p.end()

    def _background(self, view: RingView, dark: bool, pal) -> QPixmap:
        """What changes only with the phase, the texts or the theme, drawn once per change:
        a per-second repaint then costs one blit, the arc and the digits."""
        ratio = self.devicePixelRatioF()
        note = self._note if self.note_shown() else ""
        key = (view.phase, view.title, view.subtitle, view.step_text, dark, self._hint, note,
               self._main_mode, self.width(), self.height(), ratio,
               self.palette().color(self.backgroundRole()).rgba())
        if self._bg_key != key:
            pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            card = QColor(self.palette().color(self.backgroundRole()))
            draw_card(p, QRectF(self.rect()), card, QColor(pal.text), self._main_mode)
            center, radius = self.ring_geometry()
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(pal.q("track"), PEN))
            p.drawEllipse(center, radius, radius)
            cy = center.y()
            draw_text(self, p, view.title, 12, QFont.Weight.DemiBold, pal.q("arc"), cy - 29, 96, 0.6)
            draw_text(self, p, view.subtitle, 11, QFont.Weight.Normal, pal.q("muted"), cy + 28, 110)
            draw_text(self, p, view.step_text, 10, QFont.Weight.Normal, pal.q("muted", 190), cy + 44, 84)
            draw_hint(self, p, self._hint, pal.q("muted"), QRectF(10, SIDE - 4, SIDE - 20, self.hint_height()))
            if note:
                top = SIDE + self.hint_height() - 8
                draw_note(self, p, note, pal.q("text"), QRectF(14, top, SIDE - 28, NOTE_HEIGHT - 6))
            p.end()
            self._bg_key, self._bg = key, pixmap
            self._digits = text_box(self, DIGITS_PX, cy + 1, DIGITS_WIDTH)
        return self._bg

    # ---- input ------------------------------------------------------------------
    def _button_at(self, pos: QPointF) -> str | None:
        return next((n for n, r in self.button_rects().items() if r.contains(pos)), None)

    def _set_hot(self, name: str | None) -> None:
        if name != self._hot:
            self._hot = name
            self.update()

    def _activate(self, name: str) -> None:
        if name == "menu" and self._menu is not None:
            corner = self.button_rects()["menu"].bottomLeft().toPoint()
            self._menu.popup(self.mapToGlobal(corner))
        elif name == "toggle":
            paused = self._view.phase == "paused"
            (self.resume_clicked if paused else self.pause_clicked).emit()
        elif name == "stop":
            self.stop_clicked.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._pressed = self._button_at(event.position())
        if self._pressed is not None or self._main_mode:
            return
        if QGuiApplication.platformName().startswith("wayland") and self.windowHandle():
            self.windowHandle().startSystemMove()  # clients cannot place windows there
            return
        self._drag_start = event.globalPosition().toPoint()
        self._drag_offset = self._drag_start - self.pos()
        self._dragging = False

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag_offset is not None and event.buttons() & Qt.MouseButton.LeftButton:
            now = event.globalPosition().toPoint()
            if (now - self._drag_start).manhattanLength() >= QApplication.startDragDistance():
                self._dragging = True
            if self._dragging:
                self.move(now - self._drag_offset)
            return
        self._set_hot(self._button_at(event.position()))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        pressed, self._pressed = self._pressed, None
        if pressed is not None and pressed == self._button_at(event.position()):
            self._activate(pressed)
        elif pressed is None and self._main_mode and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        elif self._drag_offset is not None and self._dragging:
            self.moved.emit(self.pos())
        self._drag_offset, self._dragging = None, False

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        if self._menu is not None:
            keyboard = event.reason() == event.Reason.Keyboard  # the menu key, Shift+F10
            self._menu.popup(self.mapToGlobal(QPoint(SIDE // 2, SIDE // 3)) if keyboard else event.globalPos())
            event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if self._main_mode and key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.clicked.emit()
        elif self._main_mode and self._menu is not None and (
                key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier)):
            self._menu.popup(self.mapToGlobal(QPoint(SIDE // 2, SIDE // 3)))
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._main_mode:  # with no tray this window is the app: closing it quits
            self.close_requested.emit()
        super().closeEvent(event)

    def enterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self._apply_size()
        self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hovered, self._hot = False, None
        self._apply_size()
        self.update()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            name = self._button_at(QPointF(event.pos())) or ""
            paused = name == "toggle" and self._view.phase == "paused"
            QToolTip.showText(event.globalPos(), "Resume" if paused else _TIPS.get(name, ""), self)
            return True  # an empty text hides the tip
        return super().event(event)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._describe(self._view)
        self.update()
        if not self._reflagging and not event.spontaneous():
            self.visibility_changed.emit(True)

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        if not self._reflagging and not event.spontaneous():
            self.visibility_changed.emit(False)
