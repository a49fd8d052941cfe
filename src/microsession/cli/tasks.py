"""`microsession tasks …`: the task list from the command line. Imports no Qt.

Input is checked before the data file is opened, so a bad command writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import datetime, timezone
from typing import Any

from microsession.cli.common import CliError, run_subcommand
from microsession.core import tasks as core
from microsession.core.tasks import Task

MIN_ID_PREFIX = 4
COMMANDS = ("add", "list", "done", "delete", "types", "add-type")


def minutes_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"minutes must be a whole number from {core.MIN_MINUTES} to {core.MAX_MINUTES}, got {text!r}") from None
    try:
        return core.validate_minutes(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any) -> None:
    """Register `tasks` on the main parser's subcommands (`sub` from add_subparsers)."""
    tasks = sub.add_parser("tasks", help="add, list, tick off and delete tasks")
    cmds = tasks.add_subparsers(dest="tasks_command", parser_class=type(tasks), metavar="{" + ",".join(COMMANDS) + "}")
    add = cmds.add_parser("add", help="add a task; prints its id")
    add.add_argument("title", help="what the task is")
    add.add_argument("--type", default=core.DEFAULT_TYPE, metavar="T", help=f"task type, slug or label (default {core.DEFAULT_TYPE})")
    add.add_argument("--minutes", type=minutes_arg, default=core.DEFAULT_MINUTES, metavar="N", help=f"estimated session length, {core.MIN_MINUTES}-{core.MAX_MINUTES} (default {core.DEFAULT_MINUTES})")
    add.add_argument("--project", metavar="P", help="the project it belongs to")
    add.add_argument("--aspect", metavar="A", help="the aspect of the project (needs --project)")
    add.add_argument("--json", action="store_true", help="print the task as JSON instead of its id")
    lst = cmds.add_parser("list", help="list open tasks")
    lst.add_argument("--type", metavar="T", help="only tasks of this type")
    lst.add_argument("--project", metavar="P", help="only tasks of this project")
    lst.add_argument("--all", action="store_true", help="done tasks too")
    lst.add_argument("--json", action="store_true", help="JSON instead of text")
    done = cmds.add_parser("done", help="tick a task done")
    done.add_argument("id", help=f"the task id (or its first {MIN_ID_PREFIX}+ characters)")
    done.add_argument("--undo", action="store_true", help="mark it open again")
    delete = cmds.add_parser("delete", help="delete a task (its sessions keep their history)")
    delete.add_argument("id", help=f"the task id (or its first {MIN_ID_PREFIX}+ characters)")
    types = cmds.add_parser("types", help="list task types")
    types.add_argument("--json", action="store_true", help="JSON instead of text")
    add_type = cmds.add_parser("add-type", help="add your own task type")
    add_type.add_argument("label", help="its name, up to 40 characters")


def run(args: argparse.Namespace) -> int:
    handlers = {"add": cmd_add, "list": cmd_list, "done": cmd_done, "delete": cmd_delete,
                "types": cmd_types, "add-type": cmd_add_type}
    return run_subcommand("tasks", handlers, args.tasks_command, args)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _open(args: argparse.Namespace, *, create: bool) -> sqlite3.Connection | None:
    """The migrated database; None when it does not exist and `create` is False."""
    from microsession.paths import data_dir, db_path
    from microsession.store import db

    path = db_path(data_dir(args.data_dir))
    if not path.exists() and not create:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return db.connect(path)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"cannot open {path}: {exc}") from None


