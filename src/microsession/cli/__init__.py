"""The command line. Fast: imports no Qt unless it launches the app."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from microsession import __version__


from microsession.cli.common import CliError, _Parser, date_arg, positive_int, run_subcommand  # noqa: F401 (used by tests)


# Subcommands in their own modules, each with add_parser(subparsers) and run(args) -> int.
# Only the module of the command on the command line is imported (start-up time of `status`).
# Several names may share a module: its add_parser adds all of them, its run() tells them
# apart by args.command.
COMMANDS: dict[str, tuple[str, str]] = {
    "tasks": ("microsession.cli.tasks", "add, list and tick tasks (microsession tasks --help)"),
    "stacks": ("microsession.cli.stacks", "list stacks of sessions and breaks (microsession stacks --help)"),
    "stats": ("microsession.cli.stats", "figures of the week, the day or all time (--week, --day, --all, --json)"),
    "triggers": ("microsession.cli.triggers", "reminder rules that suggest a session (microsession triggers --help)"),
    "start": ("microsession.cli.control", "start a sprint in the running app (launched if needed)"),
    "pause": ("microsession.cli.control", "pause the session"),
    "resume": ("microsession.cli.control", "resume the session"),
    "stop": ("microsession.cli.control", "stop the session"),
    "skip-break": ("microsession.cli.control", "skip the break"),
    "show": ("microsession.cli.control", "show the progress ring"),
    "quit": ("microsession.cli.control", "quit the app"),
    "status": ("microsession.cli.control", "one line for a status bar (--json, --format)"),
    "export": ("microsession.cli.data", "write your data as JSON or CSV (--format, --out, --since)"),
    "import": ("microsession.cli.data", "merge a JSON export into your data"),
    "backup": ("microsession.cli.data", "back up the data file now"),
    "restore": ("microsession.cli.data", "replace your data by a backup (quit the app first)"),
    "sync": ("microsession.cli.sync", "one log on several computers through a synced folder (microsession sync --help)"),
}


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The parser; `wanted` names the one subcommand whose full parser is loaded."""
    parser = _Parser(prog="microsession", description="A calm tray timer for focused micro-sessions.")
    parser.add_argument("--version", action="version", version=f"microsession {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="folder of the data file (default: the platform's data folder; env MICROSESSION_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    log = sub.add_parser("log", help="print recent sessions and their logs")
    log.add_argument("--last", type=positive_int, default=10, metavar="N", help="how many sessions (default 10)")
    log.add_argument("--json", action="store_true", help="JSON instead of text")
    wanted_module = COMMANDS[wanted][0] if wanted else None
    for name, (module, help_text) in COMMANDS.items():
        if module != wanted_module:  # listed in --help; its full parser is loaded only when used
            sub.add_parser(name, help=help_text)
        elif name == wanted:
            importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        wanted = next((a for a in argv if a in COMMANDS), None)
        # No arguments (the launcher, login): the app, with no parser built (its help texts
        # load gettext's locale machinery: idle memory the app would keep).
        args = build_parser(wanted).parse_args(argv) if argv else argparse.Namespace(command=None, data_dir=None)
        from microsession.paths import DataDirError, check_data_dir

        try:
            check_data_dir(args.data_dir)  # empty, a file, a system folder: one line, exit 2
        except DataDirError as exc:
            raise CliError(str(exc)) from None
        if args.command == "log":
            return cmd_log(args)
        if args.command in COMMANDS:
            return importlib.import_module(COMMANDS[args.command][0]).run(args)
        from microsession.control.instance import hand_over

        if hand_over(args.data_dir):  # an app runs for this data folder: it shows its ring
            return 0
        from microsession.display import problem

        why = problem()  # before Qt, which would abort (rc 134) with a misleading line
        if why:
            print(f"microsession: {why}", file=sys.stderr)
            return 1
        from microsession.app import run  # Qt is imported only here

        return run(args.data_dir)
    except CliError as exc:  # one line, whatever line breaks the user's arguments held
        print("microsession: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a --data-dir that cannot be a folder
        where = f" ({exc.filename})" if exc.filename and len(str(exc.filename)) < 200 else ""
        print(f"microsession: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_log(args: argparse.Namespace) -> int:
    from microsession.paths import data_dir, db_path
    from microsession.store import db, sessions

    path = db_path(data_dir(args.data_dir))
    if not path.exists():
        rows: list[dict] = []
    else:
        try:
            conn = db.connect(path, migrate=False)
            rows = sessions.recent(conn, args.last)
            conn.close()
        except (db.DatabaseError, db.sqlite3.Error) as exc:
            raise CliError(f"cannot read {path}: {exc}") from None
    if args.json:
        import json

        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print("No sessions yet.")
    else:
        for row in rows:
            print(format_row(row))
    return 0


def format_row(row: dict) -> str:
    from datetime import datetime, timedelta, timezone

    from microsession.core.format import clock_text

    started = datetime.fromisoformat(row["started_utc"]).astimezone(
        timezone(timedelta(seconds=row["started_offset"])))
    focused = clock_text(row["focused_s"]) if row["focused_s"] is not None else "running"
    parts = [started.strftime("%Y-%m-%d %H:%M"), f"{row['kind']:<5}", f"{row['planned_s'] / 60:g} min",
             row["outcome"] or "open", f"focused {focused}"]
    if row.get("away_answer"):  # "away 40 min: break" (the answer to the away question)
        parts.append(f"away {max(1, round((row['away_s'] or 0) / 60))} min: {row['away_answer']}")
    log = row["log"]
    if log:
        if log["energy"]:
            parts.append(f"energy {log['energy']}")
        if log["stopped_at"]:
            parts.append(f"stopped at: {log['stopped_at']}")
        if log["next_step"]:
            parts.append(f"next: {log['next_step']}")
        if log["finished"]:
            parts.append("task finished")
        if log["interrupted"]:
            parts.append("interrupted")
    return " · ".join(parts)
