"""`microsession export | import | backup | restore` through cli.main, on real files."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
from contextlib import closing
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from microsession.cli import main
from microsession.paths import db_path
from microsession.store import db

_spec = importlib.util.spec_from_file_location("export_fixture", Path(__file__).parent / "store" / "test_export.py")
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data folder holding the small complete history of tests/store/test_export.py."""
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "data").mkdir()
    conn = db.connect(db_path(tmp_path / "data"))
    _fixture.fill(conn)
    conn.close()
    return tmp_path / "data"


def cli(capsys, *argv, data_dir=None):
    code = main((["--data-dir", str(data_dir)] if data_dir else []) + list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dump(folder: Path) -> list[str]:
    with closing(sqlite3.connect(db_path(folder))) as conn:
        return list(conn.iterdump())


def test_export_import_export_gives_identical_files(data, tmp_path, capsys):
    code, out, err = cli(capsys, "export", "--format", "json", "--out", str(tmp_path / "a.json"))
    assert (code, err) == (0, "") and out.startswith("Exported 6 sessions, 2 session logs, 4 tasks, 1 stack run to ")
    assert cli(capsys, "export", "--format", "csv", "--out", str(tmp_path / "a"))[0] == 0
    assert cli(capsys, "export", "--out", str(tmp_path / "a.zip"))[0] == 0  # csv, zipped, by the name
    empty = tmp_path / "empty"
    code, out, err = cli(capsys, "import", str(tmp_path / "a.json"), data_dir=empty)
    assert code == 0 and err == "" and out.startswith("Imported 21 new rows (1 task type, 4 tasks, 5 stacks,")
    for args in (["--format", "json", "--out", str(tmp_path / "b.json")], ["--format", "csv", "--out", str(tmp_path / "b")],
                 ["--out", str(tmp_path / "b.zip")]):
        assert cli(capsys, "export", *args, data_dir=empty)[0] == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir()) and len(names) == 9
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_import_twice_changes_nothing(data, tmp_path, capsys):
    cli(capsys, "export", "--out", str(tmp_path / "a.json"))
    target = tmp_path / "t"
    cli(capsys, "import", str(tmp_path / "a.json"), data_dir=target)
    before = dump(target)
    code, out, _ = cli(capsys, "import", str(tmp_path / "a.json"), data_dir=target)
    assert code == 0 and out == "Imported 0 new rows; 29 were there already.\n"
    assert dump(target) == before


def test_stamp_and_since(data, tmp_path, capsys):
    cli(capsys, "export", "--out", str(tmp_path / "s.json"), "--stamp", "--since", "2026-03-22")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert "exported_utc" in doc and doc["since"].startswith("2026-03-2") and len(doc["sessions"]) == 5


