"""Summary rows (migration 0005): `stats --all` over years in milliseconds.

The migration's triggers mark the 16-day block of every write to sessions, logs,
interruptions and task types as dirty, in the writer's transaction. So at any moment the
rows of blocks that are not dirty are exact, and a dirty block is computed from its sessions.
`all_time` reads both (read-only: `stats` never writes); `refresh` (the upgrade, import and
the daily backup process, which may write) recomputes the dirty blocks and clears their
marks, in one transaction. The sums follow core.figures.metrics' rules (core/figures/summary.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from microsession.core.figures import summary as cs
from microsession.core.figures.metrics import SessionRow
from microsession.store import metrics as store_metrics

_EPOCH = date(1970, 1, 1)
_COLUMNS = "block, dim, key, completed, counted, focused_s, interrupted, rated, energy_sum, breaks"


def has_summaries(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summary_dirty'").fetchone() is not None


def dirty_blocks(conn: sqlite3.Connection) -> list[int]:
    return [b for (b,) in conn.execute("SELECT block FROM summary_dirty ORDER BY block")]


def _runs(blocks: list[int]) -> Iterable[tuple[int, int]]:
    """Sorted block numbers as (first, end) runs of consecutive blocks."""
    start = prev = None
    for b in blocks:
        if start is not None and b == prev + 1:
            prev = b
            continue
        if start is not None:
            yield start, prev + 1
        start = prev = b
    if start is not None:
        yield start, prev + 1


BULK_BLOCKS = 12  # more dirty blocks than this: one pass over the tables (rows_in_bulk)


def rows_of_blocks(conn: sqlite3.Connection, blocks: list[int], bulk: bool | None = None) -> list[tuple[int, cs.Sums]]:
    """The summary rows of these blocks, computed from their sessions."""
    if bulk if bulk is not None else len(blocks) > BULK_BLOCKS:
        wanted = set(blocks)
        return [(b, sums) for b, sums in cs.block_rows(rows_in_bulk(conn)) if b in wanted]
    out: list[tuple[int, cs.Sums]] = []
    for first, end in _runs(sorted(blocks)):
        rows = store_metrics.sessions_between(conn, _EPOCH + timedelta(days=first * cs.BLOCK_DAYS),
                                              _EPOCH + timedelta(days=end * cs.BLOCK_DAYS))
        out += cs.block_rows(rows)
    return out


def rows_in_bulk(conn: sqlite3.Connection) -> list[SessionRow]:
    """Every finished session, as store.metrics.all_sessions gives them (the same rules), read
    in four plain scans instead of a lookup of the latest log per session: after an import of
    ten years, 0.45 s instead of 1.3 s."""
    cur = conn.cursor()
    cur.row_factory = None
    latest: dict[str, tuple] = {}
    for key in cur.execute("SELECT session_id, written_utc, id, energy, interrupted FROM session_logs"):
        held = latest.get(key[0])
        if held is None or key[1:3] > held[1:3]:  # ORDER BY written_utc DESC, id DESC LIMIT 1
            latest[key[0]] = key
    hit = {r[0] for r in cur.execute("SELECT DISTINCT session_id FROM interruptions")}
    types = dict(cur.execute("SELECT id, task_type FROM tasks"))
    out = []
    for sid, kind, planned, local_s, focused, outcome, task_id, batch in cur.execute(
            "SELECT s.id, s.kind, s.planned_s, " + store_metrics.LOCAL_S + ", coalesce(s.focused_s, 0.0), s.outcome,"
            " s.task_id, s.batch_type FROM sessions s WHERE s.ended_utc IS NOT NULL AND " + store_metrics.SANE):
        task_type = types.get(task_id) if task_id is not None else None
        if kind == "break":
            out.append(SessionRow(kind, planned, local_s, focused, outcome, None, 0, task_type or batch))
            continue
        log = latest.get(sid)
        energy, said = (log[3], log[4]) if log is not None else (None, 0)
        out.append(SessionRow(kind, planned, local_s, focused, outcome, energy,
                              int(bool(said or 0) or sid in hit), task_type or batch))
    return out


def refresh(conn: sqlite3.Connection) -> int:
    """Recompute the rows of every dirty block, in one transaction; how many blocks."""
    if not has_summaries(conn):
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        blocks = dirty_blocks(conn)
        for first, end in _runs(blocks):
            conn.execute("DELETE FROM block_summary WHERE block >= ? AND block < ?", (first, end))
            conn.execute("DELETE FROM summary_dirty WHERE block >= ? AND block < ?", (first, end))
        conn.executemany(f"INSERT INTO block_summary ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         ((block, *sums) for block, sums in rows_of_blocks(conn, blocks)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(blocks)


@contextmanager
def bulk_writes(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside a write transaction: the triggers stand aside while the block runs, then every
    block with a session is marked dirty at once, and the blocks between them (a superset of
    what the writes touched: the next refresh recomputes them all, in bulk). For import; on an exception nothing is marked,
    and the caller's rollback takes the bulk row back too."""
    if not has_summaries(conn):
        yield
        return
    conn.execute("INSERT INTO summary_bulk (one) VALUES (1)")
    yield
    if not _mark_span(conn):
        conn.execute("INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks"
                     " WHERE block NOT IN (SELECT block FROM summary_dirty)")
    conn.execute("DELETE FROM summary_bulk")


