"""kill -9 in the middle of `microsession import` and of `microsession backup`.

No desktop needed: the commands run as real processes (`python -m microsession`) on a data
folder of real files, and are killed with SIGKILL at moments drawn from a seeded random source
(--fault-seed), over `--fault-trials` trials (at least 4 each).

Import: a big export (~40,000 rows) goes into a data folder that holds earlier data. Half of
the kills land while the write transaction is open (after the `import_writing` trace line),
the others anywhere in the process' life. Afterwards the file passes integrity_check and the
common checks, every earlier row is there, and the import is there either whole or not at all;
running the import again then completes it.

Import into a new folder (no data file yet: it is built aside and linked into place): a kill
at any moment, right after the file was built (around the link) too, leaves no data file or
the complete one, and beside it at most a hidden temporary file that nothing takes for data;
the next import completes the job, and removes the leftover once it is an hour old.

Backup: a kill at any moment leaves in backups/ only complete, checked backups under a backup's
name (anything else is a hidden `.….partial-<pid>` file), and the data file intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import DB_NAME, db_path, db_problems, read_db

from microsession.core.ids import new_id
from microsession.store import backup, bulk_insert, db

SESSIONS = 16_000  # plus as many breaks, logs for 70 %, and a task per four


def write_history(path: Path, n: int, seed: int, start: datetime) -> int:
    """`n` focus sessions (each with a break) written straight into a new data file; the row count."""
    rng = random.Random(seed)
    conn = db.connect(path)
    sessions, logs, tasks = [], [], []
    moment = start
    for i in range(n):
        if i % 4 == 0:
            tasks.append((new_id(), f"task {i}", rng.choice(("admin", "research")), 15, 0, _iso(moment)))
        minutes = rng.choice((5, 10, 15, 25))
        end = moment + timedelta(minutes=minutes)
        sid = new_id()
        sessions.append((sid, "micro", minutes * 60.0, _iso(moment), 3600, _iso(end), 3600, minutes * 60.0,
                         "completed", tasks[-1][0]))
        if rng.random() < 0.7:
            logs.append((new_id(), sid, _iso(end), "stopped at ü " * rng.randrange(4), "next", rng.randint(1, 5)))
        sessions.append((new_id(), "break", 300.0, _iso(end), 3600, _iso(end + timedelta(minutes=5)), 3600, 300.0,
                         "completed", None))
        moment = end + timedelta(minutes=rng.randrange(6, 60))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO tasks (id, title, task_type, minutes, done, created_utc) VALUES (?, ?, ?, ?, ?, ?)", tasks)
    conn.executemany("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
                     " focused_s, outcome, task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sessions)
    conn.executemany("INSERT INTO session_logs (id, session_id, written_utc, stopped_at, next_step, energy)"
                     " VALUES (?, ?, ?, ?, ?, ?)", logs)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(sessions) + len(logs) + len(tasks)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def env_for(data: Path, trace: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, MICROSESSION_DATA_DIR=str(data), XDG_RUNTIME_DIR=str(data.parent))
    env.pop("MICROSESSION_TRACE", None)
    if trace is not None:
        env["MICROSESSION_TRACE"] = str(trace)
    return env


def cli(*argv: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "microsession", *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def traced(trace: Path, event: str) -> dict | None:
    if not trace.exists():
        return None
    for line in trace.read_text().splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if record.get("event") == event:
                return record
    return None


def wait_until(condition, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            return condition()
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def count_rows(data: Path) -> dict[str, int]:
    with contextlib.closing(read_db(data)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("tasks", "sessions", "session_logs")}


def ids_of(data: Path) -> set[str]:
    with contextlib.closing(read_db(data)) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM sessions UNION ALL SELECT id FROM session_logs")}


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict:
    """A big export file, and a data folder with earlier data of its own (pristine copy)."""
    work = tmp_path_factory.mktemp("kill9data")
    src = work / "src"
    src.mkdir()
    rows = write_history(db_path(src), SESSIONS, seed=7, start=datetime(2024, 1, 1, 8, tzinfo=timezone.utc))
    export_file = work / "big.json"
    done = subprocess.run([sys.executable, "-m", "microsession", "export", "--format", "json", "--out", str(export_file)],
                          env=env_for(src), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    earlier = work / "earlier"
    earlier.mkdir()
    write_history(db_path(earlier), 300, seed=8, start=datetime(2023, 6, 1, 8, tzinfo=timezone.utc))
    return {"work": work, "src": src, "export": export_file, "rows": rows, "earlier": earlier,
            "earlier_ids": ids_of(earlier), "earlier_counts": count_rows(earlier), "full": count_rows(src)}


def fresh_copy(pristine: Path, to: Path) -> Path:
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(pristine, to)
    return to


def test_kill9_during_import_leaves_all_or_nothing(big, tmp_path, fault_trials: int, fault_rng) -> None:
    export_file, earlier = big["export"], big["earlier"]
    # one import to the end: how long its phases take here
    data = fresh_copy(earlier, tmp_path / "calibrate")
    trace = tmp_path / "calibrate.trace"
    t0 = time.monotonic()
    proc = cli("import", str(export_file), env=env_for(data, trace))
    out, err = proc.communicate(timeout=300)
    total = time.monotonic() - t0
    assert proc.returncode == 0, err
    writing = traced(trace, "import_writing")["mono"] - t0
    committed = traced(trace, "import_committed")["mono"] - t0
    assert committed - writing > 0.05, "the write phase is too short to be hit: make the file bigger"
    expect_all = {t: big["earlier_counts"][t] + big["full"][t] for t in big["full"]}
    assert count_rows(data) == expect_all
    outcomes = {"none": 0, "all": 0}
    for trial in range(max(4, fault_trials // 2)):
        data = fresh_copy(earlier, tmp_path / f"trial{trial}")
        trace = tmp_path / f"trial{trial}.trace"
        proc = cli("import", str(export_file), env=env_for(data, trace))
        if trial % 2 == 0:  # inside the write transaction
            wait_until(lambda: traced(trace, "import_writing"), 120, "the write transaction", proc)
            delay = fault_rng.uniform(0, (committed - writing) * 1.1)
        else:  # anywhere in the process' life
            delay = fault_rng.uniform(0, total * 1.1)
        time.sleep(delay)  # the kill moment itself (random, seeded), not a wait for something
        kill(proc)
        assert db_problems(data) == [], f"trial {trial}"
        assert big["earlier_ids"] <= ids_of(data), f"trial {trial}: earlier rows lost"
        counts = count_rows(data)
        if counts == big["earlier_counts"]:
            outcomes["none"] += 1
            assert traced(trace, "import_committed") is None, f"trial {trial}: committed, yet nothing there"
        else:
            assert counts == expect_all, f"trial {trial}: half an import: {counts}"
            outcomes["all"] += 1
        # the next run finishes the job (or finds it done)
        again = subprocess.run([sys.executable, "-m", "microsession", "import", str(export_file)],
                               env=env_for(data), capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert count_rows(data) == expect_all and db_problems(data) == []
    print(f"[faults] import kills: {outcomes}")
    assert outcomes["none"] >= 1, outcomes  # the kills inside the transaction did land there


def test_kill9_during_backup_leaves_no_half_backup(big, tmp_path, fault_trials: int, fault_rng) -> None:
    data = fresh_copy(big["src"], tmp_path / "data")
    env = env_for(data)
    t0 = time.monotonic()
    first = subprocess.run([sys.executable, "-m", "microsession", "backup", "--keep", "100"], env=env,
                           capture_output=True, text=True, timeout=300)
    total = time.monotonic() - t0
    assert first.returncode == 0, first.stderr
    folder = data / "backups"
    expect = big["full"]["sessions"]
    killed_early = mid_copy = 0
    partial = lambda: any(backup.PARTIAL_SUFFIX in p.name for p in folder.iterdir())  # noqa: E731
    for trial in range(max(4, fault_trials // 2)):
        proc = cli("backup", "--keep", "100", env=env)
        if trial % 2 == 0:  # while the copy is being written
            mid_copy += bool(wait_until(partial, 120, "a partial backup file", proc))
            time.sleep(fault_rng.uniform(0, 0.01))
        else:  # anywhere in the process' life
            time.sleep(fault_rng.uniform(0, total * 1.1))
        kill(proc)
        killed_early += proc.returncode == -signal.SIGKILL
        for path in folder.iterdir():
            if backup.NAME.fullmatch(path.name):
                with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
                    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok", path
                    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == expect, path
            else:
                assert path.name.startswith(".microsession-") and backup.PARTIAL_SUFFIX in path.name, path
        assert db_problems(data) == [] and count_rows(data) == big["full"]
    last = subprocess.run([sys.executable, "-m", "microsession", "backup", "--keep", "100"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert last.returncode == 0, last.stderr
    print(f"[faults] backup kills before the end: {killed_early}, {mid_copy} of them while the copy was written")
    assert killed_early >= 1 and mid_copy >= 1


def schema_names(data: Path) -> set[tuple[str, str]]:
    with contextlib.closing(read_db(data)) as conn:
        return {(r[0], r[1]) for r in conn.execute("SELECT type, name FROM sqlite_master")}


def test_kill9_during_import_into_empty_tables_leaves_nothing_or_all(big, tmp_path, fault_trials: int, fault_rng) -> None:
    """The bulk path (store/bulk_insert.py) drops indexes and triggers inside the transaction:
    a kill before the commit brings them back with the rest."""
    export_file = big["export"]
    empty = tmp_path / "empty"
    empty.mkdir()
    db.connect(db_path(empty)).close()  # a data file with no history yet, as after a first start
    schema = schema_names(empty)
    data = fresh_copy(empty, tmp_path / "calibrate")
    trace = tmp_path / "calibrate.trace"
    proc = cli("import", str(export_file), env=env_for(data, trace))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    writing, committed = (traced(trace, e)["mono"] for e in ("import_writing", "import_committed"))
    assert count_rows(data) == big["full"] and schema_names(data) == schema
    zero = {t: 0 for t in big["full"]}
    outcomes = {"none": 0, "all": 0}
    for trial in range(max(4, fault_trials // 2)):
        data = fresh_copy(empty, tmp_path / f"trial{trial}")
        trace = tmp_path / f"trial{trial}.trace"
        proc = cli("import", str(export_file), env=env_for(data, trace))
        wait_until(lambda: traced(trace, "import_writing"), 120, "the write transaction", proc)
        time.sleep(fault_rng.uniform(0, (committed - writing) * 1.1))  # the kill moment (random, seeded)
        kill(proc)
        assert db_problems(data) == [] and schema_names(data) == schema, f"trial {trial}"
        counts = count_rows(data)
        if counts == zero:
            outcomes["none"] += 1
            assert traced(trace, "import_committed") is None, f"trial {trial}: committed, yet nothing there"
        else:
            assert counts == big["full"], f"trial {trial}: half an import: {counts}"
            outcomes["all"] += 1
        again = subprocess.run([sys.executable, "-m", "microsession", "import", str(export_file)],
                               env=env_for(data), capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert count_rows(data) == big["full"] and db_problems(data) == [] and schema_names(data) == schema
    print(f"[faults] import into empty tables, kills: {outcomes}")
    assert outcomes["none"] >= 1, outcomes


LEFTOVER = f".{DB_NAME}.{bulk_insert.ASIDE}-"  # a killed import's temporary file


def test_kill9_during_import_into_a_new_folder_leaves_no_file_or_all(big, tmp_path, fault_trials: int,
                                                                     fault_rng) -> None:
    export_file = big["export"]
    schema_of = tmp_path / "schema"
    schema_of.mkdir()
    db.connect(db_path(schema_of)).close()
    schema = schema_names(schema_of)
    calibrate, trace = tmp_path / "calibrate", tmp_path / "calibrate.trace"
    t0 = time.monotonic()
    proc = cli("import", str(export_file), env=env_for(calibrate, trace))
    out, err = proc.communicate(timeout=300)
    total = time.monotonic() - t0
    assert proc.returncode == 0, err
    assert sorted(p.name for p in calibrate.iterdir()) == [db_path(calibrate).name]
    assert count_rows(calibrate) == big["full"] and schema_names(calibrate) == schema
    writing, built = (traced(trace, e)["mono"] - t0 for e in ("import_writing", "import_built"))
    outcomes = {"none": 0, "all": 0}
    for trial in range(max(6, fault_trials // 2)):
        data, trace = tmp_path / f"new{trial}", tmp_path / f"new{trial}.trace"
        proc = cli("import", str(export_file), env=env_for(data, trace))
        if trial % 3 == 0:  # while the file aside fills
            wait_until(lambda: traced(trace, "import_writing"), 120, "the write transaction", proc)
            time.sleep(fault_rng.uniform(0, built - writing))  # the kill moment (random, seeded)
        elif trial % 3 == 1:  # the file is built: synced, then linked into place, its temporary name removed
            wait_until(lambda: traced(trace, "import_built"), 120, "the file built", proc)
            time.sleep(fault_rng.uniform(0, 0.002))
        else:  # anywhere in the process' life
            time.sleep(fault_rng.uniform(0, total * 1.1))
        kill(proc)
        names = sorted(p.name for p in data.iterdir()) if data.exists() else []
        assert all(n.startswith(LEFTOVER) or n.startswith(db_path(data).name) for n in names), names
        if db_path(data).exists():
            assert db_problems(data) == [] and schema_names(data) == schema, f"trial {trial}"
            assert count_rows(data) == big["full"], f"trial {trial}: half an import"
            outcomes["all"] += 1
        else:
            outcomes["none"] += 1
            assert traced(trace, "import_committed") is None, f"trial {trial}: committed, yet nothing there"
        again = subprocess.run([sys.executable, "-m", "microsession", "import", str(export_file)],
                               env=env_for(data), capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr  # a leftover is not taken for a data file
        assert count_rows(data) == big["full"] and db_problems(data) == [] and schema_names(data) == schema
        leftovers = [p for p in data.iterdir() if p.name.startswith(LEFTOVER)]
        hour_ago = time.time() - bulk_insert.STALE_S - 1
        for path in leftovers:
            os.utime(path, (hour_ago, hour_ago))
        subprocess.run([sys.executable, "-m", "microsession", "import", str(export_file)],
                       env=env_for(data), capture_output=True, text=True, timeout=300, check=True)
        assert not [p for p in data.iterdir() if p.name.startswith(LEFTOVER)], f"trial {trial}: leftover kept"
        assert count_rows(data) == big["full"] and db_problems(data) == []
    print(f"[faults] import into a new folder, kills: {outcomes}")
    assert outcomes["none"] >= 1, outcomes  # the kills while it filled did land there
