"""A full or read-only data folder: the timer runs, the user is told once, and the writes
that failed land when the folder is writable again.

Root ignores file permissions, so `chmod 0555` proves nothing when the tests run as root
(as CI does). What really makes SQLite's writes fail, for root too, is the file system
itself; the app runs in a private mount namespace (``unshare -m``: its mounts vanish with
it, nothing is left mounted on the machine) where its data folder is:

* ``full``: a 1 MB tmpfs that the test fills up (through ``/proc/<pid>/root``) once the app
  has opened its file, and empties again after the session ended; the controller's 30-s
  retry must then land the pending writes with no help from the user;
* ``read_only``: a read-only bind mount of a folder holding a real data file, from the
  start; made writable again (``nsenter ... mount -o remount,rw``) after the session; the
  user then answers the popup (the break's write retries the pending ones).

Without root (no private mount namespace), ``read_only`` falls back to chmod 0555 and
``full`` is skipped (a failure with CI=true).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from desktop import Desktop
from app_runner import RunningApp
from harness import db_path, read_db

from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.store import db, sessions

SCALE = 300  # the 15-minute sprint in 3 s
RETRY_TIMEOUT = 45.0  # the controller retries every 30 s (real time) while writes wait
PROBLEM = "cannot be saved"
SAVED_AGAIN = "saved again"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _private_mounts_work() -> bool:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=64k probe /tmp"], capture_output=True)
    return probe.returncode == 0


MOUNTS = _private_mounts_work()


def need_mounts() -> None:
    if not MOUNTS:
        reason = "a private mount namespace is needed (root with CAP_SYS_ADMIN, unshare, nsenter)"
        if _in_ci():
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)


def notices(app: RunningApp) -> list[str]:
    return [r["message"] for r in app.records() if r["event"] == "notice"]


def problem_notices(app: RunningApp) -> list[str]:
    """What the user was told about saving (not the chime's or a resume's notice)."""
    return [m for m in notices(app) if "chime" not in m and SAVED_AGAIN not in m and "resumed" not in m]


def fill(path: Path) -> int:
    """Write `path` until the file system is full; return the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                    written += chunk
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return written


QUERY = "SELECT outcome, focused_s FROM sessions WHERE id = ? AND ended_utc IS NOT NULL"


def completed_row(data: Path, session_id: str) -> dict | None:
    with contextlib.closing(read_db(data)) as conn:
        row = conn.execute(QUERY, (session_id,)).fetchone()
    return dict(row) if row else None


def completed_row_inside(pid: int, data: Path, session_id: str) -> dict | None:
    """The same, read inside the app's mount namespace. (Through /proc/<pid>/root SQLite
    would resolve the magic link back to our own view, where the tmpfs is not mounted.)"""
    code = ("import json, sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True);"
            " r = c.execute(sys.argv[2], (sys.argv[3],)).fetchone();"
            " print(json.dumps(r and {'outcome': r[0], 'focused_s': r[1]}))")
    out = subprocess.run(["nsenter", "-t", str(pid), "-m", sys.executable, "-c", code,
                          str(db_path(data)), QUERY, session_id],
                         capture_output=True, text=True, check=True, timeout=30)
    return json.loads(out.stdout)


def integrity_inside(pid: int, data: Path) -> str:
    code = ("import sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True);"
            " print(c.execute('PRAGMA integrity_check').fetchone()[0])")
    return subprocess.run(["nsenter", "-t", str(pid), "-m", sys.executable, "-c", code, str(db_path(data))],
                          capture_output=True, text=True, check=True, timeout=30).stdout.strip()


