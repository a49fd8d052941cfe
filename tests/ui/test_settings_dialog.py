"""The settings dialog against a real SQLite file and a real XDG autostart folder."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QSpinBox

from microsession.autostart import APP_ID
from microsession.core.settings import SPECS, Settings
from microsession.store import db
from microsession.store import settings as settings_store
from microsession.ui.windows.settings_dialog import SettingsDialog


@pytest.fixture
def conn(tmp_path):
    (tmp_path / "data").mkdir()
    c = db.connect(tmp_path / "data" / "x.sqlite3")
    yield c
    c.close()


@pytest.fixture(autouse=True)
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    return tmp_path / "config" / "autostart" / f"{APP_ID}.desktop"


def open_dialog(qtbot, conn, settings=None, **kw):
    if settings is None:
        settings, _ = Settings.from_values(settings_store.load(conn))
    dialog = SettingsDialog(conn, settings, **kw)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog, timeout=5000):  # shortcuts need the active window
        dialog.show()
        dialog.activateWindow()
    return dialog


def stored(conn):
    return dict(conn.execute("SELECT key, value FROM settings").fetchall())


def type_into(qtbot, widget, text):
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_every_setting_but_the_rings_place_has_a_field(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    assert set(dialog.widgets) == set(SPECS) - {"ring_x", "ring_y"}


def test_number_boxes_take_their_range_from_specs(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    boxes = {k: w for k, w in dialog.widgets.items() if isinstance(w, QSpinBox)}
    assert len(boxes) >= 12
    for key, box in boxes.items():
        assert (box.minimum(), box.maximum()) == (SPECS[key].lo, SPECS[key].hi), key
    type_into(qtbot, boxes["default_minutes"], "9999")
    assert boxes["default_minutes"].value() <= SPECS["default_minutes"].hi
    slider = dialog.widgets["chime_volume"]
    assert (slider.minimum(), slider.maximum()) == (0, 100)


def test_save_writes_only_changed_keys_and_emits(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    dialog.widgets["default_minutes"].setValue(20)
    dialog.widgets["chime_volume"].setValue(35)
    dialog.widgets["notification_style"].setCurrentIndex(1)
    dialog.widgets["review_weekday"].setCurrentIndex(0)
    type_into(qtbot, dialog.widgets["peak_hours"], "9-12, 15-17")
    with qtbot.waitSignal(dialog.settings_changed, timeout=5000) as blocker:
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    new = blocker.args[0]
    assert new == replace(Settings(), default_minutes=20, chime_volume=0.35, notification_style="quiet",
                          review_weekday=0, peak_hours="9-12, 15-17")
    assert set(stored(conn)) == {"default_minutes", "chime_volume", "notification_style", "review_weekday", "peak_hours"}
    assert Settings.from_values(settings_store.load(conn)) == (new, [])
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()


def test_enter_saves_and_nothing_changed_emits_nothing(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    emitted = []
    dialog.settings_changed.connect(emitted.append)
    dialog.widgets["daily_goal"].setFocus()
    qtbot.keyClick(dialog.widgets["daily_goal"], Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and emitted == [] and stored(conn) == {}


def test_escape_cancels_without_writing(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    emitted = []
    dialog.settings_changed.connect(emitted.append)
    dialog.widgets["break_minutes"].setValue(9)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and emitted == [] and stored(conn) == {}


def test_bad_text_is_shown_inline_and_blocks_save(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    type_into(qtbot, dialog.widgets["valley_hours"], "25-3")
    note = dialog.notes["valley_hours"]
    assert not note.isHidden() and "hour ranges" in note.text()
    assert not dialog.save_button.isEnabled() and dialog.message.text() == "Fix Valley hours (Habit & energy) to save."
    assert dialog.save() is False and stored(conn) == {}
    type_into(qtbot, dialog.widgets["valley_hours"], "13-15")
    assert note.isHidden() and dialog.save_button.isEnabled() and dialog.message.text() == ""
    assert dialog.save() and stored(conn) == {"valley_hours": '"13-15"'}


def test_hook_fields_are_checked_and_missing_programs_warned(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    type_into(qtbot, dialog.widgets["hook_session_start"], "notify-send 'unclosed")
    assert "cannot split" in dialog.notes["hook_session_start"].text().lower() and not dialog.save_button.isEnabled()
    type_into(qtbot, dialog.widgets["hook_session_start"], "/nonexistent/dnd on")
    assert "is not found" in dialog.notes["hook_session_start"].text()
    assert dialog.save_button.isEnabled()  # a warning: the program may appear later
    type_into(qtbot, dialog.widgets["hook_session_start"], f"{shlex.quote(sys.executable)} -c pass")
    assert dialog.notes["hook_session_start"].isHidden()


def test_switches_enable_their_fields(qtbot, conn):
    dialog = open_dialog(qtbot, conn)
    prep, minimum = dialog.widgets["preparation"], dialog.widgets["preparation_min_minutes"]
    assert not prep.isChecked() and not minimum.isEnabled()
    prep.setChecked(True)
    assert minimum.isEnabled() and dialog.widgets["preparation_checklist"].isEnabled()
    dialog.widgets["chime"].setChecked(False)
    assert not dialog.widgets["quiet_hours"].isEnabled() and not dialog.widgets["quiet_from"].isEnabled()


def test_bad_stored_values_stay_aside_until_their_field_is_saved(qtbot, conn):
    settings_store.save(conn, "break_minutes", "lots")
    conn.execute("INSERT INTO settings (key, value) VALUES ('valley_hours', 'not json')")
    settings, problems = Settings.from_values(settings_store.load(conn))
    assert len(problems) == 2 and settings.break_minutes == 5
    dialog = open_dialog(qtbot, conn, settings)
    assert dialog.widgets["break_minutes"].value() == 5  # the default is shown
    dialog.widgets["default_minutes"].setValue(25)
    assert dialog.save()
    rows = stored(conn)
    assert rows["break_minutes"] == '"lots"' and rows["valley_hours"] == "not json"  # untouched
    dialog = open_dialog(qtbot, conn)
    dialog.widgets["break_minutes"].setValue(4)
    assert dialog.save() and stored(conn)["break_minutes"] == "4"
    assert Settings.from_values(settings_store.load(conn))[0].break_minutes == 4


def test_a_failed_transaction_writes_nothing(qtbot, conn):
    conn.execute("CREATE TRIGGER no_goal BEFORE INSERT ON settings WHEN NEW.key = 'daily_goal'"
                 " BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    dialog = open_dialog(qtbot, conn)
    emitted = []
    dialog.settings_changed.connect(emitted.append)
    dialog.widgets["default_minutes"].setValue(30)
    dialog.widgets["daily_goal"].setValue(5)
    assert dialog.save() is False
    assert stored(conn) == {} and emitted == [] and dialog.isVisible()
    assert "Could not save the settings" in dialog.message.text() and "disk says no" in dialog.message.text()


def test_start_at_login_file_appears_and_disappears(qtbot, conn, xdg, tmp_path):
    dialog = open_dialog(qtbot, conn)
    dialog.widgets["start_at_login"].setChecked(True)
    assert dialog.save()
    assert xdg.is_file() and stored(conn)["start_at_login"] == "true"
    text = xdg.read_text()
    assert "--data-dir" in text and str(tmp_path / "data") in text  # not the default folder
    dialog = open_dialog(qtbot, conn)
    assert dialog.widgets["start_at_login"].isChecked()
    dialog.widgets["start_at_login"].setChecked(False)
    assert dialog.save()
    assert not xdg.exists() and stored(conn)["start_at_login"] == "false"


def test_start_at_login_is_put_back_when_the_settings_cannot_be_stored(qtbot, conn, xdg):
    conn.execute("CREATE TRIGGER no_login BEFORE INSERT ON settings WHEN NEW.key = 'start_at_login'"
                 " BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    dialog = open_dialog(qtbot, conn)
    dialog.widgets["start_at_login"].setChecked(True)
    assert dialog.save() is False
    assert not xdg.exists() and stored(conn) == {} and "disk says no" in dialog.message.text()


def test_start_at_login_entry_removed_behind_our_back_is_restored(qtbot, conn, xdg):
    settings_store.save(conn, "start_at_login", True)
    dialog = open_dialog(qtbot, conn)
    assert not xdg.exists()
    assert dialog.save() and xdg.is_file()


def test_start_at_login_failure_is_shown_and_nothing_saved(qtbot, conn, xdg):
    xdg.parent.parent.mkdir(parents=True)
    xdg.parent.write_text("a file where the folder should be")
    dialog = open_dialog(qtbot, conn)
    dialog.widgets["start_at_login"].setChecked(True)
    dialog.widgets["daily_goal"].setValue(6)
    assert dialog.save() is False
    assert "Could not set up start at login" in dialog.message.text() and dialog.isVisible()
    assert stored(conn) == {}


def test_test_button_runs_the_hook(qtbot, conn, tmp_path):
    from microsession.ui.session.hook_runner import HookRunner

    runner = HookRunner(Settings, tmp_path / "data" / "hooks.log", lambda m: None)
    out = tmp_path / "ran.txt"
    dialog = open_dialog(qtbot, conn, hook_runner=runner)
    code = "import os, sys; open(sys.argv[1], 'w').write(os.environ['MICROSESSION_EVENT'])"
    type_into(qtbot, dialog.widgets["hook_break_end"], f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(str(out))}")
    button = dialog.findChild(type(dialog.save_button), "test_hook_break_end")
    with qtbot.waitSignal(runner.finished, timeout=15000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert out.read_text() == "break_end"
    assert dialog.notes["hook_break_end"].text() == "It ran and exited with 0."
    assert stored(conn) == {}  # testing is not saving


def test_works_without_a_database(qtbot):
    dialog = open_dialog(qtbot, None, Settings())
    dialog.widgets["default_minutes"].setValue(12)
    with qtbot.waitSignal(dialog.settings_changed, timeout=5000) as blocker:
        assert dialog.save()
    assert blocker.args[0].default_minutes == 12


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_screenshot(qtbot, conn, dark):
    from PySide6.QtWidgets import QApplication

    from microsession.ui.palette import dark_palette, light_palette

    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette() if dark else light_palette())
    try:
        dialog = open_dialog(qtbot, conn)
        type_into(qtbot, dialog.widgets["peak_hours"], "9-12, 25")
        shots = Path(__file__).resolve().parents[2] / "shots"
        for i in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(i)
            image = dialog.grab().toImage()
            assert not image.isNull() and image.width() > 300
            if shots.is_dir():
                image.save(str(shots / f"settings-{'dark' if dark else 'light'}-{i}.png"))
    finally:
        app.setPalette(old)


def test_app_start_reports_bad_stored_settings_once_and_leaves_them(tmp_path):
    """The real app, offscreen: one notice naming each bad key; the rows stay as they were."""
    import json
    import os
    import subprocess
    import time

    folder = tmp_path / "app-data"
    folder.mkdir()
    c = db.connect(folder / "microsession.sqlite3")
    settings_store.save(c, "break_minutes", "lots")
    settings_store.save(c, "default_minutes", 20)
    c.execute("INSERT INTO settings (key, value) VALUES ('valley_hours', 'not json')")
    before = stored(c)
    c.close()
    trace = tmp_path / "trace.jsonl"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MICROSESSION_TRACE=str(trace),
               XDG_RUNTIME_DIR=str(tmp_path), MICROSESSION_DATA_DIR=str(folder))
    proc = subprocess.Popen([sys.executable, "-m", "microsession"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def events():
            if not trace.exists():
                return []
            return [json.loads(line) for line in trace.read_text().splitlines() if line.endswith("}")]

        deadline = time.monotonic() + 60
        while not any(e["event"] == "ready" for e in events()):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the app did not get ready in 60 s"
            time.sleep(0.05)
        # `quit` over the control socket, not SIGTERM: a signal that lands between "ready"
        # and the event loop's start is lost (app.quit() before exec() does nothing)
        subprocess.run([sys.executable, "-m", "microsession", "quit"], env=env, timeout=60,
                       capture_output=True, check=True)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    notices = [e["message"] for e in events() if e["event"] == "notice" and "not valid" in e["message"]]
    assert len(notices) == 1
    assert "break_minutes" in notices[0] and "valley_hours" in notices[0] and "default_minutes" not in notices[0]
    c = db.connect(folder / "microsession.sqlite3")
    try:
        assert {k: v for k, v in stored(c).items() if k in before} == before
    finally:
        c.close()


def test_untouched_volume_keeps_its_exact_value(qtbot, conn):
    settings_store.save(conn, "chime_volume", 0.555)
    dialog = open_dialog(qtbot, conn)
    assert dialog.widgets["chime_volume"].value() == 56 and dialog.changed() == {}
    dialog.widgets["chime_volume"].setValue(20)
    assert dialog.changed() == {"chime_volume": 0.2}
