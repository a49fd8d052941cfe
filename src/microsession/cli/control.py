"""`microsession start|pause|resume|stop|skip-break|show|quit|status`: the running app from outside.

Imports no Qt, and `status` stays fast with no app running (bars poll it every second).
Exit codes: 0 done; 1 the app is not running or refused (one line says why); 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from microsession.cli.common import CliError
from microsession.control.protocol import MAX_MINUTES, MIN_MINUTES

NOT_RUNNING = "Micro-Session is not running"
LAUNCH_TIMEOUT_S = 15.0
STATUS_TIMEOUT_S = 3.0
COMMANDS = {
    "start": "start a sprint in the running app (launched if it is not running)",
    "pause": "pause the running session",
    "resume": "resume the paused session",
    "stop": "stop the session (or the stack) now",
    "skip-break": "skip the break",
    "show": "show the progress ring",
    "quit": "quit the app",
    "status": "one line for a status bar (idle when the app is not running)",
}
EXAMPLE = "e.g. --format '{phase} {remaining} {task}'; fields as in --json"


class Refused(Exception):
    """The app is not running or would not do it: one line, exit code 1."""


def minutes_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"minutes must be a number from {MIN_MINUTES} to {MAX_MINUTES}, got {text!r}") from None
    if not MIN_MINUTES <= value <= MAX_MINUTES:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"minutes must be from {MIN_MINUTES} to {MAX_MINUTES}, got {text}")
    return int(value) if value.is_integer() else value


def add_parser(sub: argparse._SubParsersAction) -> None:
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
        if name == "start":
            p.usage = "microsession start [MINUTES] [--type TYPE] | --task ID | --stack NAME"
            p.add_argument("minutes", nargs="?", type=minutes_arg, metavar="MINUTES",
                           help="length in minutes (default: your default sprint); with --type, the batch's length")
            target = p.add_mutually_exclusive_group()
            target.add_argument("--task", metavar="ID", help="a session on this task, of its own length (its id or the start of it)")
            target.add_argument("--type", metavar="TYPE", help="a batch session on the open tasks of this type")
            target.add_argument("--stack", metavar="NAME", help="run this stack (its steps have their own lengths)")
        elif name == "status":
            out = p.add_mutually_exclusive_group()
            out.add_argument("--json", action="store_true", help="one line of JSON (waybar reads text, tooltip, class, percentage)")
            out.add_argument("--format", metavar="TEMPLATE", help=EXAMPLE)


def run(args: argparse.Namespace) -> int:
    from microsession.control import client as client
    from microsession.control import protocol as protocol
    from microsession.paths import data_dir

    folder = data_dir(args.data_dir)
    try:
        if args.command == "status":
            return _status(client, protocol, folder, args)
        message = _request(protocol, args)
        reply = client.send(folder, message)
        if reply is None:
            if args.command != "start":
                raise Refused(NOT_RUNNING)
            _launch(client, folder, args.data_dir)
            reply = client.send(folder, message)
            if reply is None:
                raise Refused("Micro-Session stopped right after it started")
    except client.ControlError as exc:
        print(f"microsession: {exc}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"microsession: {exc}" if str(exc) != NOT_RUNNING else NOT_RUNNING, file=sys.stderr)
        return 1
    if not reply["ok"]:
        print(f"microsession: {reply['error']}", file=sys.stderr)
        return 1
    if args.command not in ("show", "quit") and "status" in reply:
        print(protocol.format_status(reply["status"], None))
    return 0


def _request(protocol, args: argparse.Namespace) -> dict:
    if args.command != "start":
        return {"cmd": args.command}
    targets = {k: getattr(args, k) for k in ("task", "type", "stack") if getattr(args, k) is not None}
    if args.minutes is not None and set(targets) - {"type"}:
        what = next(iter(targets))
        raise CliError(f"--{what} runs at its own length{'s' if what == 'stack' else ''}: give MINUTES or --{what}, not both")
    try:
        return protocol.request("start", minutes=args.minutes, **targets)
    except protocol.ProtocolError as exc:
        raise CliError(str(exc)) from None


def _status(client, protocol, folder, args: argparse.Namespace) -> int:
    if args.format is not None:  # a bad template is an error even when nothing runs
        _check_format(protocol, args.format)
    reply = client.send(folder, {"cmd": "status"}, timeout=STATUS_TIMEOUT_S)
    if reply is None:
        fields = protocol.not_running()
    elif not reply["ok"] or "status" not in reply:
        raise Refused(reply.get("error", "the app's reply is not understood"))
    else:
        fields = reply["status"]
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, separators=(", ", ": ")))
    else:
        print(protocol.format_status(fields, args.format).strip())
    return 0


def _check_format(protocol, template: str) -> None:
    try:
        protocol.format_status(protocol.not_running(), template)
    except protocol.ProtocolError as exc:
        raise CliError(str(exc)) from None


def _launch(client, folder, data_dir_arg: str | None) -> None:
    """Start the app detached (its own session, no terminal, no pipes of ours) and wait until
    it answers, at most LAUNCH_TIMEOUT_S."""
    import subprocess
    import time

    argv = [sys.executable, "-m", "microsession", *(["--data-dir", data_dir_arg] if data_dir_arg else [])]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True, env=os.environ.copy())
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while True:
        try:
            if client.send(folder, {"cmd": "status"}, timeout=2.0) is not None:
                return
        except client.ControlError:
            pass  # listening, not answering yet: it is still building
        code = proc.poll()
        if code not in (None, 0):  # 0: another launch won the race and took our "show"
            raise Refused(f"Micro-Session could not start (exit code {code})")
        if time.monotonic() > deadline:
            raise Refused(f"Micro-Session did not answer within {LAUNCH_TIMEOUT_S:g} s of its launch")
        time.sleep(0.05)
