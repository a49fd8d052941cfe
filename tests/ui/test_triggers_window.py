"""The trigger editor against a real SQLite file: list, edit, switch, delete, preview, broken
calendars, the peak hours offer; and a screenshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSignalBlocker, Qt, QTime
from PySide6.QtWidgets import QApplication

from esc_kit import esc_in_the_popup_keeps_the_window
from microsession.store import db
from microsession.store import settings as settings_store
from microsession.store import triggers as store
from microsession.ui.windows.triggers_window import TriggersWindow

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)  # Monday 08:00 in Berlin


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    yield c
    c.close()


@pytest.fixture
def make(qtbot, conn):
    def make(**kwargs):
        kwargs.setdefault("idle_available", lambda: False)
        w = TriggersWindow(conn, lambda: NOW, BERLIN, **kwargs)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


def names(w):
    return [w.rules.item(i).text() for i in range(w.rules.count())]


def select(w, name):
    row = [i for i, text in enumerate(names(w)) if text.startswith(name)][0]
    w.rules.setCurrentRow(row)


def test_starting_rules_listed_off_with_their_state(make):
    w = make()
    assert names(w) == ["Coffee planning", "After meetings  ⚠ incomplete", "Back at the desk  ⚠ not available"]
    assert all(w.rules.item(i).checkState() == Qt.CheckState.Unchecked for i in range(3))
    assert w.preview.text().splitlines() == ["Next:", "Mon 02 Mar 09:00", "Tue 03 Mar 09:00", "Wed 04 Mar 09:00",
                                             "Thu 05 Mar 09:00", "Fri 06 Mar 09:00"]
    select(w, "After meetings")
    assert w.preview.text() == "Incomplete: choose an .ics calendar file"
    select(w, "Back at the desk")
    assert w.preview.text() == "Not available on this system" and not w.days_row.isVisibleTo(w)
    assert w.idle.isVisibleTo(w) and not w.at.isVisibleTo(w)


def test_switching_on_an_incomplete_rule_is_refused(make, conn, qtbot):
    w = make()
    with qtbot.assertNotEmitted(w.rules_changed):
        w.rules.item(1).setCheckState(Qt.CheckState.Checked)
    assert "is incomplete" in w.message.text() and not store.any_enabled(conn)
    with qtbot.waitSignal(w.rules_changed):
        w.rules.item(0).setCheckState(Qt.CheckState.Checked)
    assert [r.name for r in store.rules(conn, enabled_only=True)] == ["Coffee planning"]


def test_a_new_every_rule_is_saved_and_previewed(make, conn, qtbot):
    w = make()
    w.new_button.click()
    w.name.setText("Afternoon stretch")
    w.kind.setCurrentIndex(1)
    w.every.setValue(90)
    w.win_from.setTime(QTime(13, 0))
    w.win_to.setTime(QTime(17, 0))
    w.minutes.setValue(15)
    w.task_type.setCurrentIndex(w.task_type.findData("research"))
    with qtbot.waitSignal(w.rules_changed):
        assert w.save()
    [rule] = [r for r in store.rules(conn) if r.name == "Afternoon stretch"]
    assert rule.kind == "every" and rule.condition.minutes == 90 and rule.suggestion.task_type == "research"
    assert rule.enabled and names(w)[-1] == "Afternoon stretch"
    assert w.preview.text().splitlines() == ["Next:", "Mon 02 Mar 13:00", "Mon 02 Mar 14:30", "Mon 02 Mar 16:00",
                                             "Tue 03 Mar 13:00", "Tue 03 Mar 14:30"]


def test_bad_form_input_is_told_and_writes_nothing(make, conn, qtbot):
    w = make()
    before = store.list_all(conn)
    w.new_button.click()
    w.name.setText("  ")
    assert not w.save() and "empty" in w.message.text()
    w.name.setText("No days")
    for box in w.days:
        box.setChecked(False)
    assert not w.save() and "weekday" in w.message.text()
    assert store.list_all(conn) == before


def test_a_malformed_calendar_keeps_the_rule_marked_broken(make, conn, qtbot, tmp_path):
    bad = tmp_path / "work.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026")
    w = make()
    select(w, "After meetings")
    w.path.setText(str(bad))
    w.enabled.setChecked(True)
    with qtbot.waitSignal(w.rules_changed):
        assert w.save()
    assert w.preview.text() == "Reading the calendar…"  # on a worker thread, never on this one
    qtbot.waitUntil(lambda: w.preview.text().startswith("Broken: work.ics is cut short"), timeout=20000)
    assert "c0392b" in w.preview.styleSheet()
    qtbot.waitUntil(lambda: w.rules.currentItem().text() == "After meetings  ⚠ broken", timeout=20000)
    rule = store.get(conn, w.current)
    assert rule.condition.path == str(bad) and rule.enabled  # the rule stays


def test_delete(make, conn, qtbot):
    w = make()
    select(w, "Coffee planning")
    with qtbot.waitSignal(w.rules_changed):
        w.delete_button.click()
    assert [r.name for r in store.list_all(conn)] == ["After meetings", "Back at the desk"]
    assert names(w)[0].startswith("After meetings")


def rate(conn, days):
    for day in range(days):
        for hour, energy in ((9, 5), (10, 5), (14, 2), (15, 2), (16, 3)):
            start = NOW - timedelta(days=day + 1) + timedelta(hours=hour - 8)  # local hour in Berlin (+1)
            sid = f"s{day}-{hour}"
            iso = lambda m: m.isoformat(timespec="milliseconds")  # noqa: E731
            conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc,"
                         " ended_offset, focused_s, outcome) VALUES (?, 'micro', 600, ?, 3600, ?, 3600, 600, 'completed')",
                         (sid, iso(start), iso(start + timedelta(minutes=10))))
            conn.execute("INSERT INTO session_logs (id, session_id, written_utc, energy) VALUES (?, ?, ?, ?)",
                         (sid + "l", sid, iso(start + timedelta(minutes=11)), energy))


def test_peak_hours_from_fourteen_days_of_ratings_offered_and_accepted(make, conn, qtbot):
    rate(conn, 13)
    early = make()
    assert not early.peaks.isVisibleTo(early)
    rate_more = 14
    conn.execute("DELETE FROM session_logs")
    conn.execute("DELETE FROM sessions")
    rate(conn, rate_more)
    w = make()
    assert w.peaks.isVisibleTo(w) and "peak hours 9-11" in w.peaks.text.text()
    with qtbot.waitSignal(w.peak_hours_accepted) as accepted:
        w.peaks.accept_button.click()
    assert accepted.args == ["9-11"] and settings_store.load(conn)["peak_hours"] == "9-11"
    assert not w.peaks.isVisibleTo(w)


def test_screenshot(make, conn, qtbot, tmp_path):
    rate(conn, 14)
    broken = tmp_path / "work.ics"
    broken.write_bytes(b"\x00\x01\x02 not a calendar")
    w = make()
    w.resize(880, 500)
    select(w, "After meetings")
    w.path.setText(str(broken))
    w.enabled.setChecked(False)
    assert w.save()
    shots = Path(__file__).resolve().parents[2] / "shots"  # made by hand to keep them (docs/screenshots/*)
    target = shots if shots.is_dir() else tmp_path
    for name, shot in (("Coffee planning", "triggers-window.png"), ("After meetings", "triggers-window-calendar.png")):
        select(w, name)
        qtbot.waitUntil(lambda: w.preview.text() != "Reading the calendar…", timeout=20000)
        QApplication.processEvents()  # the layout's pending request: rows shown and hidden
        image = w.grab().toImage()
        assert not image.isNull() and image.width() >= 800
        assert image.save(str(target / shot))


def test_esc_closes_new_rule_drops_the_highlight_and_the_fields_stay_put(make, qtbot):
    w = make()
    assert w.rules.currentRow() == 0 and w.rules.selectedItems()
    qtbot.mouseClick(w.new_button, Qt.MouseButton.LeftButton)
    assert w.rules.currentRow() == -1 and not w.rules.selectedItems()  # the old rule is not highlighted
    assert w.current is None and w.name.text() == "New rule" and not w.delete_button.isEnabled()
    w.name.setText("Planning")
    w.save()
    assert w.rules.currentItem().text() == "Planning" and w.current is not None
    xs = set()
    for index in range(w.kind.count()):
        w.kind.setCurrentIndex(index)
        QApplication.processEvents()
        xs.add(w.name.mapTo(w, w.name.rect().topLeft()).x())
    assert len(xs) == 1, f"the fields moved between rule kinds: {sorted(xs)}"
    qtbot.keyClick(w.name, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_window_titles_are_in_one_style():
    from microsession.ui.session import custom_length, end_popup, prep_card
    from microsession.ui.windows import project_view, review, settings_dialog, stack_editor, tasks_window
    from microsession.ui.windows import triggers_window

    titles = [end_popup.TITLE, prep_card.TITLE, custom_length.TITLE, settings_dialog.TITLE, project_view.WINDOW_TITLE,
              review.WINDOW_TITLE, stack_editor.WINDOW_TITLE, tasks_window.WINDOW_TITLE, triggers_window.WINDOW_TITLE]
    assert all(t.startswith("Micro-Session · ") and t[16:17].isupper() for t in titles), titles


def calendar_form(w, source: str, path: str, user: str = "", password: str = ""):
    select(w, "After meetings")
    f = w.calendar
    f.source.setCurrentIndex(f.source.findData(source))
    f.path.setText(path)
    f.user.setText(user)
    f.password.setText(password)
    w.enabled.setChecked(True)


def test_a_subscription_address_that_refuses_is_one_sentence(make, conn, qtbot, server):
    server.steps = [(401, b"", {})]
    w = make()
    calendar_form(w, "url", "calendar.google.com/ical/basic.ics")
    assert not w.save() and w.message.text() == \
        "'calendar.google.com/ical/basic.ics' is not a calendar address (expected https://…)."
    calendar_form(w, "url", server.url)
    assert w.calendar.browse.isHidden() and not w.calendar.user.isVisibleTo(w)
    assert w.save()
    qtbot.waitUntil(lambda: w.preview.text() != "Reading the calendar…", timeout=20000)
    assert w.preview.text() == "Broken: the server refused access (HTTP 401); check the secret address or the password"
    assert store.get(conn, w.current).condition.source == "url"


def test_a_caldav_account_password_goes_to_the_keyring_and_its_events_show(make, conn, qtbot, radicale, memory_keyring):
    import caldav

    moment = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=1)
    moment = moment.replace(hour=10, minute=0)
    with caldav.DAVClient(url=radicale, username="ana", password="s3cret", require_tls=False) as client:
        client.principal().make_calendar(name="Editor").save_event(
            dtstart=moment - timedelta(hours=1), dtend=moment, summary="Editor test", uid="editor@ana")
    later = datetime.now(timezone.utc)
    w = TriggersWindow(conn, lambda: later, BERLIN, idle_available=lambda: False)
    qtbot.addWidget(w)
    w.show()
    calendar_form(w, "caldav", radicale, "ana", "s3cret")
    assert w.calendar.user.isVisibleTo(w) and w.calendar.password.isVisibleTo(w)
    for box in w.days:
        box.setChecked(True)
    w.work_from.setTime(QTime(0, 0))
    w.work_to.setTime(QTime(23, 59))
    assert w.save(), w.message.text()
    assert list(memory_keyring.secrets.values()) == ["s3cret"] and w.calendar.password.text() == ""
    qtbot.waitUntil(lambda: w.preview.text().startswith("Next:"), timeout=30000)
    assert (moment + timedelta(minutes=2)).astimezone(BERLIN).strftime("%a %d %b %H:%M") in w.preview.text()
    assert b"s3cret" not in Path(conn.execute("PRAGMA database_list").fetchone()[2]).read_bytes()
    with qtbot.waitSignal(w.rules_changed):
        w.delete_button.click()
    assert memory_keyring.secrets == {}  # its password goes with the rule


def test_without_a_keyring_the_password_is_refused(make, conn, qtbot):
    import keyring
    from keyring.backends import fail

    saved = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        w = make()
        calendar_form(w, "caldav", "https://dav.example.org/", "ana", "pw")
        assert not w.save()
        assert w.message.text().startswith("There is no system keyring (Secret Service) on this system")
        assert store.get(conn, w.current).condition.path == ""  # nothing saved
    finally:
        keyring.set_keyring(saved)


def test_esc_in_an_open_combo_popup_closes_the_popup_not_the_window(make, qtbot):
    w = make()
    esc_in_the_popup_keeps_the_window(qtbot, w, w.kind)


def test_esc_in_an_open_list_editor_closes_the_editor_not_the_window(make, qtbot):
    w = make()
    item = w.rules.item(0)
    name = item.text()
    with QSignalBlocker(w.rules):  # a list whose names edit in place (as a table's cells do)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
    w.rules.setFocus()
    w.rules.editItem(item)
    qtbot.waitUntil(lambda: w.rules.state() == w.rules.State.EditingState, timeout=5000)
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "x")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.rules.state() != w.rules.State.EditingState, timeout=5000)
    assert w.isVisible() and w.rules.item(0).text() == name