def _hostile_files(tmp_path: Path, good: bytes) -> dict[str, bytes]:
    doc = json.loads(good)
    energy = json.loads(good)
    energy["session_logs"][0]["energy"] = 9
    backwards = json.loads(good)
    backwards["sessions"][0]["ended_utc"] = "2001-01-01T00:00:00+00:00"
    wrong_types = json.loads(good)
    wrong_types["tasks"][0]["minutes"] = "lots"
    huge = json.loads(good)
    huge["tasks"][0]["title"] = "x" * 50_000_000
    badid = json.loads(good)
    badid["interruptions"][0]["id"] = "../../etc/passwd"
    orphan = json.loads(good)
    orphan["session_logs"].append(dict(orphan["session_logs"][0], id="1" * 32, session_id="0" * 32))
    newer = dict(doc, version=2)
    return {
        "truncated": good[: len(good) // 2], "empty": b"", "foreign": b'{"hello": "world"}',
        "list": b"[1, 2, 3]", "binary": os.urandom(5000), "newer": json.dumps(newer).encode(),
        "energy": json.dumps(energy).encode(), "backwards": json.dumps(backwards).encode(),
        "types": json.dumps(wrong_types).encode(), "huge": json.dumps(huge).encode(),
        "badid": json.dumps(badid).encode(), "orphan": json.dumps(orphan).encode(),
        "utf16": json.dumps(doc).encode("utf-16"),
    }


def test_a_bad_file_is_one_line_exit_2_and_the_data_file_is_untouched(data, tmp_path, capsys):
    cli(capsys, "export", "--out", str(tmp_path / "a.json"))
    good = (tmp_path / "a.json").read_bytes()
    target = tmp_path / "t"
    cli(capsys, "import", str(tmp_path / "a.json"), data_dir=target)
    # a data file holding only part of it, so that a wrong import would have something to add
    with closing(sqlite3.connect(db_path(target), isolation_level=None)) as conn:
        conn.execute("DELETE FROM interruptions")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before_dump = dump(target)
    before_bytes = {p.name: p.read_bytes() for p in target.iterdir()}
    for name, content in _hostile_files(tmp_path, good).items():
        bad = tmp_path / f"{name}.json"
        bad.write_bytes(content)
        code, out, err = cli(capsys, "import", str(bad), data_dir=target)
        assert code == 2 and out == "", name
        assert err.count("\n") == 1 and err.startswith("microsession: ") and len(err) < 400, (name, err)
        assert dump(target) == before_dump, name
        if name != "orphan":  # refused before the data file is even opened
            assert {p.name: p.read_bytes() for p in target.iterdir()} == before_bytes, name
    assert "energy must be from 1 to 5" in cli(capsys, "import", str(tmp_path / "energy.json"), data_dir=target)[2]
    assert "neither in the file nor in your data" in cli(capsys, "import", str(tmp_path / "orphan.json"), data_dir=target)[2]


def test_bad_arguments_and_missing_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    none = tmp_path / "none"
    for argv in (["export", "--out", str(tmp_path / "x.json")], ["backup"], ["export", "--format", "xml", "--out", "x"],
                 ["export", "--out", "x", "--since", "yesterday"], ["import", str(tmp_path / "missing.json")],
                 ["import", str(tmp_path)], ["restore", str(tmp_path / "missing.sqlite3")], ["export"]):
        code, out, err = cli(capsys, *argv, data_dir=none)
        assert code == 2 and err.count("\n") == 1, (argv, err)
    assert not none.exists() or not db_path(none).exists()


def test_export_will_not_replace_a_folder_that_is_not_an_export(data, tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.odt").write_bytes(b"precious")
    code, _, err = cli(capsys, "export", "--format", "csv", "--out", str(tmp_path / "docs"))
    assert code == 2 and "not an export folder" in err
    assert (tmp_path / "docs" / "thesis.odt").read_bytes() == b"precious"


def test_backup_and_restore(data, tmp_path, capsys):
    code, out, err = cli(capsys, "backup")
    made = Path(out.strip())
    assert code == 0 and made.parent == data / "backups" and made.is_file()
    before = dump(data)
    with closing(sqlite3.connect(db_path(data), isolation_level=None)) as conn:
        conn.execute("DELETE FROM session_logs")
    code, out, err = cli(capsys, "restore", str(made))
    assert code == 0 and "kept as" in out, err
    assert dump(data) == before
    [aside] = data.glob("microsession.sqlite3.before-restore-*")
    with closing(sqlite3.connect(aside)) as conn:
        assert conn.execute("SELECT count(*) FROM session_logs").fetchone()[0] == 0
    code, _, err = cli(capsys, "restore", str(db_path(data)))
    assert code == 2 and "the data file itself" in err
    cli(capsys, "export", "--out", str(tmp_path / "e.json"))
    code, _, err = cli(capsys, "restore", str(tmp_path / "e.json"))
    assert code == 2 and "is an export, not a backup" in err
    for target in (db_path(data), Path(f"{db_path(data)}-wal")):
        code, _, err = cli(capsys, "export", "--format", "json", "--out", str(target))
        assert code == 2 and "the data file itself" in err
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(made.read_bytes()[:5000])
    code, _, err = cli(capsys, "restore", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert dump(data) == before


def test_backup_keep_comes_from_the_setting(data, capsys):
    with closing(sqlite3.connect(db_path(data), isolation_level=None)) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('backup_keep', '2')")
    folder = data / "backups"
    folder.mkdir()
    for day in range(1, 5):
        (folder / f"microsession-2020-01-0{day}.sqlite3").write_bytes(b"old")
    assert cli(capsys, "backup")[0] == 0
    assert [p.name for p in sorted(folder.iterdir())][0] == "microsession-2020-01-04.sqlite3"
    assert len(list(folder.iterdir())) == 2
    assert cli(capsys, "backup", "--keep", "0")[0] == 2


def test_restore_is_refused_while_the_app_runs(data, tmp_path, capsys):
    import fcntl

    from microsession.control.client import lock_path

    fd = os.open(lock_path(data, create=True), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what the running app holds
    try:
        code, out, err = cli(capsys, "backup")
        assert code == 0  # a backup is fine while the app runs
        code, _, err = cli(capsys, "restore", out.strip())
        assert code == 2 and "quit it first" in err
        assert not list(data.glob("*before-restore*"))
    finally:
        os.close(fd)


def test_a_file_too_big_to_be_an_export_is_not_read(data, tmp_path, capsys, monkeypatch):
    import microsession.cli.data as cli_data

    monkeypatch.setattr(cli_data, "MAX_IMPORT_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    before = dump(data)
    code, _, err = cli(capsys, "import", str(big))
    assert code == 2 and "more than the 0 MB an import may be" in err
    assert dump(data) == before


def test_one_row_is_a_row_and_an_empty_name_is_not_a_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path / "one"))
    assert main(["tasks", "add", "Reply to Anna"]) == 0
    capsys.readouterr()
    code, out, _ = cli(capsys, "export", "--format", "json", "--out", str(tmp_path / "one.json"))
    assert code == 0 and "1 task," in out and "0 stack runs" in out
    code, out, err = cli(capsys, "import", str(tmp_path / "one.json"), data_dir=tmp_path / "other")
    assert code == 0 and out.startswith("Imported 1 new row (1 task);") and "rows (" not in out, out
    for argv in (["import", ""], ["restore", " "]):
        code, out, err = cli(capsys, *argv)
        assert code == 2 and "expected a file name, got an empty text" in err and "is a folder" not in err


# --- the sessions as a calendar (.ics) --------------------------------------------------------

def test_export_ics_one_event_per_focus_session_valid_and_not_a_meeting_source(data, tmp_path, capsys):
    import icalendar

    from microsession.core.stacks import TEMPLATES
    from microsession.core.triggers import AfterEvents
    from microsession.schedule.calendar import CalendarSource, fire_times

    out = tmp_path / "focus.ics"
    code, text, err = cli(capsys, "export", "--ics", str(out))
    assert code == 0 and err == "" and text == f"Exported 4 focus sessions as a calendar to {out}\n"
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = cal.walk("VEVENT")
    assert len(events) == 4  # the break and the open deep-work session are not there
    assert all(str(e["UID"]).endswith("@sessions.microsession.invalid") for e in events)
    by_summary = {str(e["SUMMARY"]): e for e in events}
    assert set(by_summary) == {"Old thing (micro-session)", "Reply to Anna (micro-session)",
                               "Batch: gardening · 1 task (micro-session)", f"{TEMPLATES[1].name} · step 1 (micro-session)"}
    mail = by_summary["Reply to Anna (micro-session)"]
    description = str(mail["DESCRIPTION"])
    assert "Type: communication" in description and "Energy after: 4/5" in description
    assert 'Stopped at: para 3 · ünï, "quoted"' in description and "Next: line1\nline2" in description
    assert mail["DTEND"].dt - mail["DTSTART"].dt > timedelta(0)
    # the same data, the same bytes; and read back as a trigger source, no "meeting" ends in it
    first = out.read_bytes()
    assert cli(capsys, "export", "--ics", str(out))[0] == 0 and out.read_bytes() == first
    since = min(e["DTSTART"].dt for e in events) - timedelta(days=1)
    cond = AfterEvents(str(out), 0, (0, 0), (23, 59), frozenset(range(7)), skip_free=False)
    assert fire_times(CalendarSource(str(out)), cond, since, timezone.utc, 5) == []


def test_export_ics_bad_arguments_are_one_line(data, tmp_path, capsys):
    code, _, err = cli(capsys, "export", "--ics", str(tmp_path / "a.ics"), "--out", str(tmp_path / "b.json"))
    assert code == 2 and err.startswith("microsession: give either --out") and len(err.splitlines()) == 1
    code, _, err = cli(capsys, "export", "--ics", str(tmp_path / "no" / "such" / "a.ics"))
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    code, _, err = cli(capsys, "export", "--ics", str(tmp_path / "a.ics"), "--format", "csv")
    assert code == 2 and "--format goes with --out" in err
def test_an_unknown_top_level_table_is_named_not_ignored_silently(data, tmp_path, capsys):
    """Issue 14 item 8."""
    cli(capsys, "export", "--out", str(tmp_path / "a.json"))
    doc = json.loads((tmp_path / "a.json").read_text())
    doc["triggers"] = [{"id": "x"}]
    (tmp_path / "b.json").write_text(json.dumps(doc))
    code, out, err = cli(capsys, "import", str(tmp_path / "b.json"), data_dir=tmp_path / "t")
    assert code == 0 and out.startswith("Imported ")
    assert err.count("\n") == 1 and "'triggers'" in err and "does not import" in err, err
    code, _, err = cli(capsys, "import", str(tmp_path / "a.json"), data_dir=tmp_path / "t")
    assert code == 0 and err == ""  # a plain export: nothing to say


def test_an_import_into_a_new_folder_builds_the_file_aside_and_into_one_that_appeared(data, tmp_path, capsys,
                                                                                      monkeypatch):
    cli(capsys, "export", "--out", str(tmp_path / "a.json"))
    fresh, raced = tmp_path / "fresh", tmp_path / "raced"
    code, out, _ = cli(capsys, "import", str(tmp_path / "a.json"), data_dir=fresh)
    assert code == 0 and out.startswith("Imported 21 new rows")
    assert sorted(p.name for p in fresh.iterdir()) == ["microsession.sqlite3"]
    import microsession.trace

    def app_starts_meanwhile(event, **fields):  # the app makes its data file just before the link
        if event == "import_built":
            db.connect(db_path(raced)).close()

    monkeypatch.setattr(microsession.trace, "trace", app_starts_meanwhile)
    code, out, _ = cli(capsys, "import", str(tmp_path / "a.json"), data_dir=raced)
    assert code == 0 and out.startswith("Imported 21 new rows")  # into the file that appeared
    assert sorted(p.name for p in raced.iterdir()) == ["microsession.sqlite3"]
    seen = []
    for folder in (fresh, raced):  # the same rows; each file's sessions are its own device's
        with closing(sqlite3.connect(db_path(folder))) as conn:
            (device,) = conn.execute("SELECT device_id FROM sync_state").fetchone()
            assert {d for (d,) in conn.execute("SELECT DISTINCT device FROM sessions")} == {device}
            seen.append([tuple(r) for r in conn.execute("SELECT id, started_utc, task_id FROM sessions ORDER BY rowid")])
    assert seen[0] == seen[1] and len(seen[0]) == 6
