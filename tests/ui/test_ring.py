"""The ring window: pixels at known angles, paint economy, buttons, drag and window state."""

from __future__ import annotations

import math
from functools import partial

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QEnterEvent, QMouseEvent, QRegion
from PySide6.QtWidgets import QApplication, QMenu

from microsession.core.format import clock_text
from microsession.ui.palette import colors, dark_palette, light_palette
from microsession.ui.session.ring import SIDE, RingView, RingWindow


class CountingRing(RingWindow):
    def __init__(self) -> None:
        self.descriptions: list[str] = []  # each accessible description set
        super().__init__()
        self.paints = 0
        self.regions: list[QRegion] = []

    def paintEvent(self, event) -> None:  # noqa: N802
        self.paints += 1
        self.regions.append(QRegion(event.region()))
        super().paintEvent(event)

    def setAccessibleDescription(self, text: str) -> None:  # noqa: N802
        self.descriptions.append(text)
        super().setAccessibleDescription(text)


@pytest.fixture
def ring(qtbot) -> CountingRing:
    widget = CountingRing()
    qtbot.addWidget(widget)
    return widget


def view(phase: str = "focus", fraction: float = 0.25, **kw) -> RingView:
    return RingView(phase, fraction, kw.pop("time_text", "12:34"), kw.pop("title", "Focus"), **kw)


def color_at_angle(widget: RingWindow, degrees: float) -> QColor:
    """The grabbed pixel on the arc's centre line, `degrees` clockwise from 12 o'clock."""
    image = widget.grab().toImage()
    dpr = image.devicePixelRatio()
    center, radius = widget.ring_geometry()
    x = center.x() + radius * math.sin(math.radians(degrees))
    y = center.y() - radius * math.cos(math.radians(degrees))
    return image.pixelColor(int(x * dpr), int(y * dpr))


def near(a: QColor, b: QColor | str, tol: int = 10) -> bool:
    b = QColor(b)
    return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
@pytest.mark.parametrize(
    ("fraction", "inside", "outside"),
    [(0.25, [10, 45, 80], [110, 180, 270, 350]), (0.75, [45, 135, 225, 260], [290, 315, 345])],
)
def test_arc_covers_the_fraction_left_clockwise_from_noon(ring, dark, fraction, inside, outside):
    ring.setPalette(dark_palette() if dark else light_palette())
    ring.render_view(view("focus", fraction))
    expected = colors("focus", dark)
    for angle in inside:
        got = color_at_angle(ring, angle)
        assert near(got, expected.arc), (angle, got.name(), expected.arc)
    for angle in outside:
        got = color_at_angle(ring, angle)
        assert near(got, expected.track), (angle, got.name(), expected.track)
        assert not near(got, expected.arc, tol=40)


@pytest.mark.parametrize("phase", ["deep", "break", "paused"])
def test_each_phase_paints_its_own_colour(ring, phase):
    ring.setPalette(dark_palette())
    ring.render_view(view(phase, 0.5))
    got = color_at_angle(ring, 90)
    assert near(got, colors(phase, True).arc)
    assert not near(got, colors("focus", True).arc, tol=20)


def test_empty_and_full_ring(ring):
    ring.setPalette(light_palette())
    ring.render_view(view("focus", 0.0))
    assert all(near(color_at_angle(ring, a), colors("focus", False).track) for a in (0, 90, 270))
    ring.render_view(view("focus", 1.0))
    assert all(near(color_at_angle(ring, a), colors("focus", False).arc) for a in (0, 90, 270))


def test_dark_and_light_cards_differ(ring):
    center, _ = ring.ring_geometry()
    ring.setPalette(dark_palette())
    dark_card = ring.grab().toImage().pixelColor(int(center.x()), 12)
    ring.setPalette(light_palette())
    light_card = ring.grab().toImage().pixelColor(int(center.x()), 12)
    assert dark_card.lightnessF() < 0.3 < 0.8 < light_card.lightnessF()


def test_equal_view_does_not_repaint_but_a_new_one_does(ring, qtbot):
    ring.render_view(view(fraction=0.5))
    ring.show()
    qtbot.waitExposed(ring)
    qtbot.waitUntil(lambda: ring.paints >= 1)
    settle()
    painted = ring.paints
    ring.render_view(view(fraction=0.5))  # equal, not identical
    settle()
    assert ring.paints == painted
    ring.render_view(view(fraction=0.4, time_text="06:00"))
    qtbot.waitUntil(lambda: ring.paints > painted)