def _close(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        conn.close()


def _known_type(conn: sqlite3.Connection | None, text: str) -> str:
    from microsession.store import tasks as store

    slug = core.validate_type(text)
    known = store.resolve_type(conn, text) if conn is not None else (slug if slug in core.BUILTIN_LABELS else None)
    if known is None:
        raise CliError(f"unknown task type {text!r} (see `microsession tasks types`; add one with `tasks add-type`)")
    return known


def _one_task(conn: sqlite3.Connection | None, given: str) -> Task:
    from microsession.store import tasks as store

    text = given.strip().lower()
    if len(text) < MIN_ID_PREFIX or any(ch not in "0123456789abcdef" for ch in text):
        raise CliError(f"{given!r} is not a task id (give at least {MIN_ID_PREFIX} of its hex characters)")
    found = store.find(conn, text) if conn is not None else []
    if not found:
        raise CliError(f"no task with id {given!r}")
    if len(found) > 1:
        raise CliError(f"id {given!r} fits {len(found)} tasks; give more characters")
    return found[0]


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id, "title": task.title, "task_type": task.task_type, "minutes": task.minutes,
        "project": task.project, "aspect": task.aspect, "done": task.done,
        "created_utc": task.created_utc.isoformat(timespec="milliseconds"),
        "finished_utc": task.finished_utc.isoformat(timespec="milliseconds") if task.finished_utc else None,
    }


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def cmd_add(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    task = core.new_task(args.title, args.type, args.minutes, args.project, args.aspect, now=_now())
    builtin = task.task_type in core.BUILTIN_LABELS
    conn = _open(args, create=builtin)  # a custom type must already exist in the file
    try:
        _known_type(conn, args.type)
        assert conn is not None
        store.add(conn, task)
    finally:
        _close(conn)
    if args.json:
        _print_json(task_json(task))
    else:
        print(task.id)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    project = core.validate_name(args.project, "the project")
    conn = _open(args, create=False)
    found: list[Task] = []
    labels = dict(core.BUILTIN_LABELS)
    try:
        task_type = _known_type(conn, args.type) if args.type is not None else None
        if conn is not None:
            found = store.list_tasks(conn, task_type=task_type, project=project, include_done=args.all)
            labels = {t.slug: t.label for t in store.list_types(conn)}
    finally:
        _close(conn)
    if args.json:
        _print_json([task_json(t) for t in found])
    elif not found:
        print("No tasks." if args.all else "No open tasks.")
    else:
        for task in found:
            print(format_task(task, labels))
    return 0


def format_task(task: Task, labels: dict[str, str]) -> str:
    where = " / ".join(p for p in (task.project, task.aspect) if p)
    line = (f"{task.id[:8]}  {'[x]' if task.done else '[ ]'}  {task.minutes:>3} min  "
            f"{core.type_label(task.task_type, labels):<20}  {task.title}")
    return f"{line}  ({where})" if where else line


def cmd_done(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    conn = _open(args, create=False)
    try:
        task = _one_task(conn, args.id)
        assert conn is not None
        if args.undo:
            changed = store.set_open(conn, task.id)
        else:
            changed = store.set_done(conn, [task.id], _now()) == 1
    finally:
        _close(conn)
    state = "open" if args.undo else "done"
    print(f"{'Marked' if changed else 'Already'} {state}: {task.title}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    conn = _open(args, create=False)
    try:
        task = _one_task(conn, args.id)
        assert conn is not None
        store.soft_delete(conn, task.id, _now())
    finally:
        _close(conn)
    print(f"Deleted: {task.title}")
    return 0


def cmd_types(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    conn = _open(args, create=False)
    if conn is None:
        types = list(core.TASK_TYPES)
    else:
        try:
            types = store.list_types(conn)
        finally:
            conn.close()
    if args.json:
        _print_json([{"slug": t.slug, "label": t.label, "builtin": t.builtin} for t in types])
    else:
        for t in types:
            print(f"{t.slug:<20}  {t.label}{'' if t.builtin else '  (yours)'}")
    return 0


def cmd_add_type(args: argparse.Namespace) -> int:
    from microsession.store import tasks as store

    label = core.validate_type_label(args.label)
    conn = _open(args, create=True)
    assert conn is not None
    try:
        existing = {t.slug: t for t in store.list_types(conn)}.get(core.slugify(label))
        added = existing or store.add_type(conn, label)
    finally:
        conn.close()
    print(added.slug)  # the slug alone on stdout, for scripts
    if existing is not None:
        print(f"microsession: the task type {existing.label!r} exists already; nothing was added", file=sys.stderr)
    return 0

