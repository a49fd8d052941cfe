"""Tasks, task types, batches, the resume card and project progress. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from microsession.core.ids import new_id

MIN_MINUTES, MAX_MINUTES = 5, 120
MAX_TITLE = 200
MAX_TYPE_LABEL = 40
MAX_NAME = 100  # project and aspect names


@dataclass(frozen=True)
class TaskType:
    slug: str
    label: str
    builtin: bool = False


TASK_TYPES: tuple[TaskType, ...] = tuple(
    TaskType(slug, label, True)
    for slug, label in (
        ("communication", "communication"),
        ("brainstorming", "brainstorming"),
        ("reviewing-editing", "reviewing & editing"),
        ("learning-practice", "learning & practice"),
        ("admin", "admin"),
        ("creative", "creative"),
        ("research", "research"),
        ("social-media", "social media"),
    )
)
BUILTIN_LABELS: dict[str, str] = {t.slug: t.label for t in TASK_TYPES}
DEFAULT_TYPE = "admin"
DEFAULT_MINUTES = 15
# For energy cycles (F10): demanding types go into peak hours, light ones into valleys.
DEMANDING_TYPES = frozenset({"brainstorming", "reviewing-editing", "learning-practice", "creative", "research"})
LIGHT_TYPES = frozenset({"communication", "admin", "social-media"})


def _check_text(text: str, what: str, limit: int) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{what} must be text")
    text = text.strip()
    if not text:
        raise ValueError(f"{what} is empty")
    if len(text) > limit:
        raise ValueError(f"{what} is limited to {limit} characters (got {len(text)})")
    import unicodedata  # here, not at import: the app's start-up memory

    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError(f"{what} cannot contain control characters such as line breaks or tabs")
    if any(unicodedata.category(ch) == "Cs" for ch in text):  # e.g. undecodable bytes in argv
        raise ValueError(f"{what} contains characters that are not valid text")
    return text


def validate_title(title: str) -> str:
    """The title stripped, or ValueError: 1-200 characters, no control characters."""
    return _check_text(title, "the task title", MAX_TITLE)


def validate_minutes(minutes: object) -> int:
    """A whole number of minutes from 5 to 120, or ValueError."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError(f"minutes must be a whole number from {MIN_MINUTES} to {MAX_MINUTES}")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValueError(f"minutes must be from {MIN_MINUTES} to {MAX_MINUTES} (got {minutes})")
    return minutes


def slugify(text: str) -> str:
    """'Reviewing & Editing' -> 'reviewing-editing'; letters of any script are kept."""
    return re.sub(r"[\W_]+", "-", text.strip().lower()).strip("-")


def validate_type_label(label: str) -> str:
    """A custom type's label (1-40 characters, with at least one letter or digit), or ValueError."""
    label = _check_text(label, "the task type", MAX_TYPE_LABEL)
    if not slugify(label):
        raise ValueError(f"the task type {label!r} needs at least one letter or digit")
    return label


def validate_type(task_type: str) -> str:
    """The slug of a type given as slug or label ('Reviewing & editing' -> 'reviewing-editing')."""
    return slugify(validate_type_label(task_type))


def validate_name(name: str | None, what: str) -> str | None:
    """A project or aspect name stripped; None or blank -> None."""
    if name is None or not str(name).strip():
        return None
    return _check_text(name, what, MAX_NAME)


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    task_type: str  # a slug
    minutes: int  # estimated session length
    project: str | None
    aspect: str | None
    done: bool
    created_utc: datetime
    finished_utc: datetime | None = None
    deleted: bool = False

    def __post_init__(self) -> None:
        if validate_title(self.title) != self.title:
            raise ValueError("the task title has surrounding spaces")
        if validate_type(self.task_type) != self.task_type:
            raise ValueError(f"{self.task_type!r} is not a task type slug")
        validate_minutes(self.minutes)
        if self.aspect is not None and self.project is None:
            raise ValueError("an aspect belongs to a project: give the project too")
        if self.done != (self.finished_utc is not None):
            raise ValueError("a done task has a finished time, an open one has none")

    @property
    def is_open(self) -> bool:
        return not self.done and not self.deleted


def new_task(title: str, task_type: str = DEFAULT_TYPE, minutes: int = DEFAULT_MINUTES,
             project: str | None = None, aspect: str | None = None, *,
             now: datetime, task_id: str | None = None) -> Task:
    """A new open task from user input, validated (ValueError with a one-line message)."""
    return Task(
        id=task_id or new_id(),
        title=validate_title(title),
        task_type=validate_type(task_type),
        minutes=validate_minutes(minutes),
        project=validate_name(project, "the project"),
        aspect=validate_name(aspect, "the aspect"),
        done=False,
        created_utc=now,
    )


