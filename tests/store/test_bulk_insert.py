"""An import into empty tables (store/bulk_insert.py's path) leaves the file exactly as the
row-by-row path does: every table's rows (in rowid order, rowids included), the schema's
triggers and indexes, the summaries once refreshed, and with sync on, the rows marked changed.
And a refused import takes everything back, the triggers and indexes it set aside included.
A data file that does not exist yet is built aside (new_file_aside) and ends the same too."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from test_export import fill

from microsession.core import export_format as fmt
from microsession.store import bulk_insert, db, export, summary, sync_journal

DEVICE = "d" * 32
TOUCHED = ["settings", "block_summary", "summary_dirty", "summary_bulk", "sync_state", "sync_dirty"]


@pytest.fixture(scope="module")
def document(tmp_path_factory, history_export) -> str:
    """An export of every kind of row the app writes, and enough of them (a generated half
    year: ~5,500 sessions) to fill many statements of store/bulk_insert.py."""
    return history_export(tmp_path_factory.mktemp("bulk"), years=0.5, per_day=16, more=fill)


def _fresh(path: Path, sync: bool = False) -> sqlite3.Connection:
    conn = db.connect(path)
    conn.execute("UPDATE sync_state SET device_id = ?", (DEVICE,))  # new files draw their own
    if sync:
        sync_journal.enable(conn)
    return conn


def contents(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything in the file that an import may touch, in a form to compare."""
    out: dict[str, object] = {"schema": sorted(tuple(r) for r in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))}
    for table in [t.name for t in fmt.TABLES] + TOUCHED:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        cols = "tbl, key" if table == "sync_dirty" else "*"  # when it changed: the import's moment
        select = f"SELECT {cols} FROM {table}" if "WITHOUT ROWID" in sql.upper() else f"SELECT rowid, {cols} FROM {table}"
        out[table] = sorted(tuple(r) for r in conn.execute(select))
    for table, index in conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"):
        out[f"index {index}"] = [tuple(r) for r in conn.execute(f"PRAGMA index_info({index})")]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return out


def _both(tmp_path: Path, document: str, sync: bool = False, before=None) -> tuple[dict, dict, export.Merged]:
    tables = fmt.validate(fmt.parse(document))
    seen = []
    for bulk in (False, True):
        conn = _fresh(tmp_path / f"bulk-{bulk}.sqlite3", sync)
        try:
            if before is not None:
                before(conn)
            merged = export.merge(conn, tables, bulk=bulk)
            summary.refresh(conn)
            seen.append((contents(conn), merged))
        finally:
            conn.close()
    (slow, slow_merged), (fast, fast_merged) = seen
    assert fast_merged == slow_merged
    return slow, fast, fast_merged


def test_into_an_empty_file_the_same_as_row_by_row(tmp_path, document):
    slow, fast, merged = _both(tmp_path, document)
    assert merged.added["sessions"] > 2 * 2000 and merged.added["session_logs"] > 1000
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    assert len(fast["block_summary"]) > 10 and fast["summary_dirty"] == []
    assert {r[-3] for r in fast["sessions"]} == {DEVICE}  # every new session is this device's


def test_with_sync_on_the_rows_are_marked_changed_as_the_triggers_do(tmp_path, document):
    assert all(sync_journal.SYNCED[t.name] == t.key for t in fmt.TABLES)  # bulk_insert marks by the format's key
    slow, fast, merged = _both(tmp_path, document, sync=True)
    for name in slow:
        assert fast[name] == slow[name], name
    assert len(fast["sync_dirty"]) >= merged.total_added
    assert any(name.startswith("sync_sessions_") for _, name, _, _ in fast["schema"])  # still there, for later writes


def test_a_file_with_some_tables_filled_takes_both_paths(tmp_path, document):
    tables = fmt.validate(fmt.parse(document))

    def some_tasks_there(conn):  # tasks go row by row, everything else in bulk
        export.merge(conn, {"task_types": tables["task_types"], "tasks": tables["tasks"][:5]}, bulk=False)

    slow, fast, merged = _both(tmp_path, document, sync=True, before=some_tasks_there)
    for name in slow:
        assert fast[name] == slow[name], name
    assert merged.same >= 5


def test_a_refused_import_takes_all_back_and_names_the_row_as_before(tmp_path, document):
    tables = fmt.validate(fmt.parse(document))
    logs = list(tables["session_logs"])
    at = len(logs) - 3
    logs[at] = (logs[at][0], "f" * 32, *logs[at][2:])  # its session is nowhere
    bad = {**tables, "session_logs": logs}
    errors, after = [], []
    for bulk in (False, True):
        conn = _fresh(tmp_path / f"refused-{bulk}.sqlite3", sync=True)
        try:
            before = contents(conn)
            with pytest.raises(export.ImportRefused) as refused:
                export.merge(conn, bad, bulk=bulk)
            errors.append(str(refused.value))
            assert contents(conn) == before
            after.append(before)
        finally:
            conn.close()
    assert errors[0] == errors[1] == f"session_logs[{at}]: it refers to a row that is neither in the file nor in your data"


