"""The summary rows of `stats --all` (migration 0005, store/summary.py) answer exactly what
every row gives, after any mix of writes: sessions started, ended, recovered, logged,
interrupted, deleted, tasks retyped, imports; refreshed or not (dirty blocks are read from
their rows). Random data by hypothesis, on a real SQLite file."""

from __future__ import annotations

import io
import json
import contextlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from microsession.cli import main as cli_main
from microsession.cli import stats as cli_stats
from microsession.core.figures import metrics as m
from microsession.core.figures.sweet_spot import sweet_spot
from microsession.store import db, metrics as store, summary

TYPES = ("admin", "communication", "research")
T0 = datetime(2025, 10, 20, 6, 0, tzinfo=timezone.utc)  # DST ends in Europe six days later


def reference(conn) -> dict:
    """`stats --all` as it was computed before the summaries: every row, row by row."""
    rows, tasks, labels = store.all_sessions(conn), store.tasks_finished_since(conn), store.type_labels(conn)
    f = m.figures(rows, sum(1 for t in tasks if t.finished_utc is not None and not t.deleted))
    days = {r.day for r in rows if r.is_focus}
    types = m.by_task_type(rows, tasks, date.min, date.max, 0)
    by_hour = m.energy_by_hour(rows)
    return {"period": "all", "first_day": min(days).isoformat() if days else None, "days_with_sessions": len(days),
            **cli_stats.figures_json(f), "energy_by_length": cli_stats._means(m.energy_by_bucket(rows)),
            "energy_by_hour": cli_stats._means(dict(sorted(by_hour.items()))), "peak_hours": m.peak_hours(by_hour),
            "sweet_spot": cli_stats._sweet(sweet_spot(rows)), "task_types": cli_stats._types(types),
            "never_finished": [labels.get(t, t) for t in m.never_finished(types)]}


def from_summaries(conn) -> dict:
    return cli_stats.all_json(summary.all_time(conn), summary.tasks_finished_by_type(conn), store.type_labels(conn))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# One write of the app (or of import, recovery, a hand edit): the triggers must see each.
op = st.one_of(
    st.tuples(st.just("start"), st.integers(0, 24 * 90), st.sampled_from((3600, 7200, -18000, 19800)),
              st.sampled_from(("micro", "micro", "deep", "break")), st.sampled_from((5, 10, 15, 25, 90)),
              st.sampled_from((None, 0, 1, 2))),
    st.tuples(st.just("end"), st.integers(0, 60), st.sampled_from(("completed", "stopped", "recovered")),
              st.integers(0, 4 * 3600).map(lambda q: q / 4)),  # quarter seconds: sums exact in any order
    st.tuples(st.just("log"), st.integers(0, 60), st.one_of(st.none(), st.integers(1, 5)), st.booleans()),
    st.tuples(st.just("interrupt"), st.integers(0, 60)),
    st.tuples(st.just("delete"), st.integers(0, 60)),
    st.tuples(st.just("retype"), st.integers(0, 2), st.sampled_from(TYPES)),
    st.tuples(st.just("finish"), st.integers(0, 2)),
    st.tuples(st.just("refresh")),
)


def apply(conn, ops) -> None:
    made = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY rowid")]
    base = len(made) + conn.execute("SELECT count(*) FROM session_logs").fetchone()[0]
    for n, o in enumerate(ops, start=base):
        kind = o[0]
        pick = (lambda i: made[i % len(made)]) if made else None
        if kind == "start":
            _, hours, offset, skind, minutes, task = o
            sid = f"s{n}"
            conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, task_id)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (sid, skind, minutes * 60.0, iso(T0 + timedelta(hours=hours, minutes=n % 60)), offset,
                          None if task is None else f"t{task}"))
            made.append(sid)
        elif kind == "refresh":
            summary.refresh(conn)
        elif kind in ("retype", "finish"):
            if kind == "retype":
                conn.execute("UPDATE tasks SET task_type = ? WHERE id = ?", (o[2], f"t{o[1]}"))
            else:
                conn.execute("UPDATE tasks SET done = 1, finished_utc = ? WHERE id = ?", (iso(T0), f"t{o[1]}"))
        elif pick is not None:
            sid = pick(o[1])
            if kind == "end":
                # the UPSERT of store.sessions.complete (a trigger's INSERT OR IGNORE failed under it)
                conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset)"
                             " SELECT id, kind, planned_s, started_utc, started_offset FROM sessions WHERE id = ?"
                             " ON CONFLICT (id) DO UPDATE SET ended_utc = started_utc, ended_offset = started_offset,"
                             " focused_s = ?, outcome = ?", (sid, o[3], o[2]))
            elif kind == "log":
                conn.execute("INSERT INTO session_logs (id, session_id, written_utc, energy, interrupted)"
                             " VALUES (?, ?, ?, ?, ?)", (f"l{n}", sid, iso(T0 + timedelta(seconds=n)), o[2], int(o[3])))
            elif kind == "interrupt":
                conn.execute("INSERT INTO interruptions (id, session_id, at_utc) VALUES (?, ?, ?)",
                             (f"i{n}", sid, iso(T0)))
            elif kind == "delete":
                for child in ("session_logs", "interruptions", "session_tasks"):
                    conn.execute(f"DELETE FROM {child} WHERE session_id = ?", (sid,))
                conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
                made.remove(sid)


