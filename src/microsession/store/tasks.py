"""Task rows, task types, batch links, the resume-card lookup and interruptions.

Plain functions over a connection in autocommit mode: each write is one statement, or one
explicit transaction where it needs several.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from microsession.core.ids import new_id
from microsession.core.logbook import SessionLog
from microsession.core.tasks import (AspectProgress, SessionSpent, Task, TaskType, project_progress,
                                     slugify, validate_type, validate_type_label)
from microsession.store.sessions import iso, parse

_CHUNK = 500  # ids per IN (...) list


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _task(r: sqlite3.Row) -> Task:
    return Task(r["id"], r["title"], r["task_type"], r["minutes"], r["project"], r["aspect"],
                bool(r["done"]), parse(r["created_utc"]), parse(r["finished_utc"]),
                r["deleted_utc"] is not None)


# --- Tasks ----------------------------------------------------------------------------------

def add(conn: sqlite3.Connection, task: Task) -> None:
    """Insert a task; sqlite3.IntegrityError when its type is not in task_types."""
    conn.execute(
        "INSERT INTO tasks (id, title, task_type, minutes, project, aspect, done, created_utc,"
        " finished_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (task.id, task.title, task.task_type, task.minutes, task.project, task.aspect, int(task.done),
         iso(task.created_utc), iso(task.finished_utc) if task.finished_utc else None),
    )


def update(conn: sqlite3.Connection, task: Task) -> bool:
    """Store an edited task (not deleted ones); False when there is no such live task."""
    cur = conn.execute(
        "UPDATE tasks SET title = ?, task_type = ?, minutes = ?, project = ?, aspect = ?, done = ?,"
        " finished_utc = ? WHERE id = ? AND deleted_utc IS NULL",
        (task.title, task.task_type, task.minutes, task.project, task.aspect, int(task.done),
         iso(task.finished_utc) if task.finished_utc else None, task.id),
    )
    return cur.rowcount == 1


def get(conn: sqlite3.Connection, task_id: str) -> Task | None:
    """A task by id, deleted ones included (their `deleted` is True)."""
    row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return _task(row) if row else None


def find(conn: sqlite3.Connection, id_or_prefix: str) -> list[Task]:
    """Live tasks whose id is or starts with the text (for the command line's short ids)."""
    text = id_or_prefix.strip().lower()
    if not text:
        return []
    rows = conn.execute(
        "SELECT * FROM tasks WHERE substr(id, 1, ?) = ? AND deleted_utc IS NULL ORDER BY id",
        (len(text), text),
    ).fetchall()
    return [_task(r) for r in rows]


def list_tasks(conn: sqlite3.Connection, *, task_type: str | None = None, project: str | None = None,
               include_done: bool = False, include_deleted: bool = False) -> list[Task]:
    """Tasks, open ones first, then oldest first."""
    where, params = [], []
    if task_type is not None:
        where.append("task_type = ?")
        params.append(task_type)
    if project is not None:
        where.append("project = ?")
        params.append(project)
    if not include_done:
        where.append("done = 0")
    if not include_deleted:
        where.append("deleted_utc IS NULL")
    sql = "SELECT * FROM tasks" + (" WHERE " + " AND ".join(where) if where else "")
    rows = conn.execute(sql + " ORDER BY done, created_utc, id", params).fetchall()
    return [_task(r) for r in rows]


def open_of_type(conn: sqlite3.Connection, task_type: str) -> list[Task]:
    """Open tasks of one type, oldest first (what a batch session covers)."""
    return list_tasks(conn, task_type=task_type)


def open_counts_by_type(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(type slug, open tasks) of the types that have open tasks, in the types' order."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT t.task_type, count(*) FROM tasks t LEFT JOIN task_types y ON y.slug = t.task_type"
        " WHERE t.done = 0 AND t.deleted_utc IS NULL GROUP BY t.task_type"
        " ORDER BY min(coalesce(y.position, 1000)), t.task_type")]


