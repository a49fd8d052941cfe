"""Issue 15 item 3: an emptied or damaged data file is never replaced silently.

Quit, `truncate -s 0` the file (or fill it with garbage), start: the file is kept aside,
and the one sentence the user reads says so in plain words, names the newest backup and
the command that brings it back -- not SQLite's "database disk image is malformed".
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from microsession.compose import open_store
from microsession.paths import db_path
from microsession.store import backup, db, tasks


def make_history_with_backup(folder):
    from microsession.core.tasks import new_task

    conn = db.connect(db_path(folder))
    tasks.add(conn, new_task("Write the grant report", "admin", 15, now=datetime.now(timezone.utc)))
    conn.close()
    return backup.backup_now(db_path(folder), backup.backup_folder(folder), 7, datetime.now(timezone.utc))


def test_an_emptied_file_is_kept_and_the_backup_named(tmp_path):
    folder = tmp_path / "data"
    made = make_history_with_backup(folder)
    os.truncate(db_path(folder), 0)
    conn, notes = open_store(folder)
    assert conn is not None and len(notes) == 1
    note = notes[0]
    asides = [p for p in folder.glob("microsession.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(asides) == 1 and asides[0].stat().st_size == 0 and asides[0].name in note
    assert note.startswith("Your data file was empty; it was kept as ") and "a new one was started" in note
    assert f"microsession restore {made}" in note and "your last backup is from " in note
    assert note.endswith(".") and ". " not in note
    conn.close()


def test_a_damaged_file_is_told_plainly(tmp_path):
    folder = tmp_path / "data"
    make_history_with_backup(folder)
    with open(db_path(folder), "r+b") as f:  # the header intact, the pages garbage
        f.seek(100)
        f.write(os.urandom(8000))
    conn, notes = open_store(folder)
    note = notes[0]
    assert note.startswith("Your data file could not be read; it was kept as ")
    assert "malformed" not in note and "quick_check" not in note and "microsession restore " in note
    conn.close()


def test_without_a_backup_the_note_says_so(tmp_path):
    folder = tmp_path / "data"
    db.connect(db_path(folder)).close()
    os.truncate(db_path(folder), 0)
    conn, notes = open_store(folder)
    assert "there is no backup to bring back" in notes[0]
    conn.close()


def test_every_command_refuses_an_emptied_file_and_leaves_it(tmp_path, monkeypatch, capsys):
    """`truncate -s 0` then `tasks add` made a new database in the emptied file: the app then
    saw nothing wrong, and the loss was hidden."""
    from microsession.cli import main

    folder = tmp_path / "data"
    make_history_with_backup(folder)
    os.truncate(db_path(folder), 0)
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    for argv in (["tasks", "add", "New"], ["tasks", "list"], ["stats", "--week"], ["log"], ["backup"],
                 ["export", "--out", str(tmp_path / "e.json")], ["stacks", "list"], ["triggers", "list"]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2 and "is empty" in err and err.count("\n") == 1, (argv, err)
        assert db_path(folder).stat().st_size == 0, argv
