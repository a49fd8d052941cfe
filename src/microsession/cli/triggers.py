"""`microsession triggers …`: trigger rules from the command line. Imports no Qt.

Input (times, weekdays, the .ics file, the task type) is checked before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import datetime, timezone
from typing import Any

from microsession.cli.common import CliError, int_from, path_arg, run_subcommand
from microsession.core import trigger_json
from microsession.core import triggers as core
from microsession.core.triggers import Rule

MIN_ID_PREFIX = 4
COMMANDS = ("list", "next", "add", "enable", "disable", "remove")
MAX_COUNT = 100  # `next --count`: more is a long wait for a list nobody reads
DEFAULT_AFTER = 2


def add_parser(sub: Any) -> None:
    p = sub.add_parser("triggers", help="reminder rules that suggest a session (list, next, add, enable, disable, remove)")
    cmds = p.add_subparsers(dest="triggers_command", parser_class=type(p), metavar="{" + ",".join(COMMANDS) + "}")
    lst = cmds.add_parser("list", help="list the rules")
    lst.add_argument("--json", action="store_true", help="JSON instead of text")
    nxt = cmds.add_parser("next", help="the next fire times of the enabled rules")
    nxt.add_argument("--count", type=int_from(1, MAX_COUNT, "a count"), default=5, metavar="N",
                     help=f"how many, up to {MAX_COUNT} (default 5)")
    nxt.add_argument("--json", action="store_true", help="JSON instead of text")
    add = cmds.add_parser("add", help="add a rule; prints its id")
    add.add_argument("--name", required=True, help="what to call the rule")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="HH:MM", help="at a time of day")
    when.add_argument("--every", type=int_from(1, 24 * 60, "minutes"), metavar="MIN", help="every MIN minutes inside --between")
    when.add_argument("--calendar", type=path_arg, metavar="PATH|URL",
                      help="after each event of an .ics file or subscription address ends")
    when.add_argument("--caldav", type=path_arg, metavar="URL", help="after each event of a CalDAV account ends (with --user)")
    when.add_argument("--idle", type=int_from(1, core.MAX_IDLE, "minutes"), metavar="MIN",
                      help="back at the desk after MIN minutes away")
    add.add_argument("--days", metavar="DAYS", help="mon-fri (default), mon,wed, daily, weekend")
    add.add_argument("--between", metavar="HH:MM-HH:MM", help="the window of --every; the working hours of --calendar (default 08:00-19:00)")
    add.add_argument("--after", type=int_from(0, core.MAX_AFTER, "minutes"), metavar="MIN",
                     help=f"minutes after the event's end (--calendar; default {DEFAULT_AFTER})")
    add.add_argument("--minutes", type=int_from(core.MIN_MINUTES, core.MAX_MINUTES, "minutes"), default=10, metavar="N",
                     help=f"the suggested session's length, {core.MIN_MINUTES}-{core.MAX_MINUTES} (default 10)")
    add.add_argument("--type", metavar="T", help="the task type to suggest (default: chosen by your energy hours)")
    add.add_argument("--task", metavar="ID", help="a task to suggest (its id or first characters)")
    add.add_argument("--stack", metavar="NAME", help="a stack to suggest")
    add.add_argument("--label", default="", metavar="TEXT", help="what to call the session, e.g. planning")
    add.add_argument("--when-busy", choices=core.WHEN_BUSY, default="wait", help="during a focus session: wait for the break (default) or drop")
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.add_argument("--user", metavar="NAME", help="the CalDAV login (--caldav); the password is asked for, or read "
                     "from stdin with --password-stdin, and kept in the system keyring")
    add.add_argument("--password-stdin", action="store_true", help="read the CalDAV password from standard input")
    add.add_argument("--me", metavar="ADDR", default="", help="your e-mail addresses, comma-separated: skip events you declined")
    add.add_argument("--include-free", action="store_true", help="count events marked free too (--calendar, --caldav)")
    for name, text in (("enable", "switch a rule on"), ("disable", "switch a rule off"), ("remove", "delete a rule")):
        cmd = cmds.add_parser(name, help=text)
        cmd.add_argument("id", help=f"the rule id (or its first {MIN_ID_PREFIX}+ characters)")


def run(args: argparse.Namespace) -> int:
    handlers = {"list": cmd_list, "next": cmd_next, "add": cmd_add, "enable": cmd_switch, "disable": cmd_switch,
                "remove": cmd_remove}
    return run_subcommand("triggers", handlers, args.triggers_command, args)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _open(args: argparse.Namespace, *, create: bool) -> sqlite3.Connection | None:
    from microsession.cli.tasks import _open as open_db

    return open_db(args, create=create)


def _window(text: str) -> tuple[core.HM, core.HM]:
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"expected a window like 13:00-17:00, not {text[:40]!r}")
    return core.parse_hm(parts[0]), core.parse_hm(parts[1])


def condition_from_args(args: argparse.Namespace) -> core.Condition:
    """The condition the options describe (ValueError with one line if they do not fit)."""
    days = core.parse_days(args.days) if args.days is not None else core.WEEKDAYS
    calendar = args.calendar is not None or args.caldav is not None
    if args.after is not None and not calendar:  # never ignored silently
        raise ValueError("--after goes with --calendar or --caldav only")
    if (args.me or args.include_free) and not calendar:
        raise ValueError("--me and --include-free go with --calendar or --caldav only")
    if args.idle is not None:
        if args.days is not None or args.between is not None:
            raise ValueError("--idle takes neither --days nor --between")
        return core.BackAtDesk(args.idle)
    if args.at is not None:
        if args.between is not None:
            raise ValueError("--between goes with --every or --calendar, not --at")
        return core.AtTime(core.parse_hm(args.at), days)
    if args.every is not None:
        if args.between is None:
            raise ValueError("--every needs --between HH:MM-HH:MM")
        return core.Every(args.every, *_window(args.between), days)
    start, end = _window(args.between) if args.between is not None else (core.WORK_FROM, core.WORK_UNTIL)
    after = DEFAULT_AFTER if args.after is None else args.after
    me = frozenset(filter(None, (m.strip() for m in args.me.split(","))))
    common = dict(source="file", user="", skip_free=not args.include_free, me=me)
    if args.caldav is not None:
        if not (args.user or "").strip():
            raise ValueError("--caldav needs --user NAME")
        common.update(source="caldav", user=args.user.strip())
        return core.AfterEvents(args.caldav, after, start, end, days, **common)
    if args.user is not None or args.password_stdin:
        raise ValueError("--user and --password-stdin go with --caldav")
    if core.calendar_source_of(args.calendar) == "url":
        common["source"] = "url"
        return core.AfterEvents(args.calendar, after, start, end, days, **common)
    from pathlib import Path

    from microsession.schedule.calendar import CalendarError, read_calendar

    path = Path(args.calendar).expanduser()
    try:
        read_calendar(path)
    except CalendarError as exc:
        raise ValueError(str(exc)) from None
    return core.AfterEvents(str(path.resolve()), after, start, end, days, **common)


def check_calendar(args: argparse.Namespace, cond: core.AfterEvents) -> None:
    """A subscription or CalDAV account is asked once before the rule is kept (its password
    stored first): a bad address, a refusal, a timeout or a non-calendar is one line."""
    if cond.source == "file":
        return
    from microsession.paths import data_dir
    from microsession.schedule.calendar import CalendarError
    from microsession.schedule.calendar_sources import source_for

    try:
        if cond.source == "caldav":
            from microsession.schedule import caldav_source

            caldav_source.save_password(cond.path, cond.user, _password(args))
        source = source_for(cond, data_dir(args.data_dir))
        source.refresh()
    except CalendarError as exc:
        raise CliError(f"{cond.where()}: {exc}") from None


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        secret = getpass.getpass(f"CalDAV password for {args.user}: ")
    else:
        raise CliError("give the CalDAV password on standard input with --password-stdin")
    if not secret:
        raise CliError("the CalDAV password is empty")
    return secret


def _suggestion(args: argparse.Namespace, conn: sqlite3.Connection | None) -> core.Suggestion:
    from microsession.cli.tasks import _known_type, _one_task

    task_type = _known_type(conn, args.type) if args.type is not None else None
    task_id = _one_task(conn, args.task).id if args.task is not None else None
    stack = args.stack.strip() if args.stack is not None else None
    if stack is not None:
        from microsession.store import stacks

        if conn is None or stack not in stacks.names(conn):
            raise CliError(f"no stack named {stack!r} (see `microsession stacks list`)")
    return core.Suggestion(args.minutes, task_type, task_id, stack, args.label.strip())


def cmd_add(args: argparse.Namespace) -> int:
    from microsession.store import triggers as store

    condition = condition_from_args(args)
    probe = core.Suggestion(args.minutes, label=args.label.strip())  # checked before any file is touched
    Rule("0" * 32, args.name.strip(), True, condition, probe, args.when_busy)
    if isinstance(condition, core.AfterEvents):
        check_calendar(args, condition)
    needs_file = args.task is not None or args.stack is not None or (
        args.type is not None and args.type.strip().lower() not in _builtin_types())
    conn = _open(args, create=not needs_file)
    try:
        rule = store.new_rule(args.name, condition, _suggestion(args, conn), enabled=not args.disabled,
                              when_busy=args.when_busy)
        if conn is None:
            conn = _open(args, create=True)
        assert conn is not None
        store.add(conn, rule, _now())
    finally:
        if conn is not None:
            conn.close()
    print(rule.id)
    return 0


def _builtin_types() -> set[str]:
    from microsession.core.tasks import BUILTIN_LABELS, slugify

    return set(BUILTIN_LABELS) | {slugify(label) for label in BUILTIN_LABELS.values()}


def _one_rule(conn: sqlite3.Connection | None, given: str):
    from microsession.store import triggers as store

    text = given.strip().lower()
    if len(text) < MIN_ID_PREFIX or any(ch not in "0123456789abcdef" for ch in text):
        raise CliError(f"{given!r} is not a rule id (give at least {MIN_ID_PREFIX} of its hex characters)")
    found = store.find(conn, text) if conn is not None else []
    if not found:
        raise CliError(f"no rule with id {given!r}")
    if len(found) > 1:
        raise CliError(f"id {given!r} fits {len(found)} rules; give more characters")
    return found[0]


def cmd_switch(args: argparse.Namespace) -> int:
    from microsession.store import triggers as store

    on = args.triggers_command == "enable"
    conn = _open(args, create=False)
    try:
        rule = _one_rule(conn, args.id)
        if on and isinstance(rule, Rule) and rule.incomplete():
            raise CliError(f"{rule.name} is {rule.incomplete()}")
        if on and not isinstance(rule, Rule):
            raise CliError(f"{rule.name} cannot be read ({rule.reason}); remove it and add it again")
        store.set_enabled(conn, rule.id, on)
    finally:
        if conn is not None:
            conn.close()
    print(f"{'Enabled' if on else 'Disabled'}: {rule.name}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from microsession.store import triggers as store

    conn = _open(args, create=False)
    try:
        rule = _one_rule(conn, args.id)
        store.remove(conn, rule.id)
        from microsession.schedule.caldav_source import forget_unused_password

        forget_unused_password(conn, rule)
    finally:
        if conn is not None:
            conn.close()
    print(f"Removed: {rule.name}")
    return 0


def _all_rules(args: argparse.Namespace) -> list:
    from microsession.store import triggers as store

    conn = _open(args, create=False)
    if conn is None:  # no data file yet: the starting rules a new file would get
        conn = sqlite3.connect(":memory:")
        from microsession.store import db

        conn.row_factory = sqlite3.Row
        db.upgrade(conn)
    try:
        return store.list_all(conn)
    finally:
        conn.close()


def _problem(rule, tz, now, folder) -> str | None:
    from microsession.schedule import jobs

    if not isinstance(rule, Rule):
        return f"damaged: {rule.reason}"
    if rule.kind == "calendar":
        from microsession.schedule.calendar_sources import source_for

        # the local copy of a subscription or CalDAV account, when there is one: listing is quick, offline too
        copy = source_for(rule.condition, folder, use_copy=True) if rule.condition.path else None  # type: ignore[arg-type]
        return jobs.preview(rule, tz, now, 1, source=copy, folder=folder)[1]
    return None


def _folder(args: argparse.Namespace):
    from microsession.paths import data_dir

    return data_dir(args.data_dir)


def rule_json(rule, problem: str | None) -> dict[str, Any]:
    if not isinstance(rule, Rule):
        return {"id": rule.id, "name": rule.name, "enabled": False, "problem": problem}
    return {"id": rule.id, "name": rule.name, "enabled": rule.enabled, "kind": rule.kind,
            "condition": trigger_json.condition_json(rule.condition), "suggestion": trigger_json.suggestion_json(rule.suggestion),
            "when_busy": rule.when_busy, "problem": problem}


def cmd_list(args: argparse.Namespace) -> int:
    from microsession.schedule.jobs import local_zone

    rules, tz, now = _all_rules(args), local_zone(), _now()
    listed = [(r, _problem(r, tz, now, _folder(args))) for r in rules]
    if args.json:
        print(json.dumps([rule_json(r, p) for r, p in listed], indent=2, ensure_ascii=False))
        return 0
    if not listed:
        print("No rules.")
    for rule, problem in listed:
        if isinstance(rule, Rule):
            line = (f"{rule.id[:8]}  {'on ' if rule.enabled else 'off'}  {rule.name}: "
                    f"{rule.condition.describe()} → {rule.suggestion.describe()}")
        else:
            line = f"{rule.id[:8]}  off  {rule.name}"
        print(line + (f"  [{problem}]" if problem else ""))
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    from microsession.schedule import jobs

    tz, now = jobs.local_zone(), _now()
    upcoming = []
    for rule in _all_rules(args):
        if not isinstance(rule, Rule) or not rule.enabled:
            continue
        times, problem = jobs.preview(rule, tz, now, args.count, folder=_folder(args))
        if problem and rule.kind == "calendar":
            print(f"microsession: {rule.name}: {problem}", file=sys.stderr)
        upcoming += [(t, rule) for t in times]
    upcoming.sort(key=lambda item: (item[0].astimezone(timezone.utc), item[1].name))
    upcoming = upcoming[: args.count]
    if args.json:
        print(json.dumps([{"at": t.astimezone(tz).isoformat(), "at_utc": t.astimezone(timezone.utc).isoformat(),
                           "rule_id": r.id, "name": r.name, "minutes": r.suggestion.minutes,
                           "suggestion": r.suggestion.describe()} for t, r in upcoming], indent=2, ensure_ascii=False))
    elif not upcoming:
        print("Nothing scheduled (no enabled time or calendar rules).")
    else:
        for t, r in upcoming:
            print(f"{t.astimezone(tz).strftime('%a %Y-%m-%d %H:%M')}  {r.name} ({r.suggestion.describe()})")
    return 0
