"""Issue 14 item 5: writes that wait on a full disk survive a quit (and a kill -9).

* In process, on real SQLite files: a connection that cannot write (read-only, as a full
  disk refuses writes) -> start, stop, log; the journal keeps the three writes in its spill
  file; a new journal (the next start) lands them, and recovery does not resume a session
  whose end is waiting.
* The real app on a private desktop with its data folder on a small tmpfs: disk full ->
  stop -> quit -> space freed -> start: the session is logged as stopped, never "resumed
  with 5 min left".
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.logbook import SessionLog
from microsession.core.session import Engine
from microsession.journal import Journal
from microsession.store import db

ROWS = "SELECT outcome, focused_s FROM sessions WHERE id = ?"


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)


def test_waiting_writes_outlive_the_journal_and_land_at_the_next_start(tmp_path):
    path = tmp_path / "data" / "m.sqlite3"
    db.connect(path).close()
    spill = [tmp_path / "data" / "pending.jsonl", tmp_path / "run" / "pending.jsonl"]
    clock = FakeClock()
    engine = Engine(clock)
    problems: list[str] = []
    journal = Journal(read_only(path), on_problem=problems.append, spill=spill)
    journal.record(engine.start(600, Kind.MICRO))
    clock.advance(120)
    ended = engine.stop()
    journal.record(ended)
    session_id = ended[-1].session.id
    journal.add_log(session_id, SessionLog("para 3", "para 4", 4), clock.now_utc())
    assert journal.pending == 3 and len(problems) == 1
    lines = spill[0].read_text().splitlines()
    assert [json.loads(line)["op"] for line in lines] == ["insert", "complete", "log"]
    assert stat.S_IMODE(spill[0].stat().st_mode) == 0o600
    del journal  # the app quits (or is killed): the writes are only in the spill file now

    conn = db.connect(path)
    again = Journal(conn, spill=spill)
    assert again.take_spilled() == 3 and again.pending == 0
    assert tuple(conn.execute(ROWS, (session_id,)).fetchone()) == ("stopped", 120.0)
    assert conn.execute("SELECT next_step FROM session_logs WHERE session_id = ?", (session_id,)).fetchone()[0] == "para 4"
    assert not any(p.exists() for p in spill)
    assert Journal(conn, spill=spill).take_spilled() == 0  # landed once, never twice
    conn.close()


def test_spill_goes_to_the_next_place_when_the_first_cannot_be_written(tmp_path):
    path = tmp_path / "m.sqlite3"
    db.connect(path).close()
    (tmp_path / "run").mkdir()
    spill = [tmp_path / "no-such-folder" / "pending.jsonl", tmp_path / "run" / "pending.jsonl"]
    journal = Journal(read_only(path), spill=spill)
    journal.record(Engine(FakeClock()).start(300, Kind.MICRO))
    assert not spill[0].exists() and len(spill[1].read_text().splitlines()) == 1


def test_a_torn_spill_file_keeps_what_came_before_and_a_landed_write_is_skipped(tmp_path):
    path = tmp_path / "m.sqlite3"
    conn = db.connect(path)
    spill = [tmp_path / "pending.jsonl"]
    clock = FakeClock()
    engine = Engine(clock)
    journal = Journal(read_only(path), spill=spill)
    journal.record(engine.start(300, Kind.MICRO))
    clock.advance(300)
    journal.record(engine.tick())
    text = spill[0].read_text()
    first = json.loads(text.splitlines()[0])
    from microsession.journal_ops import session_of
    from microsession.store import sessions

    sessions.insert(conn, session_of(first["session"]))  # its start landed after all
    spill[0].write_text(text + '{"op": "complete", "sess')  # the disk filled mid-line
    again = Journal(conn, spill=spill)
    assert again.take_spilled() == 2 and again.pending == 0
    assert conn.execute(ROWS, (first["session"]["id"],)).fetchone()[0] == "completed"
    conn.close()


# --- the real app -----------------------------------------------------------------------------
def _can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=64k probe /tmp"], capture_output=True)
    return probe.returncode == 0


@contextlib.contextmanager
def small_tmpfs(where: Path):
    """A 1 MB tmpfs at `where` (root), unmounted afterwards whatever happens."""
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "microsession-full", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("end", ["quit", "kill -9"])
def test_a_stop_on_a_full_disk_survives_quit(desktop, tmp_path, end):
    from app_runner import RunningApp
    from harness import read_db
    from test_readonly import fill, notices

    if not _can_mount():
        reason = "mounting a small tmpfs needs root"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)
    with small_tmpfs(tmp_path / "data") as data:
        app = RunningApp(desktop, tmp_path, 10, name="full", data=data)
        assert app.control("start", "25").returncode == 0
        started = app.wait("session_started", kind="micro")
        assert fill(data / "filler") > 0
        stop = app.control("stop")
        assert stop.returncode == 0, stop.stderr
        app.wait("session_ended", id=started["id"], outcome="stopped")
        if end == "quit":
            assert app.quit() == 0
        else:
            app.kill9()
        with contextlib.closing(read_db(data)) as conn:
            row = conn.execute("SELECT ended_utc FROM sessions WHERE id = ?", (started["id"],)).fetchone()
        assert row is not None and row[0] is None, "the stop was written: the disk was not full"
        (data / "filler").unlink()  # space comes back while the app is closed

        again = RunningApp(desktop, tmp_path, 10, name="again", data=data)
        with contextlib.closing(read_db(data)) as conn:
            row = conn.execute(ROWS, (started["id"],)).fetchone()
        told = notices(again)
        assert again.quit() == 0
        assert not [m for m in told if "resumed" in m], told
        assert row is not None and row[0] == "stopped", "the stop made on the full disk was lost"
        assert not (data / "pending-writes.jsonl").exists()


def test_writes_are_spilled_when_the_store_cannot_even_be_opened(tmp_path):
    spill = [tmp_path / "pending.jsonl"]
    journal = Journal(None, reopen=lambda: db.connect(tmp_path / "no" / "such" / "folder" / "m.sqlite3", migrate=False),
                      told=True, spill=spill)
    journal.record(Engine(FakeClock()).start(300, Kind.MICRO))
    assert journal.pending == 1 and len(spill[0].read_text().splitlines()) == 1


def test_a_spill_place_that_refuses_even_a_removal_is_passed_over(tmp_path, monkeypatch):
    """A read-only data folder: its spill place cannot be written nor cleaned (EROFS); the
    write goes to the next place and nothing raises into the timer (it did, in the app)."""
    path = tmp_path / "m.sqlite3"
    db.connect(path).close()
    (tmp_path / "run").mkdir()
    spill = [tmp_path / "ro" / "pending.jsonl", tmp_path / "run" / "pending.jsonl"]
    real_unlink = Path.unlink

    def unlink(self, missing_ok=False):
        if self.parent.name == "ro":
            raise OSError(30, "Read-only file system", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    journal = Journal(None, reopen=lambda: read_only(path), told=True, spill=spill)
    journal.record(Engine(FakeClock()).start(300, Kind.MICRO))
    assert len(spill[1].read_text().splitlines()) == 1
