"""The sessions' calendar file kept current by the app: written by a process of its own,
one at a time, a failure told once."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

from microsession.core.settings import Settings
from microsession.paths import db_path
from microsession.store import db
from microsession.ui.session.ics_keeper import IcsKeeper

_spec = importlib.util.spec_from_file_location("export_fixture", Path(__file__).parents[1] / "store" / "test_export.py")
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)


def folder_with_history(tmp_path: Path) -> Path:
    conn = db.connect(db_path(tmp_path))
    _fixture.fill(conn)
    conn.close()
    return tmp_path


def test_the_file_follows_the_sessions_and_a_failure_is_told_once(qtbot, qapp, tmp_path):
    import icalendar

    folder = folder_with_history(tmp_path)
    target = tmp_path / "focus.ics"
    settings = [replace(Settings(), sessions_ics_file=str(target))]
    told: list[str] = []
    keeper = IcsKeeper(folder, lambda: settings[0], told.append)
    keeper.update()
    keeper.update()  # while the first runs: one more after it
    assert keeper._again
    qtbot.waitUntil(lambda: keeper._running is None and not keeper._again and target.exists(), timeout=30000)
    assert len(icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 4 and told == []
    settings[0] = replace(Settings(), sessions_ics_file=str(tmp_path / "missing" / "focus.ics"))
    for _ in range(2):
        keeper.update()
        qtbot.waitUntil(lambda: keeper._running is None, timeout=30000)
    assert len(told) == 1 and told[0].startswith("Your sessions' calendar file could not be written: ")
    settings[0] = Settings()  # none kept: nothing runs
    keeper.update()
    assert keeper._running is None


def test_the_setting_takes_only_ics_files():
    values, problems = Settings.from_values({"sessions_ics_file": "~/notes.txt"})
    assert values.sessions_ics_file == "" and problems
    assert Settings.from_values({"sessions_ics_file": "~/focus.ics"})[0].sessions_ics_file == "~/focus.ics"
