"""The tray icon's picture is redrawn only when it changes."""

import pytest
from PySide6.QtWidgets import QMenu

from microsession.core.clock import FakeClock
from microsession.core.session import Engine
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.ui.session.controller import Controller
from microsession.ui.tray.icon import Tray


@pytest.fixture
def setup(qapp):
    clock = FakeClock()
    controller = Controller(Engine(clock), Journal(None), clock, Settings())
    clicks = []
    tray = Tray(controller, QMenu(), lambda: clicks.append(1), panel_dark=lambda: True)
    return controller, clock, tray


def test_icon_redrawn_only_on_picture_change(setup):
    controller, clock, tray = setup
    controller.start(15)  # 60 steps of 15 s
    after_start = tray.redraws
    for _ in range(14):  # 14 s: the same picture
        clock.advance(1)
        controller.wake()
    assert tray.redraws == after_start
    clock.advance(1.5)
    controller.wake()
    assert tray.redraws == after_start + 1
    assert "14 min left" in tray.icon.toolTip() or "15 min left" in tray.icon.toolTip()


def test_tooltip_says_time_left_and_idle_icon_has_no_arc(setup):
    controller, clock, tray = setup
    assert tray.icon.toolTip() == "Micro-Session — Ready"
    controller.start(25)
    clock.advance(60 * 10)
    controller.wake()
    assert tray.icon.toolTip() == "Micro-Session — Focus · 15 min left"
    controller.stop()
    assert tray.icon.toolTip() == "Micro-Session — Ready"


def test_set_look_redraws_once(setup):
    controller, clock, tray = setup
    controller.start(15)
    before = tray.redraws
    tray.set_look(dark=True, symbolic=False)  # no change: no redraw
    assert tray.redraws == before
    tray.set_look(dark=False, symbolic=True)
    assert tray.redraws == before + 1
    image = tray.icon.icon().pixmap(64, 64).toImage()
    inks = {image.pixelColor(x, y).getRgb()[:3] for x in range(64) for y in range(64)
            if image.pixelColor(x, y).alpha() > 200}
    assert inks and all(max(abs(a - b) for a, b in zip(rgb, (0x2E, 0x34, 0x36))) <= 3 for rgb in inks)
