"""Queries behind the metrics, the review and the tray's daily tally.

Rows come back as core.figures.metrics' plain dataclasses; the rules live there. Local time is
computed in SQL as `unixepoch(started_utc) + started_offset` (local wall-clock seconds), so
each row keeps the offset the user had when it started. Index use: a local-day range is
first narrowed on `started_utc` (index sessions_started) with a day's margin each side,
then filtered on the local seconds exactly.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

from microsession.core.figures import habits
from microsession.core.figures import metrics as m
from microsession.core.figures import review_model
from microsession.core.figures.metrics import SessionRow, TaskRow

# Local seconds of a session's start. strftime('%s') reads the stored '+00:00' suffix.
_LOCAL_S = "(CAST(strftime('%s', s.started_utc) AS INTEGER) + s.started_offset)"
_MARGIN = timedelta(days=1)
# Rows whose time cannot be read (a hand-edited or damaged file) are left out, not fatal.
_SANE = "strftime('%s', s.started_utc) IS NOT NULL AND s.started_offset BETWEEN -86400 AND 86400"  # more than any UTC offset (-12 h .. +14 h)
LOCAL_S, SANE = _LOCAL_S, _SANE  # for store.summary's bulk reader: the same rules

_ROWS_SQL = (
    "SELECT s.kind, s.planned_s, " + _LOCAL_S + " AS local_s, coalesce(s.focused_s, 0.0), s.outcome,"
    " l.energy, CASE WHEN s.kind = 'break' THEN 0 ELSE (coalesce(l.interrupted, 0)"
    "   OR EXISTS (SELECT 1 FROM interruptions i WHERE i.session_id = s.id)) END AS interrupted,"
    " coalesce(t.task_type, s.batch_type) AS task_type"
    " FROM sessions s"
    # a break's log is never read: no lookup for it (half the rows; in the ON clause alone
    # SQLite still ran the subquery for them: 17.2 -> 14.9 ms for a review's 12 weeks)
    " LEFT JOIN session_logs l ON l.id = (SELECT CASE WHEN s.kind = 'break' THEN NULL ELSE ("
    "   SELECT id FROM session_logs WHERE session_id = s.id ORDER BY written_utc DESC, id DESC LIMIT 1) END)"
    " LEFT JOIN tasks t ON t.id = s.task_id"
    " WHERE s.ended_utc IS NOT NULL AND " + _SANE
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _utc_bounds(first: date, end: date) -> tuple[str, str]:
    """started_utc bounds that surely hold every session of local days first <= day < end."""
    lo = datetime(first.year, first.month, first.day, tzinfo=timezone.utc) - _MARGIN
    hi = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + _MARGIN
    return _iso(lo), _iso(hi)


def _rows(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> list[SessionRow]:
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples: a third of the time of sqlite3.Row
    make = SessionRow._make
    return [make(r) for r in cur.execute(sql, args)]


def sessions_between(conn: sqlite3.Connection, first: date, end: date) -> list[SessionRow]:
    """Finished sessions (breaks too) that started on local days first <= day < end."""
    lo_utc, hi_utc = _utc_bounds(first, end)
    return _rows(conn,
                 _ROWS_SQL + " AND s.started_utc >= ? AND s.started_utc < ?"
                 " AND " + _LOCAL_S + " >= ? AND " + _LOCAL_S + " < ? ORDER BY s.started_utc",
                 (lo_utc, hi_utc, m.day_start_s(first), m.day_start_s(end)))


def all_sessions(conn: sqlite3.Connection) -> list[SessionRow]:
    """Every finished session, oldest first."""
    return _rows(conn, _ROWS_SQL + " ORDER BY s.started_utc")


def tasks_finished_since(conn: sqlite3.Connection, since_utc: datetime | None = None) -> list[TaskRow]:
    """Done, not deleted tasks finished at or after `since_utc` (all of them when None)."""
    sql = "SELECT task_type, finished_utc FROM tasks WHERE done = 1 AND deleted_utc IS NULL"
    args: tuple = ()
    if since_utc is not None:
        sql += " AND finished_utc >= ?"
        args = (_iso(since_utc),)
    out = []
    for task_type, finished in conn.execute(sql, args).fetchall():
        try:
            moment = datetime.fromisoformat(finished)
        except (TypeError, ValueError):
            continue  # an unreadable time (hand-edited file): left out
        out.append(TaskRow(task_type, moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)))
    return out


def first_session_day(conn: sqlite3.Connection) -> date | None:
    """The local day of the first focus session ever (None without one)."""
    row = conn.execute(
        "SELECT " + _LOCAL_S + " FROM sessions s WHERE s.kind != 'break' AND s.ended_utc IS NOT NULL AND " + _SANE +
        " ORDER BY s.started_utc LIMIT 1").fetchone()
    return None if row is None else date.fromordinal(date(1970, 1, 1).toordinal() + row[0] // 86400)


def _tally_sql(extra: str) -> str:
    # the same rule as SessionRow.is_completed
    return "SELECT count(*) FROM sessions s WHERE s.kind != 'break' AND s.outcome IN ('completed', 'recovered') " + extra


def today_count(conn: sqlite3.Connection, now_utc: datetime, offset_s: int) -> int:
    """Completed focus sessions of the local day holding `now_utc` at `offset_s` (the tray's
    "Today: 4 / 5"). An index range scan of two days of rows."""
    day = m.local_day(now_utc, offset_s)
    lo_utc, hi_utc = _utc_bounds(day, day + timedelta(days=1))
    start = m.day_start_s(day)
    return conn.execute(
        _tally_sql("AND s.started_utc >= ? AND s.started_utc < ? AND " + _LOCAL_S + " >= ? AND " + _LOCAL_S + " < ?"),
        (lo_utc, hi_utc, start, start + 86400)).fetchone()[0]


def daily_counts(conn: sqlite3.Connection, first: date, end: date) -> dict[date, int]:
    """The daily tally (completed focus sessions) of local days first <= day < end that have one."""
    lo_utc, hi_utc = _utc_bounds(first, end)
    sql = ("SELECT " + _LOCAL_S + " / 86400 AS d, count(*) FROM sessions s WHERE s.kind != 'break'"
           " AND s.outcome IN ('completed', 'recovered') AND s.started_utc >= ? AND s.started_utc < ?"
           " AND " + _LOCAL_S + " >= ? AND " + _LOCAL_S + " < ? GROUP BY d")
    base = date(1970, 1, 1).toordinal()
    return {date.fromordinal(base + d): n for d, n in
            conn.execute(sql, (lo_utc, hi_utc, m.day_start_s(first), m.day_start_s(end))).fetchall()}


def streak(conn: sqlite3.Connection, today: date, goal: int, window_days: int = 62) -> habits.Streak:
    """habits.streak over the daily tally, read in a window that doubles while the streak
    reaches its start (a usual streak reads two months of rows, a years-long one more)."""
    while True:
        first = today - timedelta(days=window_days)
        result = habits.streak(daily_counts(conn, first, today + timedelta(days=1)), goal, today)
        if result.since is None or (result.since - first).days > 7 or first.year <= 1971:
            return result
        window_days *= 2


def energy_by_hour(conn: sqlite3.Connection, since: datetime) -> dict[int, m.Mean]:
    """Energy after focus sessions started at or after `since` (aware), by local start hour:
    {hour: Mean(total, n)}, only hours with rated sessions. For peak-hour suggestions."""
    sql = ("SELECT (" + _LOCAL_S + " % 86400) / 3600 AS h, sum(l.energy), count(l.energy)"
           " FROM sessions s JOIN session_logs l ON l.id = ("
           "   SELECT id FROM session_logs WHERE session_id = s.id ORDER BY written_utc DESC, id DESC LIMIT 1)"
           " WHERE s.kind != 'break' AND s.ended_utc IS NOT NULL AND s.started_utc >= ? AND " + _SANE +
           f" AND NOT (s.outcome = 'stopped' AND s.focused_s < {m.ABORTED_S})"
           " AND l.energy IS NOT NULL GROUP BY h")
    return {h: m.Mean(float(total), n) for h, total, n in conn.execute(sql, (_iso(since),)).fetchall()}


def type_labels(conn: sqlite3.Connection) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT slug, label FROM task_types").fetchall()}


def review(conn: sqlite3.Connection, now_utc: datetime, offset_s: int, weeks_back: int = 0) -> review_model.Review:
    """The review of the week holding `now_utc` (local at `offset_s`), or `weeks_back` before it."""
    week = m.week_start(m.local_day(now_utc, offset_s)) - timedelta(weeks=weeks_back)
    return review_for_week(conn, week, offset_s)


# The review's reader: what build_review reads, and no more (core.figures.review_model.detail_since).
# Over the energy window: the focus sessions that count (an aborted one counts nowhere) with
# their latest log, packed in one lookup as energy * 2 + interrupted (energy is 1-5, so 0 says
# "not rated"; NULL: no log). Only from `detail_from` on: breaks (those taken, the only ones
# it counts), task types and the interruptions table. The local-day edges are left to
# build_review, which cuts its rows itself, and an unreadable time (_SANE's strftime) shows as
# a NULL local_s: one strftime a row instead of four, and none for a row left out.
# (Ten years, this week: 2,400 rows instead of 3,400, and fewer lookups: 17 -> 10 ms.)
_REVIEW_SQL = (
    "SELECT s.kind, s.planned_s, " + _LOCAL_S + ", coalesce(s.focused_s, 0.0), s.outcome,"
    " CASE WHEN s.kind = 'break' THEN NULL ELSE (SELECT coalesce(energy, 0) * 2 + interrupted FROM session_logs"
    "   WHERE session_id = s.id ORDER BY written_utc DESC, id DESC LIMIT 1) END,"
    " CASE WHEN s.kind = 'break' THEN 0 WHEN s.started_utc < :detail THEN NULL"
    "   ELSE EXISTS (SELECT 1 FROM interruptions i WHERE i.session_id = s.id) END,"
    " CASE WHEN s.started_utc < :detail THEN NULL WHEN s.task_id IS NULL THEN s.batch_type"
    "   ELSE coalesce((SELECT task_type FROM tasks t WHERE t.id = s.task_id), s.batch_type) END"
    " FROM sessions s"
    " WHERE s.started_utc >= :lo AND s.started_utc < :hi AND s.ended_utc IS NOT NULL"
    " AND CASE WHEN s.kind = 'break' THEN s.started_utc >= :detail AND coalesce(s.focused_s, 0.0) >= :aborted"
    "   ELSE NOT (s.outcome = 'stopped' AND coalesce(s.focused_s, 0.0) < :aborted) END"
    " AND s.started_offset BETWEEN -86400 AND 86400"  # SANE's second half; its first: local_s NULL
    " ORDER BY s.started_utc"
).replace(":aborted", str(m.ABORTED_S))


def review_rows(conn: sqlite3.Connection, first: date, end: date, detail_from: date) -> list[SessionRow]:
    """The rows build_review needs for local days first <= day < end (and a day's margin each
    side), as sessions_between gives them: the focus sessions that count, and from
    `detail_from` on the breaks taken. A row started before `detail_from` (with a day's
    margin) has no task type and says not interrupted: the review reads neither there."""
    lo_utc, hi_utc = _utc_bounds(first, end)
    cur = conn.cursor()
    cur.row_factory = None
    return [SessionRow(kind, planned, local_s, focused, outcome, (log >> 1) or None if log else None,
                       0 if hit is None else (log & 1 if log else 0) | hit, task_type)
            for kind, planned, local_s, focused, outcome, log, hit, task_type in
            cur.execute(_REVIEW_SQL, {"lo": lo_utc, "hi": hi_utc, "detail": _utc_bounds(detail_from, end)[0]})
            if local_s is not None]


def review_for_week(conn: sqlite3.Connection, week_start: date, offset_s: int) -> review_model.Review:
    first = review_model.energy_since(week_start)
    end = week_start + timedelta(days=7)
    detail = review_model.detail_since(week_start)  # tasks count in the weeks compared alone
    rows = review_rows(conn, first, end, detail)
    tasks = tasks_finished_since(conn, datetime(detail.year, detail.month, detail.day, tzinfo=timezone.utc) - _MARGIN)
    return review_model.build_review(week_start, rows, tasks, offset_s, first_session_day(conn), type_labels(conn))
