"""The control socket's messages: one JSON object on one line each way. Imports no Qt.

A request:  {"cmd": "start", "minutes": 5}   {"cmd": "start", "task": "3f2a"}   {"cmd": "status"}
A reply:    {"ok": true, "status": {...}}    {"ok": false, "error": "nothing is paused"}

Both sides check everything here, so a malformed or oversized line is an error reply,
never an exception in the app.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_LINE = 4096  # bytes of one request or reply, newline included
COMMANDS = ("start", "pause", "resume", "stop", "skip-break", "show", "quit", "status")
START_TARGETS = ("task", "type", "stack")  # start on one of these instead of minutes
MIN_MINUTES, MAX_MINUTES = 1, 240
MAX_TEXT = 200  # characters of a task id, type or stack name


class ProtocolError(ValueError):
    """A request or reply that does not follow this format; the message says why."""


# --- requests ----------------------------------------------------------------------------
def request(cmd: str, **args: Any) -> dict[str, Any]:
    """A checked request: `request("start", minutes=5)`; ProtocolError if it is not valid."""
    return check_request({"cmd": cmd, **{k: v for k, v in args.items() if v is not None}})


def check_request(message: object) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise ProtocolError("a request is a JSON object")
    cmd = message.get("cmd")
    if cmd not in COMMANDS:
        raise ProtocolError(f"unknown command {str(cmd)[:40]!r}")
    extra = set(message) - {"cmd"} - ({"minutes", *START_TARGETS} if cmd == "start" else set())
    if extra:
        raise ProtocolError(f"{cmd} takes no {sorted(extra)[0][:40]!r}")
    if cmd == "start":
        given = [k for k in START_TARGETS if k in message]
        if len(given) > 1:
            raise ProtocolError(f"start takes one of task, type, stack (got {', '.join(given)})")
        if given and given[0] != "type" and "minutes" in message:  # a batch takes a length; a task or stack has its own
            raise ProtocolError(f"minutes go with a type (a batch of that length), not with a {given[0]}")
        if "minutes" in message:
            message["minutes"] = check_minutes(message["minutes"])
        for key in START_TARGETS:
            if key in message:
                value = message[key]
                if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
                    raise ProtocolError(f"{key} must be a text of 1 to {MAX_TEXT} characters")
    return message


def check_minutes(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProtocolError("minutes must be a number")
    if not MIN_MINUTES <= value <= MAX_MINUTES:
        raise ProtocolError(f"minutes must be from {MIN_MINUTES} to {MAX_MINUTES}, got {value:g}")
    return value


# --- replies -----------------------------------------------------------------------------
def ok(status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"ok": True, "status": status} if status is not None else {"ok": True}


def error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": " ".join(str(message).split())[:300] or "refused"}


def check_reply(message: object) -> dict[str, Any]:
    if not isinstance(message, dict) or not isinstance(message.get("ok"), bool):
        raise ProtocolError("the app's reply is not understood")
    if not message["ok"] and not isinstance(message.get("error"), str):
        raise ProtocolError("the app's reply is not understood")
    if "status" in message and not isinstance(message["status"], dict):
        raise ProtocolError("the app's reply is not understood")
    return message


# --- lines -------------------------------------------------------------------------------
def encode(message: dict[str, Any]) -> bytes:
    line = json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
    if len(line) > MAX_LINE:
        raise ProtocolError(f"a message is longer than {MAX_LINE} bytes")
    return line


def decode(line: bytes) -> object:
    """The JSON value of one line (without or with its newline); ProtocolError if it is not one."""
    if len(line) > MAX_LINE:
        raise ProtocolError(f"a message is longer than {MAX_LINE} bytes")
    try:
        return json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("a message is not one line of JSON") from None


# --- the status a bar shows ------------------------------------------------------------------
def status(state: str, phase: str = "idle", remaining_s: float = 0.0, remaining: str = "",
           fraction_left: float = 0.0, title: str = "", task: str = "", step: str = "",
           app: bool = True) -> dict[str, Any]:
    """What `status --json` prints; `remaining` is the ring's 'mm:ss'. `text`, `tooltip`,
    `class` and `percentage` are the fields a waybar custom module ("return-type": "json") reads."""
    active = phase != "idle"
    words = [phase if active else "idle", remaining, f"· {task}" if task else ""]
    text = " ".join(w for w in words if w)
    tooltip = ("Micro-Session: " + " · ".join(p for p in (title, remaining, task, step) if p)) if app else "Micro-Session is not running"
    return {
        "state": state, "phase": phase, "remaining_s": round(max(0.0, remaining_s), 1), "remaining": remaining,
        "title": title, "task": task, "step": step, "app_running": app,
        "text": text, "tooltip": tooltip, "class": phase,
        "percentage": round(100 * (1 - fraction_left)) if active else 0,
    }


def not_running() -> dict[str, Any]:
    return status("idle", "idle", title="Not running", app=False)


def format_status(fields: dict[str, Any], template: str | None) -> str:
    """`template` ('{state} {remaining} {task}') filled from the status; the default is its text.
    ProtocolError for a field that does not exist (the message names the ones that do)."""
    if template is None:
        return str(fields.get("text", ""))
    import string

    try:
        names = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ProtocolError(f"--format: {exc}") from None
    bad = [n for n in names if n not in fields]
    if bad:
        known = ", ".join("{" + k + "}" for k in fields)
        raise ProtocolError(f"--format: no field {bad[0][:40]!r} (fields: {known})")
    try:
        return template.format_map(fields)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ProtocolError(f"--format: {exc}") from None
