"""kill -9 in the middle of a sync round, on the writing side and on the reading side.

No desktop needed: `microsession sync now` runs as a real process on real files (a data folder
with a few thousand sessions, a plain folder standing in for the synced one) and is killed with
SIGKILL at moments drawn from the seeded random source (--fault-seed), over --fault-trials
trials (at least 4 each). Half of the kills land between the `sync_writing` trace line (the
changes are read, the journal is about to be written) and the end of the process.

Writing side: afterwards the data file passes the common checks, every journal line in the folder
is whole, and the next round writes what was missing with no sequence number used twice; another
computer then holds every session. Reading side: the other computer's file stays intact and has
either none or all of the merge; the next round completes it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from harness import db_path, db_problems, read_db
from test_kill9_data import cli, env_for, kill, traced, wait_until, write_history

from microsession.store import db, settings, sync_journal

SESSIONS = 3000


def use_folder(data: Path, folder: Path) -> None:
    conn = db.connect(db_path(data))
    settings.save(conn, "sync_folder", str(folder))
    conn.close()


def session_ids(data: Path) -> set[str]:
    with contextlib.closing(read_db(data)) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM sessions")}


def journal_lines(folder: Path) -> list[dict]:
    """Every line of every journal in the folder, each device's in its order; fails on a torn one."""
    lines = []
    for path in [p for device in sorted((folder / "devices").iterdir()) for p in sync_journal.own_files(device)]:
        data = path.read_bytes()
        assert data.endswith(b"\n"), f"{path} ends in the middle of a line"
        lines += [json.loads(x) for x in data.splitlines()]
    return lines


def sync_now(data: Path, trace: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "microsession", "sync", "now"], env=env_for(data, trace),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("kill9sync")
    data = work / "laptop"
    data.mkdir()
    write_history(db_path(data), SESSIONS, seed=11, start=datetime(2025, 1, 1, 8, tzinfo=timezone.utc))
    return {"work": work, "data": data, "ids": session_ids(data)}


def fresh(pristine: Path, to: Path) -> Path:
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(pristine, to)
    return to


def calibrate(data: Path, folder: Path, trace: Path) -> tuple[float, float]:
    """(seconds to the writing phase, seconds of the whole round) of one round run to its end."""
    t0 = time.monotonic()
    proc = cli("sync", "now", env=env_for(data, trace))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return traced(trace, "sync_writing")["mono"] - t0, time.monotonic() - t0


def test_kill9_while_writing_loses_nothing(laptop, tmp_path, fault_trials: int, fault_rng) -> None:
    folder = tmp_path / "cal-folder"
    folder.mkdir()
    data = fresh(laptop["data"], tmp_path / "cal")
    use_folder(data, folder)
    writing, total = calibrate(data, folder, tmp_path / "cal.trace")
    outcomes = {"written": 0, "not written": 0, "written, not committed": 0}
    for trial in range(max(4, fault_trials // 2)):
        folder = tmp_path / f"folder{trial}"
        folder.mkdir()
        data = fresh(laptop["data"], tmp_path / f"laptop{trial}")
        use_folder(data, folder)
        trace = tmp_path / f"trial{trial}.trace"
        proc = cli("sync", "now", env=env_for(data, trace))
        if trial % 2 == 0:
            wait_until(lambda: traced(trace, "sync_writing"), 120, "the writing phase", proc)
            delay = fault_rng.uniform(0, max(total - writing, 0.01) * 1.1)
        else:
            delay = fault_rng.uniform(0, total * 1.1)
        time.sleep(delay)  # the kill moment itself (random, seeded), not a wait for something
        kill(proc)
        assert db_problems(data) == [], f"trial {trial}"
        lines = journal_lines(folder) if (folder / "devices").exists() else []
        outcomes["written" if lines else "not written"] += 1
        with contextlib.closing(read_db(data)) as conn:
            if lines and conn.execute("SELECT count(*) FROM sync_dirty").fetchone()[0]:
                outcomes["written, not committed"] += 1  # the narrow window (also: tests/store)
        # the next round writes what is missing, numbering on after what is there
        again = sync_now(data)
        assert again.returncode == 0, again.stderr
        seqs = [x["seq"] for x in journal_lines(folder)]
        assert seqs == sorted(set(seqs)), f"trial {trial}: a sequence number used twice"
        with contextlib.closing(read_db(data)) as conn:
            assert conn.execute("SELECT count(*) FROM sync_dirty").fetchone()[0] == 0
        office = tmp_path / f"office{trial}"
        office.mkdir()
        use_folder(office, folder)
        assert sync_now(office).returncode == 0
        assert laptop["ids"] <= session_ids(office), f"trial {trial}: sessions missing on the other computer"
        assert db_problems(office) == []
        shutil.rmtree(office), shutil.rmtree(data), shutil.rmtree(folder)
    print(f"[faults] sync write kills: {outcomes}")


def test_kill9_while_merging_leaves_all_or_nothing(laptop, tmp_path, fault_trials: int, fault_rng) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    data = fresh(laptop["data"], tmp_path / "laptop")
    use_folder(data, folder)
    assert sync_now(data).returncode == 0
    pristine = tmp_path / "office-pristine"
    pristine.mkdir()
    use_folder(pristine, folder)
    with contextlib.closing(db.connect(db_path(pristine))) as conn:
        sync_journal.enable(conn)  # its own rows marked, as a computer that syncs already
    writing, total = calibrate(fresh(pristine, tmp_path / "cal"), folder, tmp_path / "cal.trace")
    outcomes = {"none": 0, "all": 0}
    for trial in range(max(4, fault_trials // 2)):
        office = fresh(pristine, tmp_path / f"office{trial}")
        trace = tmp_path / f"merge{trial}.trace"
        proc = cli("sync", "now", env=env_for(office, trace))
        if trial % 2 == 0:
            wait_until(lambda: traced(trace, "sync_written"), 120, "the merge phase", proc)
            delay = fault_rng.uniform(0, max(total - writing, 0.01) * 1.1)
        else:
            delay = fault_rng.uniform(0, total * 1.1)
        time.sleep(delay)  # the kill moment (random, seeded)
        kill(proc)
        assert db_problems(office) == [], f"trial {trial}"
        have = session_ids(office) & laptop["ids"]
        assert have in (set(), laptop["ids"]), f"trial {trial}: half a merge ({len(have)} sessions)"
        outcomes["all" if have else "none"] += 1
        assert sync_now(office).returncode == 0
        assert laptop["ids"] <= session_ids(office) and db_problems(office) == []
        shutil.rmtree(office)
    print(f"[faults] sync merge kills: {outcomes}")
