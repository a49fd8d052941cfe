"""The journal's writes as plain records (JSON objects), so that writes that could not land
(a full disk) survive a quit or a kill -9 in a small file, and land at the next start.

Each record names one operation and its arguments; `write_of(record)` gives the write
back. Every operation can run twice without harm (a spilled record whose write landed
after all is skipped or changes nothing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from microsession.core.events import Ended, Kind, Outcome, SessionInfo, Tags

Record = dict[str, Any]
Write = Callable[[sqlite3.Connection], None]


def _t(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def session_record(info: SessionInfo) -> Record:
    t = info.tags
    return {"id": info.id, "kind": info.kind.value, "planned_s": info.planned_s, "started_utc": _t(info.started_utc),
            "task_id": info.task_id, "paused_s": info.paused_s, "paused_at_utc": _t(info.paused_at_utc),
            "tags": [t.stack_run_id, t.stack_position, t.batch_type, list(t.batch_task_ids)]}


def session_of(r: Record) -> SessionInfo:
    run, position, batch, ids = r["tags"]
    return SessionInfo(r["id"], Kind(r["kind"]), float(r["planned_s"]), _dt(r["started_utc"]), r["task_id"],
                       float(r["paused_s"]), _dt(r["paused_at_utc"]), Tags(run, position, batch, tuple(ids)))


def ended_record(ended: Ended) -> Record:
    return {"op": "complete", "session": session_record(ended.session), "outcome": ended.outcome.value,
            "ended_utc": _t(ended.ended_utc), "focused_s": ended.focused_s}


def ended_of(r: Record) -> Ended:
    return Ended(session_of(r["session"]), Outcome(r["outcome"]), _dt(r["ended_utc"]), float(r["focused_s"]))


def log_record(session_id: str, log, written_utc: datetime, log_id: str) -> Record:
    return {"op": "log", "session_id": session_id, "written_utc": _t(written_utc), "id": log_id,
            "log": [log.stopped_at, log.next_step, log.energy, log.finished, log.interrupted]}


def _insert(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import sessions

    info = session_of(r["session"])
    if c.execute("SELECT 1 FROM sessions WHERE id = ?", (info.id,)).fetchone() is None:
        sessions.insert(c, info)


def _update(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import sessions

    sessions.update_running(c, session_of(r["session"]))


def _complete(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import sessions

    sessions.complete(c, ended_of(r))


def _log(c: sqlite3.Connection, r: Record) -> None:
    from microsession.core.logbook import SessionLog
    from microsession.store import logs

    stopped, next_step, energy, finished, interrupted = r["log"]
    logs.add(c, r["session_id"], SessionLog(stopped, next_step, energy, finished, interrupted),
             _dt(r["written_utc"]), r["id"])


def _interruption(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import tasks

    tasks.record_interruption(c, r["session_id"], _dt(r["at"]), r["id"])


def _tasks_done(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import tasks

    tasks.set_done(c, list(r["ids"]), _dt(r["at"]))


def _run_insert(c: sqlite3.Connection, r: Record) -> None:
    from microsession.core import stacks
    from microsession.store import stack_runs

    stack_runs.insert(c, r["run_id"], stacks.from_json(r["stack"]), _dt(r["started_utc"]))


def _run_complete(c: sqlite3.Connection, r: Record) -> None:
    from microsession.store import stack_runs

    stack_runs.complete(c, r["run_id"], r["outcome"], _dt(r["ended_utc"]))


OPS: dict[str, Callable[[sqlite3.Connection, Record], None]] = {
    "insert": _insert, "update": _update, "complete": _complete, "log": _log, "interruption": _interruption,
    "tasks_done": _tasks_done, "stack_run_insert": _run_insert, "stack_run_complete": _run_complete,
}


def write_of(record: Record) -> Write:
    """The write a record stands for (KeyError, ValueError or TypeError if it is not one)."""
    op = OPS[record["op"]]
    return lambda c: op(c, record)


def run_insert_record(run_id: str, stack, started_utc: datetime) -> Record:
    from microsession.core.stacks import to_json

    return {"op": "stack_run_insert", "run_id": run_id, "stack": to_json(stack), "started_utc": _t(started_utc)}