def test_full_folder_timer_runs_told_once_writes_land(desktop: Desktop, tmp_path: Path) -> None:
    need_mounts()
    data = tmp_path / "data"
    data.mkdir()
    wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               'mount -t tmpfs -o size=1m,mode=0755 microsession-full "$0" && exec "$@"', str(data)]
    app = RunningApp(desktop, tmp_path, SCALE, name="full", data=data, wrapper=wrapper)
    inside = Path(f"/proc/{app.proc.pid}/root") / data.relative_to("/")  # the app's view
    assert db_path(inside).exists() and not db_path(data).exists(), "the tmpfs is not the app's data folder"
    assert fill(inside / "filler") > 0

    app.click_tray()
    started = app.wait("session_started", kind="micro")
    ended = app.wait("session_ended", id=started["id"], timeout=30)
    assert ended["outcome"] == "completed", "the timer must run on"
    app.wait("popup_shown", id=started["id"])
    assert completed_row_inside(app.proc.pid, data, started["id"]) is None, \
        "the write did not fail: the folder was not full"
    told = problem_notices(app)
    assert len(told) == 1 and PROBLEM in told[0], f"told once expected; notices: {notices(app)}"

    (inside / "filler").unlink()
    freed = time.monotonic()
    row = desktop.wait_for(lambda: completed_row_inside(app.proc.pid, data, started["id"]), timeout=RETRY_TIMEOUT,
                           interval=0.2, what="the pending writes to land (30-s retry)")
    delay = time.monotonic() - freed
    print(f"\n[faults] full folder: the pending writes landed {delay:.1f} s after space was freed")
    assert row["outcome"] == "completed" and row["focused_s"] == 900
    app.wait("notice", where=lambda r: SAVED_AGAIN in r["message"], timeout=5)
    assert len(problem_notices(app)) == 1, notices(app)
    assert integrity_inside(app.proc.pid, data) == "ok"
    assert app.quit() == 0


def make_history(path: Path, rows: int = 3) -> None:
    conn = db.connect(path)
    now = datetime.now(timezone.utc)
    for i in range(rows):
        info = SessionInfo(f"{i:032x}", Kind.MICRO, 900.0, now - timedelta(hours=i + 1), None)
        sessions.insert(conn, info)
        sessions.complete(conn, Ended(info, Outcome.COMPLETED, info.started_utc + timedelta(minutes=15), 900.0))
    conn.close()


def test_read_only_folder_timer_runs_told_once_writes_land(desktop: Desktop, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    make_history(db_path(data))
    if MOUNTS:
        wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                   'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(data)]
    elif os.geteuid() != 0:
        wrapper = None
        data.chmod(0o555)
        db_path(data).chmod(0o444)
    else:
        need_mounts()  # root without mount namespaces: nothing makes the folder read-only
    try:
        app = RunningApp(desktop, tmp_path, SCALE, name="read_only", data=data, wrapper=wrapper)
        app.click_tray()
        started = app.wait("session_started", kind="micro")
        ended = app.wait("session_ended", id=started["id"], timeout=30)
        assert ended["outcome"] == "completed", "the timer must run on"
        app.wait("popup_shown", id=started["id"])
        assert completed_row(data, started["id"]) is None, "the write did not fail: the folder was writable"
        told = problem_notices(app)  # checked at the end: first, whether the writes land at all

        if MOUNTS:  # writable again
            subprocess.run(["nsenter", "-t", str(app.proc.pid), "-m", "mount", "-o", "remount,bind,rw",
                           str(data)], check=True)
        else:
            data.chmod(0o755)
            db_path(data).chmod(0o644)
        app.answer_popup("Escape")  # the user goes on: the break's start is a write, and retries
        app.wait("session_started", kind="break")
        row = desktop.wait_for(lambda: completed_row(data, started["id"]), timeout=RETRY_TIMEOUT,
                               interval=0.2, what="the pending writes to land")
        assert row["outcome"] == "completed" and row["focused_s"] == 900
        app.wait("notice", where=lambda r: SAVED_AGAIN in r["message"], timeout=5)
        assert len(told) == 1, f"told once expected; notices: {notices(app)}"
        assert len(problem_notices(app)) == 1, notices(app)
        assert app.quit() == 0
    finally:
        if not MOUNTS and os.geteuid() != 0:
            data.chmod(0o755)
    assert not list(data.glob("*.damaged-*")), "a read-only folder is no damage: nothing may be set aside"
    with contextlib.closing(read_db(data)) as conn:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert conn.execute("SELECT count(*) FROM sessions WHERE kind = 'micro'").fetchone()[0] == 4