def test_hidden_window_never_paints(ring, qtbot):
    for i in range(5):
        ring.render_view(view(fraction=i / 5))
    settle()
    assert ring.paints == 0
    ring.show()
    qtbot.waitUntil(lambda: ring.paints >= 1)
    ring.hide()
    settle()
    painted = ring.paints
    ring.render_view(view(fraction=0.9))
    settle()
    assert ring.paints == painted


def second(left: float, planned: float = 900.0, **kw) -> RingView:
    """The view of a running focus session with `left` seconds to go."""
    return RingView("focus", left / planned, clock_text(left), kw.pop("title", "Focus"), remaining_s=left, **kw)


def shown(ring, qtbot, first: RingView) -> None:
    ring.render_view(first)
    ring.move(40, 40)
    ring.show()
    qtbot.waitExposed(ring)
    qtbot.waitUntil(lambda: ring.paints >= 1)
    settle()


def test_a_new_second_repaints_only_the_digits_and_the_arc_end(ring, qtbot):
    shown(ring, qtbot, second(450))
    painted = ring.paints
    ring.render_view(second(449))
    qtbot.waitUntil(lambda: ring.paints > painted)
    region = QRegion()
    for r in ring.regions[painted:]:
        region = region.united(r)
    area = sum(r.width() * r.height() for r in region)
    assert area < 0.25 * SIDE * SIDE, f"{area} px of {SIDE * SIDE} repainted for one second"
    center, radius = ring.ring_geometry()
    end = QPoint(round(center.x() + radius * math.sin(math.pi * 449 / 450)),
                 round(center.y() - radius * math.cos(math.pi * 449 / 450)))
    assert region.contains(center.toPoint()) and region.contains(end)  # the digits, the arc's end
    assert not region.contains(QPoint(round(center.x() + radius), round(center.y())))  # 3 o'clock: the arc
    painted = ring.paints
    ring.render_view(second(448, title="Paused"))  # a text changed: all of it
    qtbot.waitUntil(lambda: ring.paints > painted)
    assert ring.regions[-1].contains(ring.rect())


def _max_difference(a, b) -> int:
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            if a.pixel(x, y) != b.pixel(x, y):
                pa, pb = QColor.fromRgba(a.pixel(x, y)), QColor.fromRgba(b.pixel(x, y))
                worst = max(worst, *(abs(u - v) for u, v in zip(pa.getRgb(), pb.getRgb())))
    return worst


def test_a_minute_of_partial_repaints_leaves_what_a_full_paint_shows(ring, qtbot):
    """On screen (the window's backing store), not by grab() (which paints it all anew)."""
    shown(ring, qtbot, second(450))
    for left in range(449, 389, -1):
        ring.render_view(second(left))
        settle()
    fresh = CountingRing()
    qtbot.addWidget(fresh)
    shown(fresh, qtbot, second(390))
    grab = lambda w: w.screen().grabWindow(w.winId()).toImage()  # noqa: E731
    got, want = grab(ring), grab(fresh)
    assert ring.time_shown == "06:30"
    # Antialiasing along the arc's body varies a little with its length; a stale digit or
    # arc end would differ by far more (arc against track, ink against card).
    assert _max_difference(got, want) <= 48


def test_the_description_is_set_when_its_words_change_and_not_while_hidden(ring, qtbot):
    for left in range(900, 880, -1):
        ring.render_view(second(left))
    assert ring.descriptions == [] and ring.accessibleDescription() == ""
    shown(ring, qtbot, second(880))
    assert ring.descriptions == ["Focus, 15 min left"]
    for left in range(879, 779, -1):  # 100 s: 15 -> 14 min at 840 s left, -> 13 min at 780 s
        ring.render_view(second(left))
    assert ring.descriptions == ["Focus, 15 min left", "Focus, 14 min left", "Focus, 13 min left"]
    ring.hide()
    for left in range(779, 600, -1):
        ring.render_view(second(left))
    assert len(ring.descriptions) == 3
    ring.show()
    assert ring.descriptions[-1] == "Focus, 11 min left"


def test_visibility_signal_and_flags_keep_visibility(ring, qtbot):
    with qtbot.waitSignal(ring.visibility_changed) as shown:
        ring.show()
    assert shown.args == [True]
    with qtbot.assertNotEmitted(ring.visibility_changed):
        ring.set_always_on_top(True)
    assert ring.isVisible()
    assert ring.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert ring.windowFlags() & Qt.WindowType.FramelessWindowHint
    ring.set_always_on_top(False)
    assert not ring.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    with qtbot.waitSignal(ring.visibility_changed) as hidden:
        ring.hide()
    assert hidden.args == [False]


