"""Issue 15 (a new user's walk) and issue 12's accessibility items, through the real widgets.

A real QApplication (offscreen), a real SQLite file, a fake clock; each test drives the app
as a user would (the tray click, the menu's actions, keys) and checks what is shown.
"""

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication

from test_tasks_in_sessions import env  # noqa: F401 (the same real shell, file and fake clock)

from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.core.format import clock_text
from microsession.core.session import State
from microsession.core.settings import Settings
from microsession.ui.session.end_popup import EndPopup
from microsession.ui.session.ring import RingView, RingWindow
from microsession.ui.session.ring_place import default_place

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
LONG = "Write the grant application's budget justification section for the committee"


def menu_action(shell, text):
    shell.menu.aboutToShow.emit()
    found = [a for a in shell.menu.actions() if a.text() == text]
    assert found, f"no {text!r} in {[a.text() for a in shell.menu.actions()]}"
    return found[0]


# --- 1. the ring fits h:mm:ss at every length ------------------------------------------------
@pytest.mark.parametrize("minutes", [5, 25, 90, 120, 240])
def test_the_ring_shows_the_whole_time_at_every_length(qtbot, minutes):
    ring = RingWindow()
    qtbot.addWidget(ring)
    ring.show()
    text = clock_text(minutes * 60 - 1)  # "1:29:59" at deep-work length
    ring.render_view(RingView("deep" if minutes >= 90 else "focus", 0.99, text, "Deep work", "", "", minutes * 60 - 1))
    ring.grab()
    assert ring.time_shown == text  # never "1:29…"


# --- 2. every start goes through one path ----------------------------------------------------
@pytest.mark.parametrize("how", ["tray click", "Start 15 min", "Deep work 90 min"])
def test_tray_and_menu_starts_show_the_preparation_card(env, how):
    conn, clock, build = env
    shell = build(replace(Settings(), preparation=True, preparation_min_minutes=15, default_minutes=15))
    if how == "tray click":
        shell.on_tray_click()
    else:
        menu_action(shell, how).trigger()
    assert shell.starts.preparing(), "the preparation card was skipped"
    assert shell.c.engine.state is State.IDLE
    shell.starts._card._start()
    assert shell.c.engine.state is State.RUNNING and shell.ring_visible()


def test_a_menu_start_shows_a_hidden_ring(env):
    conn, clock, build = env
    shell = build()
    menu_action(shell, "Start 5 min").trigger()
    shell.ring.hide()
    shell.c.stop()
    shell.popup.skip()
    shell.c.skip_break()
    menu_action(shell, "Deep work 120 min").trigger()
    assert shell.c.engine.current.kind is Kind.DEEP
    assert shell.ring_visible()
    assert menu_action(shell, "Hide ring")


# --- 11. the popup elides a long task name to its real width; no task, no "finished" -------------
def popup_for(qtbot, tasks=()):
    popup = EndPopup()
    qtbot.addWidget(popup)
    popup.ask(Ended(SessionInfo("s1", Kind.MICRO, 900.0, T0, task_id="t1"), Outcome.COMPLETED, T0, 900.0017),
              tasks=tasks)
    return popup


def test_a_long_task_name_is_elided_with_an_ellipsis_and_clear_of_interrupted(qtbot):
    popup = popup_for(qtbot, [("t1", LONG)])
    box = popup.finished
    assert box.text().endswith("…") and box.text().startswith("Finished: Write the grant")
    assert len(box.text()) > 41  # the real width, not a 40-character cut
    assert box.toolTip() == f"Finished: {LONG}" and box.accessibleName() == f"Finished: {LONG}"
    assert box.sizeHint().width() <= popup.width() - 2 * 16
    top_left = box.mapTo(popup, QPoint(0, 0))
    other = popup.interrupted.mapTo(popup, QPoint(0, 0))
    assert QRect(top_left, box.size()).intersects(QRect(other, popup.interrupted.size())) is False


def test_no_task_means_no_task_finished_box(qtbot):
    popup = popup_for(qtbot)
    assert popup.finished.isHidden()
    assert not popup.interrupted.isHidden()


def test_focused_minutes_are_not_rounded_up(qtbot):
    popup = popup_for(qtbot)
    assert "15 min of focus" in popup.heading.text()


# --- 12.7 screen readers ---------------------------------------------------------------------
def test_every_popup_control_has_an_accessible_name(qtbot):
    popup = popup_for(qtbot, [("t1", "Reply to Anna")])
    assert popup.stopped_at.accessibleName() == "Where I stopped"
    assert popup.next_step.accessibleName() == "Next step"
    assert [b.accessibleName() for b in popup.energy.buttons()] == [f"Energy {v} of 5" for v in range(1, 6)]
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    for widget in popup.findChildren(QAbstractButton) + popup.findChildren(QLineEdit):
        assert widget.accessibleName(), f"{widget!r} ({widget.text()!r}) has no accessible name"


