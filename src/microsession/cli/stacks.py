"""`microsession stacks …`: the stacks from the command line. Imports no Qt."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import Any

from microsession.cli.common import CliError
from microsession.core.stacks import TEMPLATES, Stack, Step, to_json

COMMANDS = ("list",)


def add_parser(sub: Any) -> None:
    """Register `stacks` on the main parser's subcommands (`sub` from add_subparsers)."""
    stacks = sub.add_parser("stacks", help="list stacks (named chains of sessions and breaks)")
    cmds = stacks.add_subparsers(dest="stacks_command", parser_class=type(stacks),
                                 metavar="{" + ",".join(COMMANDS) + "}")
    lst = cmds.add_parser("list", help="list stacks with their steps and total minutes")
    lst.add_argument("--json", action="store_true", help="JSON instead of text")


def run(args: argparse.Namespace) -> int:
    if args.stacks_command != "list":
        raise CliError(f"stacks needs a command: {', '.join(COMMANDS)}")
    try:
        return cmd_list(args)
    except sqlite3.Error as exc:
        raise CliError(f"cannot use the data file: {exc}") from None


def _minutes(value: float) -> str:
    return f"{value:g} min"


def step_text(step: Step) -> str:
    """'10 min Research', '5 min break'."""
    if step.kind == "break":
        return f"{_minutes(step.minutes)} break"
    return f"{_minutes(step.minutes)} {step.label or 'focus'}"


def steps_text(stack: Stack) -> str:
    return " → ".join(step_text(s) for s in stack.steps)


def stack_json(stack: Stack) -> dict[str, Any]:
    data = to_json(stack)
    data["total_minutes"] = _number(stack.total_minutes)
    data["focus_minutes"] = _number(stack.focus_minutes)
    return data


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _load(args: argparse.Namespace) -> tuple[list[Stack], list[str]]:
    """The stored stacks (the templates seeded once), or the templates when there is no data file."""
    from microsession.paths import data_dir, db_path
    from microsession.store import db
    from microsession.store import stacks as store

    path = db_path(data_dir(args.data_dir))
    if not path.exists():
        return list(TEMPLATES), []
    try:
        conn = db.connect(path)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    try:
        store.seed_templates(conn)
        return store.list_stacks(conn)
    finally:
        conn.close()


def cmd_list(args: argparse.Namespace) -> int:
    stacks, problems = _load(args)
    for problem in problems:  # a damaged row is named, the others are still listed
        print("microsession: " + " ".join(problem.split()), file=sys.stderr)
    if args.json:
        print(json.dumps([stack_json(s) for s in stacks], indent=2, ensure_ascii=False))
    elif not stacks:
        print("No stacks.")
    else:
        for stack in stacks:
            print(f"{stack.name:<24}  {_minutes(stack.total_minutes):>7}  {steps_text(stack)}")
    return 0
