"""Summary rows (migration 0005): `stats --all` over years in milliseconds.

The migration's triggers mark the 16-day block of every write to sessions, logs,
interruptions and task types as dirty, in the writer's transaction. So at any moment the
rows of blocks that are not dirty are exact, and a dirty block is computed from its sessions.
`all_time` reads both (read-only: `stats` never writes); `refresh` (the upgrade, import and
the daily backup process, which may write) recomputes the dirty blocks and clears their
marks, in one transaction. The sums follow core.metrics' rules (core/summary.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, timedelta

from microsession.core import summary as cs
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


def rows_of_blocks(conn: sqlite3.Connection, blocks: list[int]) -> list[tuple[int, cs.Sums]]:
    """The summary rows of these blocks, computed from their sessions."""
    out: list[tuple[int, cs.Sums]] = []
    for first, end in _runs(sorted(blocks)):
        rows = store_metrics.sessions_between(conn, _EPOCH + timedelta(days=first * cs.BLOCK_DAYS),
                                              _EPOCH + timedelta(days=end * cs.BLOCK_DAYS))
        out += cs.block_rows(rows)
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