def test_the_import_marks_a_span_of_blocks_that_holds_every_session(tmp_path, document):
    conn = _fresh(tmp_path / "span.sqlite3")
    try:
        export.merge(conn, fmt.validate(fmt.parse(document)))
        with_sessions = {b for (b,) in conn.execute("SELECT DISTINCT block FROM session_blocks")}
        dirty = set(summary.dirty_blocks(conn))
        assert with_sessions <= dirty and dirty == set(range(min(dirty), max(dirty) + 1))
        assert min(with_sessions) - 1 <= min(dirty) and max(dirty) <= max(with_sessions) + 1
        summary.refresh(conn)  # the blocks without a session get no rows
        assert summary.dirty_blocks(conn) == []
        assert {b for (b,) in conn.execute("SELECT DISTINCT block FROM block_summary")} == with_sessions
    finally:
        conn.close()


def test_a_trigger_it_does_not_know_stays_and_runs_for_every_row(tmp_path, document):
    def audited(conn):
        conn.execute("CREATE TABLE audit (id TEXT)")
        conn.execute("CREATE TRIGGER summary_audit AFTER INSERT ON sessions BEGIN INSERT INTO audit VALUES (NEW.id); END")

    slow, fast, merged = _both(tmp_path, document, before=audited)
    for name in slow:
        assert fast[name] == slow[name], name
    conn = sqlite3.connect(tmp_path / "bulk-True.sqlite3")
    try:
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == merged.added["sessions"]
    finally:
        conn.close()


def _aside_fill(tables, sync: bool = False, then=None):
    def fill(conn: sqlite3.Connection) -> export.Merged:
        conn.execute("UPDATE sync_state SET device_id = ?", (DEVICE,))
        if sync:
            sync_journal.enable(conn)
        merged = export.merge(conn, tables)
        if then is not None:
            then()
        return merged
    return fill


@pytest.mark.parametrize("sync", [False, True])
def test_a_new_file_built_aside_is_the_same_as_row_by_row(tmp_path, document, sync):
    tables = fmt.validate(fmt.parse(document))
    conn = _fresh(tmp_path / "slow.sqlite3", sync)
    try:
        slow_merged = export.merge(conn, tables, bulk=False)
        summary.refresh(conn)
        slow = contents(conn)
    finally:
        conn.close()
    folder = tmp_path / "new"
    folder.mkdir()
    path = folder / "microsession.sqlite3"
    assert bulk_insert.fresh(path)
    placed, merged = bulk_insert.new_file_aside(path, _aside_fill(tables, sync))
    assert placed and merged == slow_merged
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # the temporary file is gone
    assert path.stat().st_nlink == 1 and path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as plain:  # WAL is in the file itself, as connect() leaves it
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()
    conn = db.connect(path)
    try:
        summary.refresh(conn)
        fast = contents(conn)
    finally:
        conn.close()
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name


def test_a_data_file_that_appears_meanwhile_is_left_as_it_is(tmp_path, document):
    tables = fmt.validate(fmt.parse(document))
    path = tmp_path / "microsession.sqlite3"

    def app_started():  # the app made its file while the import was building
        conn = db.connect(path)
        conn.execute("INSERT INTO settings (key, value) VALUES ('appeared', 'yes')")
        conn.close()

    placed, merged = bulk_insert.new_file_aside(path, _aside_fill(tables, then=app_started))
    assert not placed and merged.added["sessions"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    conn = db.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert conn.execute("SELECT value FROM settings WHERE key = 'appeared'").fetchone()[0] == "yes"
    finally:
        conn.close()
    assert not bulk_insert.fresh(path)


def test_a_refused_import_into_a_new_file_leaves_no_file(tmp_path, document):
    tables = fmt.validate(fmt.parse(document))
    logs = list(tables["session_logs"])
    logs[-1] = (logs[-1][0], "f" * 32, *logs[-1][2:])
    path = tmp_path / "microsession.sqlite3"
    with pytest.raises(export.ImportRefused, match=rf"^session_logs\[{len(logs) - 1}\]: it refers to"):
        bulk_insert.new_file_aside(path, _aside_fill({**tables, "session_logs": logs}))
    assert list(tmp_path.iterdir()) == []


def test_a_killed_imports_leftover_is_removed_once_it_is_an_hour_old(tmp_path):
    path = tmp_path / "microsession.sqlite3"
    old, young = (tmp_path / f".microsession.sqlite3.{bulk_insert.ASIDE}-{x}" for x in ("old1", "young1"))
    for leftover in (old, young, Path(f"{old}-wal")):
        leftover.write_bytes(b"half a database")
    hour_ago = time.time() - bulk_insert.STALE_S - 1
    os.utime(old, (hour_ago, hour_ago))
    other = tmp_path / "notes.txt"  # not ours
    other.write_text("x")
    os.utime(other, (hour_ago, hour_ago))
    assert bulk_insert.fresh(path)  # a leftover is no data file
    assert bulk_insert.remove_leftovers(path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young.name, other.name])