_BLOCK_S = cs.BLOCK_DAYS * 86400
_SLACK_S = 2 * 86400  # a start's text may be a day off its moment (its own offset), and so may its local day


def _mark_span(conn: sqlite3.Connection) -> bool:
    """Mark every block from the first session's to the last one's (by the index on the start),
    widened by two days each side: a superset of the blocks with a session, without a pass
    over every session (ten years: 0.15 s). False (nothing marked) when the span is not that
    simple to find, or holds more blocks than there are sessions."""
    first, last, n = conn.execute(
        "SELECT CAST(strftime('%s', (SELECT min(started_utc) FROM sessions)) AS INTEGER),"
        " CAST(strftime('%s', (SELECT max(started_utc) FROM sessions)) AS INTEGER), (SELECT count(*) FROM sessions)").fetchone()
    if first is None or last is None:
        return n == 0
    lo, hi = (first - _SLACK_S) // _BLOCK_S, (last + _SLACK_S) // _BLOCK_S
    if hi - lo + 1 > n:
        return False
    conn.executemany("INSERT INTO summary_dirty (block) SELECT ? WHERE ? NOT IN (SELECT block FROM summary_dirty)",
                     ((b, b) for b in range(lo, hi + 1)))
    return True


def all_time(conn: sqlite3.Connection) -> cs.AllTime:
    """The all-time figures: clean blocks from their rows (summed in SQL by dimension and
    key), dirty ones from their sessions. One read transaction: one consistent view."""
    if not has_summaries(conn):  # an older file opened read-only: every row, as before
        return cs.all_time(s for _, s in cs.block_rows(store_metrics.all_sessions(conn)))
    in_tx = conn.in_transaction
    if not in_tx:
        conn.execute("BEGIN")
    try:
        summed = conn.execute(
            "SELECT dim, key, sum(completed), sum(counted), sum(focused_s), sum(interrupted), sum(rated),"
            " sum(energy_sum), sum(breaks) FROM block_summary"
            " WHERE block NOT IN (SELECT block FROM summary_dirty) GROUP BY dim, key").fetchall()
        fresh = rows_of_blocks(conn, dirty_blocks(conn))
    finally:
        if not in_tx:
            conn.execute("COMMIT")
    return cs.all_time([cs.Sums(*r) for r in summed] + [s for _, s in fresh])


def tasks_finished_by_type(conn: sqlite3.Connection) -> dict[str, int]:
    """Done, not deleted tasks with a readable finish time, per type (the rule of
    store.metrics.tasks_finished_since, counted in SQL)."""
    return dict(conn.execute(
        "SELECT task_type, count(*) FROM tasks WHERE done = 1 AND deleted_utc IS NULL"
        " AND finished_utc IS NOT NULL AND strftime('%s', finished_utc) IS NOT NULL GROUP BY task_type").fetchall())