def test_identity_and_main_window_mode(ring):
    assert ring.windowTitle() == "Micro-Session"
    assert ring.objectName() == "ring"
    assert (ring.width(), ring.height()) == (SIDE, SIDE)
    assert ring.windowFlags() & Qt.WindowType.Tool == Qt.WindowType.Tool
    ring.set_main_window_mode(True)
    assert not ring.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert ring.windowFlags() & Qt.WindowType.Tool != Qt.WindowType.Tool
    ring.set_main_window_mode(False)
    assert ring.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_hint_grows_the_window(ring):
    ring.set_hint("Right-click for the menu")
    assert ring.height() > SIDE
    ring.set_hint("")
    assert ring.height() == SIDE


@pytest.mark.parametrize(
    ("phase", "button", "signal"),
    [("focus", "toggle", "pause_clicked"), ("paused", "toggle", "resume_clicked"),
     ("break", "stop", "stop_clicked")],
)
def test_buttons_emit(ring, qtbot, phase, button, signal):
    ring.render_view(view(phase, 0.5))
    ring.show()
    qtbot.waitExposed(ring)
    fired: list[str] = []
    for name in ("pause_clicked", "resume_clicked", "stop_clicked"):
        getattr(ring, name).connect(partial(fired.append, name))
    point = ring.button_rects()[button].center().toPoint()
    qtbot.mouseClick(ring, Qt.MouseButton.LeftButton, pos=point)
    assert fired == [signal]


def test_no_transport_buttons_when_idle(ring):
    ring.render_view(view("idle", 0.0))
    assert "toggle" not in ring.button_rects() and "stop" not in ring.button_rects()


def test_buttons_appear_on_hover(ring):
    ring.setPalette(dark_palette())
    ring.render_view(view("focus", 0.5))
    point = ring.button_rects()["stop"].center()
    before = ring.grab().toImage().pixelColor(point.toPoint())
    QApplication.sendEvent(ring, QEnterEvent(QPointF(90, 90), QPointF(90, 90), QPointF(90, 90)))
    after = ring.grab().toImage().pixelColor(point.toPoint())
    assert not near(before, after, tol=30)
    QApplication.sendEvent(ring, QEvent(QEvent.Type.Leave))
    assert near(ring.grab().toImage().pixelColor(point.toPoint()), before, tol=2)


def _mouse(ring: RingWindow, kind: QEvent.Type, local: QPoint, buttons, origin: QPoint) -> None:
    global_pos = QPointF(origin + local)  # as if the pointer moved over a still desktop
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(local), global_pos, button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(ring, event)


def test_drag_moves_and_reports_once(ring, qtbot):
    ring.render_view(view("focus", 0.5))
    ring.move(100, 100)
    ring.show()
    qtbot.waitExposed(ring)
    start = ring.pos()
    received: list[QPoint] = []
    ring.moved.connect(received.append)
    left = Qt.MouseButton.LeftButton
    _mouse(ring, QEvent.Type.MouseButtonPress, QPoint(90, 40), left, start)
    for step in range(1, 6):
        _mouse(ring, QEvent.Type.MouseMove, QPoint(90 + 8 * step, 40 + 6 * step), left, start)
    assert received == []
    _mouse(ring, QEvent.Type.MouseButtonRelease, QPoint(130, 70), Qt.MouseButton.NoButton, start)
    assert ring.pos() == start + QPoint(40, 30)
    assert received == [ring.pos()]


def test_click_without_drag_does_not_report_a_move(ring, qtbot):
    ring.show()
    qtbot.waitExposed(ring)
    with qtbot.assertNotEmitted(ring.moved):
        qtbot.mouseClick(ring, Qt.MouseButton.LeftButton, pos=QPoint(90, 40))


def test_context_menu_pops_up(ring, qtbot):
    menu = QMenu()
    menu.addAction("Settings")
    qtbot.addWidget(menu)
    ring.set_menu(menu)
    ring.show()
    qtbot.waitExposed(ring)
    QApplication.sendEvent(ring, QContextMenuEvent(QContextMenuEvent.Reason.Mouse,
                                                   QPoint(90, 90), ring.mapToGlobal(QPoint(90, 90))))
    qtbot.waitUntil(menu.isVisible)
    menu.hide()
    assert "menu" in ring.button_rects()