def recent_open(conn: sqlite3.Connection, limit: int = 8) -> list[Task]:
    """Open tasks, the one with the latest session first; never-started ones after, newest first."""
    rows = conn.execute(
        "SELECT t.*, max("
        "  coalesce((SELECT max(s.started_utc) FROM sessions s WHERE s.task_id = t.id), ''),"
        "  coalesce((SELECT max(s.started_utc) FROM session_tasks st JOIN sessions s"
        "            ON s.id = st.session_id WHERE st.task_id = t.id), '')) AS last_session"
        " FROM tasks t WHERE t.done = 0 AND t.deleted_utc IS NULL"
        " ORDER BY last_session DESC, t.created_utc DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [_task(r) for r in rows]


def set_done(conn: sqlite3.Connection, task_ids: Iterable[str], now: datetime) -> int:
    """Tick tasks done (one statement, so several batch ticks land together); how many changed."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    cur = conn.execute(
        f"UPDATE tasks SET done = 1, finished_utc = ? WHERE id IN ({marks})"
        " AND done = 0 AND deleted_utc IS NULL",
        (iso(now), *ids),
    )
    return cur.rowcount


def set_open(conn: sqlite3.Connection, task_id: str) -> bool:
    cur = conn.execute(
        "UPDATE tasks SET done = 0, finished_utc = NULL WHERE id = ? AND done = 1 AND deleted_utc IS NULL",
        (task_id,),
    )
    return cur.rowcount == 1


def soft_delete(conn: sqlite3.Connection, task_id: str, now: datetime) -> bool:
    """Hide a task; its row stays so sessions keep their history. False if absent or deleted."""
    cur = conn.execute("UPDATE tasks SET deleted_utc = ? WHERE id = ? AND deleted_utc IS NULL",
                       (iso(now), task_id))
    return cur.rowcount == 1


def restore(conn: sqlite3.Connection, task_id: str) -> bool:
    cur = conn.execute("UPDATE tasks SET deleted_utc = NULL WHERE id = ? AND deleted_utc IS NOT NULL",
                       (task_id,))
    return cur.rowcount == 1


# --- Task types -----------------------------------------------------------------------------

def list_types(conn: sqlite3.Connection) -> list[TaskType]:
    rows = conn.execute("SELECT slug, label, builtin FROM task_types ORDER BY position, slug").fetchall()
    return [TaskType(r["slug"], r["label"], bool(r["builtin"])) for r in rows]


def resolve_type(conn: sqlite3.Connection, text: str) -> str | None:
    """The slug of a known type given as slug or label; None if unknown. ValueError if malformed."""
    slug = validate_type(text)
    row = conn.execute("SELECT slug FROM task_types WHERE slug = ?", (slug,)).fetchone()
    return row["slug"] if row else None


def add_type(conn: sqlite3.Connection, label: str) -> TaskType:
    """Add a custom type (or return the existing one with that slug). ValueError if malformed."""
    label = validate_type_label(label)
    slug = slugify(label)
    conn.execute(
        "INSERT OR IGNORE INTO task_types (slug, label, builtin, position)"
        " VALUES (?, ?, 0, (SELECT coalesce(max(position), 0) + 1 FROM task_types))",
        (slug, label),
    )
    row = conn.execute("SELECT slug, label, builtin FROM task_types WHERE slug = ?", (slug,)).fetchone()
    return TaskType(row["slug"], row["label"], bool(row["builtin"]))


# --- Sessions on tasks ------------------------------------------------------------------------

def link_batch(conn: sqlite3.Connection, session_id: str, task_type: str, task_ids: Sequence[str]) -> None:
    """Mark a (started) session as a batch of a type over these tasks, in one transaction."""
    with transaction(conn):
        conn.execute("UPDATE sessions SET batch_type = ? WHERE id = ?", (task_type, session_id))
        conn.executemany("INSERT OR IGNORE INTO session_tasks (session_id, task_id) VALUES (?, ?)",
                         [(session_id, task_id) for task_id in task_ids])


def tasks_of_session(conn: sqlite3.Connection, session_id: str) -> list[str]:
    """Ids of the tasks a session was about: its task_id and its batch tasks."""
    rows = conn.execute(
        "SELECT task_id FROM sessions WHERE id = ? AND task_id IS NOT NULL"
        " UNION SELECT task_id FROM session_tasks WHERE session_id = ?",
        (session_id, session_id),
    ).fetchall()
    return sorted(r[0] for r in rows)


_SESSIONS_OF_TASK = ("SELECT id FROM sessions WHERE task_id = :task"
                     " UNION SELECT session_id FROM session_tasks WHERE task_id = :task")


def last_log(conn: sqlite3.Connection, task_id: str, *, with_text: bool = True) -> SessionLog | None:
    """The newest end-of-session log of a session on this task (alone or in a batch).

    With `with_text`, logs that say neither where it stopped nor what is next are passed over,
    so a popup answered with only an energy value does not hide the previous "next step".
    """
    text_only = " AND (stopped_at != '' OR next_step != '')" if with_text else ""
    row = conn.execute(
        "SELECT stopped_at, next_step, energy, finished, interrupted FROM session_logs"
        f" WHERE session_id IN ({_SESSIONS_OF_TASK}){text_only}"
        " ORDER BY written_utc DESC, id DESC LIMIT 1",
        {"task": task_id},
    ).fetchone()
    if row is None:
        return None
    return SessionLog(row["stopped_at"], row["next_step"], row["energy"], bool(row["finished"]),
                      bool(row["interrupted"]))


def sessions_by_task(conn: sqlite3.Connection, task_ids: Iterable[str]) -> dict[str, list[SessionSpent]]:
    """Finished focus sessions per task (a batch session is listed under each of its tasks)."""
    ids = list(dict.fromkeys(task_ids))
    out: dict[str, list[SessionSpent]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT x.task_id, s.id, s.focused_s FROM ("
            f"  SELECT id AS session_id, task_id FROM sessions WHERE task_id IN ({marks})"
            f"  UNION SELECT session_id, task_id FROM session_tasks WHERE task_id IN ({marks})"
            ") x JOIN sessions s ON s.id = x.session_id"
            " WHERE s.kind != 'break' AND s.focused_s IS NOT NULL ORDER BY s.started_utc",
            (*chunk, *chunk),
        ).fetchall()
        for r in rows:
            out.setdefault(r[0], []).append(SessionSpent(r[1], r[2]))
    return out


def projects(conn: sqlite3.Connection) -> list[str]:
    """Names of projects that have live tasks."""
    rows = conn.execute("SELECT DISTINCT project FROM tasks WHERE project IS NOT NULL"
                        " AND deleted_utc IS NULL ORDER BY project COLLATE NOCASE").fetchall()
    return [r[0] for r in rows]


def progress_of_project(conn: sqlite3.Connection, project: str) -> list[AspectProgress]:
    """core.tasks.project_progress over the project's tasks, deleted ones' sessions included."""
    tasks = list_tasks(conn, project=project, include_done=True, include_deleted=True)
    return project_progress(tasks, sessions_by_task(conn, [t.id for t in tasks]))


# --- Interruptions --------------------------------------------------------------------------

def record_interruption(conn: sqlite3.Connection, session_id: str, at: datetime,
                        interruption_id: str | None = None) -> str:
    """Note an interruption of a session (idempotent for a given id, so a retry adds no second row)."""
    interruption_id = interruption_id or new_id()
    conn.execute("INSERT OR IGNORE INTO interruptions (id, session_id, at_utc) VALUES (?, ?, ?)",
                 (interruption_id, session_id, iso(at)))
    return interruption_id


def interruptions_of(conn: sqlite3.Connection, session_id: str) -> list[datetime]:
    rows = conn.execute("SELECT at_utc FROM interruptions WHERE session_id = ? ORDER BY at_utc",
                        (session_id,)).fetchall()
    return [parse(r[0]) for r in rows]


def count_interruptions(conn: sqlite3.Connection, session_id: str) -> int:
    return conn.execute("SELECT count(*) FROM interruptions WHERE session_id = ?",
                        (session_id,)).fetchone()[0]
