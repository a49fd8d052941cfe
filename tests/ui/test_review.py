"""The weekly review window on the synthetic history (tests/core/test_metrics.py), offscreen."""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette

from microsession.store import db
from microsession.ui.palette import colors, dark_palette, light_palette


def _load(relative: str):
    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(path.stem + "_shared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STORE_TESTS = _load("store/test_metrics_store.py")
H = STORE_TESTS.H
# Two more completed sessions on Wednesday: the tallest bar is Wednesday's (3)
EXTRA = [(datetime(2026, 3, 25, 15, 0), H.CET, "micro", 15, 900, "completed", 5, False, None),
         (datetime(2026, 3, 25, 16, 0), H.CET, "micro", 15, 900, "completed", 4, False, None)]

# Berlin as a POSIX rule (CET, CEST from the last Sunday of March 02:00 to the last Sunday of
# October 03:00): needs no tzdata on the machine.
BERLIN_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", BERLIN_TZ)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def conn(tmp_path, berlin):
    c = db.connect(tmp_path / "m.sqlite3")
    STORE_TESTS.write_history(c, H.HISTORY + EXTRA)
    yield c
    c.close()


def open_window(qtbot, conn, palette):
    from microsession.ui.windows.review import ReviewWindow

    window = ReviewWindow(conn, lambda: H.NOW)
    window.setPalette(palette)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def bar_tops(image: QImage, arc: QColor) -> list[int | None]:
    """For each of the 7 day slots, the topmost row whose centre pixel is the bar colour."""
    slot = image.width() / 7
    tops = []
    for i in range(7):
        x = int(i * slot + slot / 2)
        top = next((y for y in range(image.height()) if image.pixelColor(x, y).rgb() == arc.rgb()), None)
        tops.append(top)
    return tops


@pytest.mark.parametrize("palette, dark", [(dark_palette, True), (light_palette, False)])
def test_tallest_bar_is_wednesday(qtbot, conn, palette, dark):
    window = open_window(qtbot, conn, palette())
    assert window.sentence.text() == "9 sessions, 3 h 52 min of focus"
    assert [d.completed for d in window.review.days] == [2, 1, 3, 1, 0, 0, 2]
    image = window.bars.grab().toImage()
    tops = bar_tops(image, QColor(colors("focus", dark).arc))
    assert tops[4] is None and tops[5] is None  # Friday and Saturday: no bar
    highest = min((t, i) for i, t in enumerate(tops) if t is not None)[1]
    assert highest == 2, tops  # Wednesday
    assert tops[0] == tops[6] and tops[1] == tops[3] and tops[0] < tops[1]  # 2 = 2, 1 = 1, 2 above 1


def test_texts_heat_map_and_navigation(qtbot, conn):
    window = open_window(qtbot, conn, dark_palette())
    assert window.title.text() == "This week: 23 Mar – 29 Mar 2026"
    assert window.comparison.text() == "8 more sessions than the average of the 1 week before"
    assert window.never.text() == "Never finished: research" and window.never.isVisible()
    assert window.sweet.text() == "Sweet spot: 8 more days of data"
    assert "No research task got finished" in window.advice.text()
    assert window.heat.cells[(2, 15)] == (5.0, 1) and window.heat.cells[(3, 21)] == (3.0, 1)
    heat = window.heat.grab().toImage()
    assert heat.width() > 100 and not heat.isNull()
    assert window.next_button.isEnabled() is False and window.prev_button.isEnabled()
    window.prev_button.click()
    assert window.title.text() == "Last week: 16 Mar – 22 Mar 2026"
    assert window.sentence.text() == "1 session, 25 min of focus"
    assert window.prev_button.isEnabled() is False  # the first week with data
    assert window.bars_caption.text() == "Sessions per day"  # no weeks before to average
    window.next_button.click()
    assert window.weeks_back == 0 and window.sentence.text().startswith("9 sessions")


def test_keyboard(qtbot, conn):
    window = open_window(qtbot, conn, dark_palette())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts work in the active window
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.weeks_back == 1
    qtbot.keyClick(window, Qt.Key.Key_Left)  # the first week with data: stays
    assert window.weeks_back == 1
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.weeks_back == 0
    assert window.bars.accessibleName().startswith("Sessions per day: Monday 2, Tuesday 1, Wednesday 3")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_export_png(qtbot, conn, tmp_path):
    window = open_window(qtbot, conn, light_palette())
    path = tmp_path / "week.png"
    assert window.export_png(path)
    image = QImage(str(path))
    assert not image.isNull() and image.size() == window.size() * window.devicePixelRatio()
    assert not window.export_png(tmp_path / "no such folder" / "week.png")


def test_empty_database_and_unreadable_data(qtbot, tmp_path, berlin):
    c = db.connect(tmp_path / "empty.sqlite3")
    window = open_window(qtbot, c, dark_palette())
    assert window.sentence.text() == "0 sessions, 0 min of focus"
    assert window.comparison.text() == "The first week with data"
    assert not window.prev_button.isEnabled() and not window.never.isVisible()
    window.bars.grab()  # paints without data
    c.execute("DROP TABLE session_logs")  # a broken schema: a line in the window, no traceback
    window.show_week(0)
    assert window.message.isVisible() and window.message.text().startswith("Could not read your data")
    c.close()


def test_review_module_is_not_loaded_by_the_app_modules():
    import subprocess

    code = ("import sys, microsession.ui.shell, microsession.ui.windows.opener;"
            "sys.exit(1 if 'microsession.ui.windows.review' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (4.5 is the floor for small text)."""
    def lum(c: QColor) -> float:
        ch = [x / 255 for x in (c.red(), c.green(), c.blue())]
        ch = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_exported_png_has_no_buttons_and_the_counts_say_what_they_count(qtbot, conn, tmp_path):
    window = open_window(qtbot, conn, light_palette())
    path = tmp_path / "week.png"
    assert window.export_png(path)
    image = QImage(str(path))
    dpr = window.devicePixelRatio()
    background = window.palette().color(window.backgroundRole()).rgb()
    for button in (window.prev_button, window.next_button, window.export_button):
        assert button.isVisible()  # back on screen after the export
        r = button.geometry()
        colours = {image.pixelColor(int(x * dpr), int(y * dpr)).rgb()
                   for x in range(r.left(), r.right(), 2) for y in range(r.top(), r.bottom(), 2)}
        assert colours == {background}, f"{button.text()} is in the PNG"
    figures = window.figures.text()
    assert figures.startswith("completed 9 of 10 started (micro 8, deep work 1)"), figures
    assert "interrupted 1 of 10 started" in figures


@pytest.mark.parametrize("palette", [dark_palette, light_palette])
def test_the_legend_is_readable(qtbot, conn, palette):
    window = open_window(qtbot, conn, palette())
    legend = window.findChild(type(window.title), "heat_legend")
    group = QPalette.ColorGroup.Active if legend.isEnabled() else QPalette.ColorGroup.Disabled
    ink = legend.palette().color(group, legend.foregroundRole())
    assert contrast(ink, window.palette().color(window.backgroundRole())) >= 4.5


def test_a_chart_draws_afresh_when_its_numbers_palette_or_size_change(qtbot, conn):
    """The charts paint from a kept picture: new numbers, another palette, another size each
    draw it again (grab paints the widget, as the PNG export does)."""
    window = open_window(qtbot, conn, dark_palette())
    dark, light = QColor(colors("focus", True).arc), QColor(colors("focus", False).arc)
    assert bar_tops(window.bars.grab().toImage(), dark)[2] is not None  # Wednesday's bar
    window.bars.set_data([0, 0, 0, 0, 5, 0, 0], [0.0] * 7)
    tops = bar_tops(window.bars.grab().toImage(), dark)
    assert tops[4] is not None and [t for i, t in enumerate(tops) if i != 4] == [None] * 6, tops
    window.setPalette(light_palette())
    assert bar_tops(window.bars.grab().toImage(), light) == tops
    narrow = window.bars.width()
    window.resize(window.width() + 140, window.height())
    qtbot.waitUntil(lambda: window.bars.width() > narrow)
    assert bar_tops(window.bars.grab().toImage(), light) == tops  # the bar in its new slot
