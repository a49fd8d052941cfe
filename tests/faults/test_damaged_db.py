"""A damaged database: the app starts, moves the file aside (never deletes it), says so in
one sentence, and keeps timing.

Each case starts from a real file of 200 finished sessions written by the store (WAL mode,
checkpointed, as the app leaves it), damages it, and starts the real app on it:

* ``truncated``: the last quarter of the file is gone (a torn copy, a full disk);
* ``random_bytes``: the whole file is noise;
* ``corrupt_table_page`` / ``corrupt_index_page``: one page inside the file is noise (a bad
  sector): the header still reads, so only a check of the pages can tell (page 2 is the
  root of the sessions table, page 3 the index of its primary key);
* ``future_schema``: PRAGMA user_version = 99 (a newer Micro-Session wrote it);
* ``locked``: another process holds the file (``locking_mode=EXCLUSIVE`` plus a write, the
  only way to really lock a WAL database against readers) for the whole run.

Then: ``tray_visible``; exactly one ``*.damaged-*`` file holding the damaged bytes (for
``locked``: the 200 sessions, readable once the holder lets go); one ``notice`` naming it,
one sentence; a tray click starts a session that ends (``session_ended``) and is stored in
the new file; for ``locked``, the holder's exit must not disturb the new file.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from desktop import Desktop
from app_runner import RunningApp
from harness import db_path, read_db

from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.store import db, sessions

SCALE = 300  # the 15-minute sprint in 3 s
ROWS = 200
CASES = ("truncated", "random_bytes", "corrupt_table_page", "corrupt_index_page", "future_schema", "locked")

HOLDER = textwrap.dedent("""\
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('held_by', '1')")
    conn.execute("COMMIT")  # in EXCLUSIVE locking mode the lock is kept after the write
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin
    conn.close()
""")


def make_history(path: Path) -> None:
    """A real data file: ROWS finished sessions, WAL checkpointed into the main file."""
    conn = db.connect(path)
    now = datetime.now(timezone.utc)
    for i in range(ROWS):
        info = SessionInfo(f"{i:032x}", Kind.MICRO, 900.0, now - timedelta(hours=i + 1), None)
        sessions.insert(conn, info)
        sessions.complete(conn, Ended(info, Outcome.COMPLETED, info.started_utc + timedelta(minutes=15), 900.0))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not Path(f"{path}-wal").exists()


def damage(path: Path, case: str) -> None:
    size = path.stat().st_size
    rng = random.Random(case)
    if case == "truncated":
        os.truncate(path, size * 3 // 4)
    elif case == "random_bytes":
        path.write_bytes(rng.randbytes(size))
    elif case.startswith("corrupt_"):
        page_size = 4096
        page = 2 if case == "corrupt_table_page" else 3  # 1-based, as SQLite counts them
        with open(path, "r+b") as f:
            f.seek((page - 1) * page_size)
            f.write(rng.randbytes(page_size))
    elif case == "future_schema":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 99")
        conn.close()


@pytest.mark.parametrize("case", CASES)
def test_damaged_database_is_set_aside_and_timing_goes_on(desktop: Desktop, tmp_path: Path,
                                                          case: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = db_path(data)
    make_history(path)
    damage(path, case)
    damaged_bytes = path.read_bytes()
    holder = None
    if case == "locked":
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
    try:
        app = RunningApp(desktop, tmp_path, SCALE, name=case, data=data)
        asides = sorted(p for p in data.glob(f"{path.name}.damaged-*") if not p.name.endswith(("-wal", "-shm")))
        assert len(asides) == 1, f"expected the damaged file moved aside; data folder: {sorted(os.listdir(data))}"
        aside = asides[0]
        if case != "locked":
            assert aside.read_bytes() == damaged_bytes, "the damaged file was changed before it was set aside"

        notices = [r for r in app.records() if r["event"] == "notice"]
        told = [r["message"] for r in notices if aside.name in r["message"]]
        assert len(told) == 1, f"one notice naming {aside.name} expected; notices: {notices}"
        message = told[0]
        assert message.endswith(".") and ". " not in message, f"not one sentence: {message!r}"

        app.click_tray()
        started = app.wait("session_started", kind="micro")
        ended = app.wait("session_ended", id=started["id"], timeout=30)
        assert ended["outcome"] == "completed"
        if holder is not None:  # the other program lets go of the old file...
            holder.stdin.close()
            assert holder.wait(timeout=10) == 0
            holder = None
            # ... which must not touch the new file: the ended session is readable now, and
            # survives a crash of the app (kill -9: no checkpoint on close to hide a lost WAL).
            files = sorted(os.listdir(data))
            with contextlib.closing(read_db(data)) as conn:
                row = conn.execute("SELECT outcome FROM sessions WHERE id = ?", (started["id"],)).fetchone()
            assert row is not None and row["outcome"] == "completed", \
                f"the new file lost the session when the other program closed the old one; files: {files}"
            app.kill9()
        else:
            assert app.quit() == 0
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()

    with contextlib.closing(read_db(data, read_only=False)) as conn:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        row = conn.execute("SELECT outcome, focused_s FROM sessions WHERE id = ?", (started["id"],)).fetchone()
    assert row is not None, "the session timed after the damage is not in the new file"
    assert row["outcome"] == "completed" and row["focused_s"] == 900
    assert aside.exists(), "the damaged file must never be deleted"
    if case == "locked":  # nothing was damaged: the set-aside file still holds the history
        conn = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
        with contextlib.closing(conn):
            assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == ROWS


def test_a_file_set_aside_earlier_is_never_overwritten(desktop: Desktop, tmp_path: Path) -> None:
    """Set-aside names carry a stamp to the second; if that name is taken (a file set aside
    moments before, e.g. by a quick restart), the new one must get another name."""
    data = tmp_path / "data"
    data.mkdir()
    path = db_path(data)
    path.write_bytes(random.Random(3).randbytes(8192))  # damaged: noise
    damaged_bytes = path.read_bytes()
    now = datetime.now()
    earlier = {}
    for s in range(-2, 15):  # every name the app can pick in the next seconds is taken
        name = f"{path.name}.damaged-{(now + timedelta(seconds=s)).strftime('%Y%m%d-%H%M%S')}"
        earlier[name] = f"set aside earlier: {name}".encode()
        (data / name).write_bytes(earlier[name])
    app = RunningApp(desktop, tmp_path, SCALE, name="taken", data=data)
    app.wait("notice", where=lambda r: "damaged-" in r["message"], timeout=10)
    assert app.quit() == 0
    lost = [name for name, content in earlier.items() if (data / name).read_bytes() != content]
    assert not lost, f"files set aside earlier were overwritten: {lost}"
    new = [p for p in data.glob(f"{path.name}.damaged-*") if p.name not in earlier and not p.name.endswith(("-wal", "-shm"))]
    assert len(new) == 1 and new[0].read_bytes() == damaged_bytes, sorted(os.listdir(data))
