"""Session hooks: the argument list and environment of a user's command for a session event.

A hook is a command line from the settings (hook_session_start, hook_session_end,
hook_break_end), split like a shell would split it but never run by one: no pipes, no
globbing, no variable expansion. The session's facts reach it as MICROSESSION_* variables.
Pure: ui.hook_runner runs what this builds.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from microsession.core.events import Ended, SessionInfo

SESSION_START, SESSION_END, BREAK_END = "session_start", "session_end", "break_end"
EVENTS = (SESSION_START, SESSION_END, BREAK_END)
SETTING_OF = {SESSION_START: "hook_session_start", SESSION_END: "hook_session_end",
              BREAK_END: "hook_break_end"}
LABELS = {SESSION_START: "session-start", SESSION_END: "session-end", BREAK_END: "break-end"}

PREFIX = "MICROSESSION_"
# facts -> variable name after the prefix; the order is the documented one
FACTS = ("session_id", "kind", "planned_min", "focused_min", "outcome", "task", "task_id",
         "started_utc", "ended_utc", "stack_run_id", "batch_type")
MAX_VALUE = 4000  # characters of one variable (a task title is short; this keeps env sane)


def split_command(text: str) -> list[str]:
    """The argument list of a command line ([] when blank); ValueError if it cannot be split."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot split the command: {exc}") from None


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.2f}".rstrip("0").rstrip(".")


def facts_of_start(info: SessionInfo, task: str = "") -> dict[str, Any]:
    """The facts of a session (or break) that just began; `task` is what it is about."""
    return {"session_id": info.id, "kind": info.kind.value, "planned_min": _minutes(info.planned_s),
            "focused_min": "", "outcome": "", "task": task, "task_id": info.task_id or "",
            "started_utc": _iso(info.started_utc), "ended_utc": "",
            "stack_run_id": info.tags.stack_run_id or "", "batch_type": info.tags.batch_type or ""}


def facts_of_end(ended: Ended, task: str = "") -> dict[str, Any]:
    """The facts of a session (or break) that just ended."""
    facts = facts_of_start(ended.session, task)
    facts.update(focused_min=_minutes(ended.focused_s), outcome=ended.outcome.value,
                 ended_utc=_iso(ended.ended_utc))
    return facts


def environment(event: str, facts: Mapping[str, Any], base: Mapping[str, str]) -> dict[str, str]:
    """`base` (the app's environment) with MICROSESSION_EVENT and one variable per fact.

    Variables of ours already in `base` are dropped first, so a hook never sees a stale one.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown hook event {event!r}")
    env = {k: v for k, v in base.items() if not k.startswith(PREFIX) or k in _KEEP}
    env[PREFIX + "EVENT"] = event
    for name in FACTS:
        value = facts.get(name, "")
        text = "" if value is None else str(value)
        env[PREFIX + name.upper()] = text.replace("\0", " ")[:MAX_VALUE]
    return env


# the app's own settings of its environment, meaningful to a hook that calls `microsession`
_KEEP = {PREFIX + "DATA_DIR"}


def build(command: str, event: str, facts: Mapping[str, Any],
          base: Mapping[str, str]) -> tuple[list[str], dict[str, str]] | None:
    """(argv, env) for the command set for `event`, or None when it is blank.

    ValueError when the command line cannot be split (the settings check this on input).
    """
    argv = split_command(command)
    if not argv:
        return None
    return argv, environment(event, facts, base)


SAMPLE_FACTS = {"session_id": "test", "kind": "micro", "planned_min": "15", "focused_min": "15",
                "outcome": "completed", "task": "Trying the hook", "task_id": "",
                "started_utc": "2026-01-05T09:00:00Z", "ended_utc": "2026-01-05T09:15:00Z",
                "stack_run_id": "", "batch_type": ""}