def fresh(tmp: Path):
    conn = db.connect(tmp / "m.sqlite3")
    for i, task_type in enumerate(TYPES):
        conn.execute("INSERT INTO tasks (id, title, task_type, minutes, created_utc) VALUES (?, ?, ?, 15, ?)",
                     (f"t{i}", f"task {i}", task_type, iso(T0)))
    return conn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, max_size=60))
def test_stats_all_from_summaries_equals_the_row_by_row_answer(tmp_path_factory, ops):
    conn = fresh(tmp_path_factory.mktemp("summary"))
    try:
        apply(conn, ops)
        expected = reference(conn)
        assert from_summaries(conn) == expected
        blocks = [b for (b,) in conn.execute("SELECT DISTINCT block FROM session_blocks")]
        # the bulk reader (many dirty blocks) gives the same rows as the per-range one
        assert sorted(summary.rows_of_blocks(conn, blocks, bulk=True)) == sorted(summary.rows_of_blocks(conn, blocks, bulk=False))
        summary.refresh(conn)
        assert summary.dirty_blocks(conn) == []
        assert from_summaries(conn) == reference(conn)
    finally:
        conn.close()


def test_every_write_marks_its_block_and_a_refresh_clears_it(tmp_path):
    conn = fresh(tmp_path)
    apply(conn, [("start", 0, 3600, "micro", 15, 0)])
    assert summary.dirty_blocks(conn) != []
    summary.refresh(conn)
    for write in (("end", 0, "completed", 900.0), ("log", 0, 4, False), ("interrupt", 0),
                  ("retype", 0, "research"), ("delete", 0)):
        apply(conn, [("start", 0, 3600, "micro", 15, 0)] + [write] if write[0] == "delete" else [write])
        assert summary.dirty_blocks(conn) != [], write
        assert from_summaries(conn) == reference(conn)
        blocks = summary.dirty_blocks(conn)  # the bulk reader (many dirty blocks) gives the same
        assert sorted(summary.rows_of_blocks(conn, blocks, bulk=True)) == sorted(summary.rows_of_blocks(conn, blocks))
        summary.refresh(conn)


def run_cli(*argv: str) -> str:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert cli_main(list(argv)) == 0
    return out.getvalue()


def test_upgrade_import_and_the_daily_process_keep_stats_all_exact(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    load_history().generate(old / "microsession.sqlite3", years=0.25, per_day=6)  # ids as the app makes them
    conn = db.connect(old / "microsession.sqlite3")
    expected = reference(conn)
    assert expected["sessions"] > 100
    # A file from before 0005: drop the summaries as if it had never had them, then upgrade.
    conn.execute("DROP TABLE block_summary")
    conn.execute("DROP TABLE summary_dirty")
    conn.execute("DROP VIEW session_blocks")
    conn.execute("DROP INDEX tasks_finished")
    conn.execute("DROP TABLE summary_bulk")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'summary_%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("ALTER TABLE sessions DROP COLUMN away_s")  # and 0006 (away), which came after
    conn.execute("ALTER TABLE sessions DROP COLUMN away_answer")
    conn.execute("PRAGMA user_version = 4")  # 0004 (sync) stays; 0005 and 0006 are applied again
    conn.close()
    conn = db.connect(old / "microsession.sqlite3")  # upgrade: filled at once
    assert summary.dirty_blocks(conn) == [] and from_summaries(conn) == expected
    conn.close()
    assert json.loads(run_cli("--data-dir", str(old), "stats", "--all", "--json")) == expected

    export = tmp_path / "all.json"
    run_cli("--data-dir", str(old), "export", "--out", str(export))
    new = tmp_path / "new"
    run_cli("--data-dir", str(new), "import", str(export))
    conn = db.connect(new / "microsession.sqlite3")
    # import marks every block in one statement (the triggers stood aside), refreshes nothing
    assert len(summary.dirty_blocks(conn)) >= 6 and from_summaries(conn) == reference(conn)  # 91 days
    apply(conn, [("start", 1, 3600, "micro", 15, None), ("end", 0, "completed", 600.0)])
    assert summary.dirty_blocks(conn) != []
    conn.close()
    run_cli("--data-dir", str(new), "backup", "--daily")
    conn = db.connect(new / "microsession.sqlite3")
    assert summary.dirty_blocks(conn) == [] and from_summaries(conn) == reference(conn)
    conn.close()


def load_history():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "history.py"
    spec = importlib.util.spec_from_file_location("history_shared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