def test_the_ring_has_a_name_and_a_description_that_changes_each_minute(env):
    conn, clock, build = env
    shell = build()
    shell.start_sprint(90)
    ring = shell.ring
    assert ring.accessibleName() == "Micro-Session timer"
    assert ring.accessibleDescription() == "Deep work, 1 h 30 min left"
    clock.advance(61)
    shell.c.wake()
    assert ring.accessibleDescription() == "Deep work, 1 h 29 min left"


# --- 13. the ring's first place is clear of the notification area ------------------------------
def notification_area(screen: QRect, top: bool) -> QRect:
    """Where dunst, mako, GNOME and XFCE (tray at the top) or KDE (at the bottom) put notifications."""
    return QRect(screen.right() - 420, screen.top() if top else screen.bottom() - 400, 421, 401)


@pytest.mark.parametrize("tray_at", ["top right", "bottom right", "unknown"])
def test_the_ring_opens_clear_of_the_notifications(tray_at):
    screen = QRect(0, 0, 1280, 800)
    tray = {"top right": QRect(1240, 4, 24, 24), "bottom right": QRect(1240, 772, 24, 24), "unknown": QRect()}[tray_at]
    place = QRect(default_place(screen, tray, QSize(180, 180)), QSize(180, 180))
    assert screen.contains(place)
    assert not place.intersects(notification_area(screen, tray_at != "bottom right"))
    assert place.right() > screen.center().x()  # still at the right, where the tray is


def test_the_shell_places_the_ring_there(env):
    conn, clock, build = env
    shell = build()
    shell.start_sprint(5)
    screen = QApplication.primaryScreen().availableGeometry()
    assert not shell.ring.frameGeometry().intersects(notification_area(screen, True))
    shell.ring.set_hint("a hint")
    shell.ring.set_note("Last time: stopped at the budget · Next: the travel quotes")
    assert screen.contains(shell.ring.frameGeometry())  # grown by its hint and card, still all on screen


# --- 16. Custom…: the range said up front, every digit shown -----------------------------------
def test_custom_length_says_its_range_and_shows_a_third_digit(env, qtbot):
    from PySide6.QtCore import Qt

    conn, clock, build = env
    shell = build()
    menu_action(shell, "Custom…").trigger()
    dialog = shell._windows["custom"]
    assert dialog.isVisible() and "(1 to 240; deep work from 90)" in dialog.label.text()
    qtbot.keyClicks(dialog.field, "300")  # the selected default is replaced
    assert dialog.field.text() == "300"  # shown, not silently dropped
    assert "too long" in dialog.hint.text() and not dialog.start.isEnabled()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert shell.c.engine.state is State.IDLE and dialog.isVisible()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "95")
    assert dialog.hint.text() == "Deep work: 1 h 35 min" and dialog.start.isEnabled()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert shell.c.engine.state is State.RUNNING and shell.c.engine.current.planned_s == 95 * 60
    assert shell.c.engine.current.kind is Kind.DEEP and shell.ring_visible()


def test_the_session_done_notification_does_not_round_focus_up(env, monkeypatch):
    conn, clock, build = env
    shell = build()
    said = []
    monkeypatch.setattr(shell, "announce", lambda title, body, *a, **k: said.append(body))
    ended = []
    shell.c.focus_ended.connect(ended.append)
    shell.start_sprint(20)
    clock.advance(900.0017)
    shell.c.stop()  # a real stop a moment after 15 minutes
    assert ended[-1].focused_s == pytest.approx(900.0017)
    assert "15 min of focus — stopped" in shell.popup.heading.text()
    shell.popup.skip()
    shell.start_sprint(15)
    clock.advance(900)
    shell.c.wake()  # done: "Session done ✓" with its focus time
    said.clear()
    shell.on_focus_ended(replace(ended[-1], focused_s=900.0017))
    assert said and said[0].startswith("15 min of focus."), said


def test_the_preparation_card_controls_have_names(qtbot):
    from PySide6.QtWidgets import QAbstractButton, QPlainTextEdit

    from microsession.ui.session.prep_card import PrepCard

    card = PrepCard()
    qtbot.addWidget(card)
    card.ask("Get ready: 25 min · Focus", "Silence the phone\nClose tabs", 60)
    for widget in card.findChildren(QAbstractButton) + card.findChildren(QPlainTextEdit):
        name = widget.accessibleName() or widget.text() if isinstance(widget, QAbstractButton) else widget.accessibleName()
        assert name and "⏎" not in name and "Esc" not in name, (widget, name)
    card.hide()
