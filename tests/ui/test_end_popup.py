"""The popup driven by keys writes the log row."""

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt

from microsession.core.clock import FakeClock
from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.core.session import Engine
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db, sessions
from microsession.ui.session.controller import Controller
from microsession.ui.session.end_popup import EndPopup

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def ended(outcome=Outcome.COMPLETED):
    return Ended(SessionInfo("s1", Kind.MICRO, 900.0, T0), outcome, T0, 900.0)


@pytest.fixture
def popup(qtbot):
    p = EndPopup()
    qtbot.addWidget(p)
    return p


def test_keyboard_only_answer_is_saved_in_sqlite(qtbot, popup, tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    controller = Controller(Engine(clock), Journal(conn), clock, Settings())
    controller.start(15)
    clock.advance(900)
    controller.wake()
    session = controller.engine.last_ended
    popup.saved.connect(controller.save_log)
    popup.ask(session)
    popup.focus_now()
    qtbot.keyClicks(popup.stopped_at, "halfway through chapter 2")
    qtbot.keyClick(popup.stopped_at, Qt.Key.Key_Tab)
    qtbot.keyClicks(popup.next_step, "write the summary")
    qtbot.keyClick(popup.next_step, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(popup.next_step, Qt.Key.Key_Tab)  # to the energy row
    qtbot.keyClick(popup.focusWidget(), Qt.Key.Key_3)  # plain digit outside a text field
    popup.finished.setFocus()
    qtbot.keyClick(popup.finished, Qt.Key.Key_Space)
    with qtbot.waitSignal(popup.saved, timeout=1000):
        qtbot.keyClick(popup.finished, Qt.Key.Key_Return)
    assert not popup.isVisible()
    [row] = sessions.recent(conn, 1)
    assert row["log"] == {"stopped_at": "halfway through chapter 2", "next_step": "write the summary",
                          "energy": 3, "finished": True, "interrupted": False}


def test_escape_skips_without_a_log(qtbot, popup):
    popup.ask(ended())
    with qtbot.waitSignal(popup.skipped, timeout=1000) as blocker:
        qtbot.keyClick(popup.stopped_at, Qt.Key.Key_Escape)
    assert blocker.args == ["s1"]


def test_stopped_session_preticks_interrupted_and_fields_reset(qtbot, popup):
    popup.ask(ended(Outcome.STOPPED))
    qtbot.keyClicks(popup.stopped_at, "x")
    assert popup.interrupted.isChecked()
    popup.skip()
    popup.ask(ended())
    assert popup.stopped_at.text() == "" and not popup.interrupted.isChecked()
    assert popup.current_log().energy is None


def test_digit_in_a_text_field_is_text_not_energy(qtbot, popup):
    popup.ask(ended())
    qtbot.keyClicks(popup.stopped_at, "page 4")
    assert popup.stopped_at.text() == "page 4" and popup.current_log().energy is None