def mark_done(task: Task, now: datetime) -> Task:
    return task if task.done else replace(task, done=True, finished_utc=now)


def mark_open(task: Task) -> Task:
    return replace(task, done=False, finished_utc=None)


def type_label(slug: str, custom: Mapping[str, str] | None = None) -> str:
    """The display label of a type slug (custom labels first, then the built-in ones)."""
    return (custom or {}).get(slug) or BUILTIN_LABELS.get(slug) or slug.replace("-", " ")


# --- Batches -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    """One session for several open tasks of one type; the popup ticks some of them off."""

    task_type: str
    task_ids: tuple[str, ...]
    type_label: str = ""

    def __post_init__(self) -> None:
        if not self.task_ids:
            raise ValueError(f"no open tasks of type {self.task_type!r} to batch")
        if len(set(self.task_ids)) != len(self.task_ids):
            raise ValueError("a task is in the batch twice")

    @property
    def label(self) -> str:
        count = len(self.task_ids)
        name = self.type_label or type_label(self.task_type)
        return f"Batch: {name} · {count} task{'' if count == 1 else 's'}"

    def tick(self, ids: Iterable[str]) -> tuple[str, ...]:
        """The ids to mark done: those given that belong to the batch, in batch order."""
        chosen = set(ids)
        return tuple(task_id for task_id in self.task_ids if task_id in chosen)


def batch_for(tasks: Iterable[Task], task_type: str, label: str = "") -> Batch:
    """A batch of every open task of a type, oldest first; ValueError when there is none."""
    ids = tuple(t.id for t in sorted(tasks, key=lambda t: t.created_utc)
                if t.is_open and t.task_type == task_type)
    return Batch(task_type, ids, label)


# --- Resume card ---------------------------------------------------------------------------

class LogLike(Protocol):
    stopped_at: str
    next_step: str


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def resume_text(log: LogLike | None, limit: int = 120) -> str | None:
    """'Last time: stopped at … · Next: …' from a task's last log; None when nothing to show."""
    if log is None:
        return None
    stopped, nxt = _clip(log.stopped_at or "", limit), _clip(log.next_step or "", limit)
    if stopped and nxt:
        return f"Last time: stopped at {stopped} · Next: {nxt}"
    if stopped:
        return f"Last time: stopped at {stopped}"
    if nxt:
        return f"Last time · Next: {nxt}"
    return None


# --- Projects, worn down one session at a time -----------------------------------------

@dataclass(frozen=True)
class SessionSpent:
    """A finished focus session spent on a task (a batch session appears under each task)."""

    session_id: str
    focused_s: float


@dataclass(frozen=True)
class AspectProgress:
    project: str
    aspect: str | None  # None: tasks of the project without an aspect
    open: int
    done: int
    open_minutes: int  # estimated minutes of the open tasks
    sessions: int
    focused_minutes: float

    @property
    def finished(self) -> bool:
        return self.open == 0 and self.done > 0


def project_progress(tasks: Iterable[Task],
                     sessions_by_task: Mapping[str, Sequence[SessionSpent]]) -> list[AspectProgress]:
    """Per (project, aspect): open/done counts and the sessions spent, each session counted once.

    Deleted tasks are not counted as open or done, but the sessions spent on them are.
    """
    groups: dict[tuple[str, str | None], dict] = {}
    for task in tasks:
        if task.project is None:
            continue
        g = groups.setdefault((task.project, task.aspect),
                              {"open": 0, "done": 0, "open_minutes": 0, "sessions": {}})
        if not task.deleted:
            if task.done:
                g["done"] += 1
            else:
                g["open"] += 1
                g["open_minutes"] += task.minutes
        for spent in sessions_by_task.get(task.id, ()):
            g["sessions"][spent.session_id] = spent.focused_s
    out = [
        AspectProgress(project, aspect, g["open"], g["done"], g["open_minutes"], len(g["sessions"]),
                       round(sum(g["sessions"].values()) / 60, 1))
        for (project, aspect), g in groups.items()
    ]
    return sorted(out, key=lambda p: (p.project.casefold(), p.aspect is None, (p.aspect or "").casefold()))


def smallest_open_aspect(progress: Iterable[AspectProgress]) -> AspectProgress | None:
    """The open aspect with the least estimated work left (then fewest tasks, then by name)."""
    candidates = [p for p in progress if p.open > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.open_minutes, p.open, (p.aspect or "").casefold()))


def next_task(tasks: Iterable[Task], project: str, aspect: str | None) -> Task | None:
    """The task to start on in an aspect: the shortest open one, the oldest among equals."""
    open_tasks = [t for t in tasks if t.is_open and t.project == project and t.aspect == aspect]
    return min(open_tasks, key=lambda t: (t.minutes, t.created_utc), default=None)
