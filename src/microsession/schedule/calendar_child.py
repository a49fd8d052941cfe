"""Calendars are read, fetched and expanded in a child process.

Why not a thread in the app: icalendar and dateutil are pure Python, so a thread reading a
large calendar holds the GIL in 5 ms slices, and the UI thread, which needs it back for every
timer and paint, was measured waiting up to 80 ms (benchmarks/calendar_block.py). A child
has its own GIL, its memory (icalendar, dateutil, caldav, niquests, lxml, and whatever a
runaway calendar takes) goes back to the system when it ends, and it can be killed: a
calendar can neither freeze the app nor grow it. The app's worker thread only waits on the
pipe and emits the result as a queued signal.

Parent: `read(specs, tz, timeout)`. Child: `python -m microsession.schedule.calendar_child`
reads the specs as JSON on stdin, prints {rule id: {times, error, note}} as JSON. A CalDAV
password is read from the keyring by the parent and given on the pipe (never argv or env).
A frozen build (PyInstaller) has no `-m`: there the work runs in the calling thread.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from microsession.core import trigger_json
from microsession.core.triggers import AfterEvents

CHILD_TIMEOUT_S = 30.0  # the child is killed past this, plus FETCH_ALLOWANCE_S per network calendar
FETCH_ALLOWANCE_S = 20.0  # (each fetch has its own 15 s timeout)
Result = tuple[list[datetime], str | None, str | None]  # fire times, error, note


def spec(rule_id: str, cond: AfterEvents, folder: Path, since: datetime, count: int, refresh: bool) -> dict[str, Any]:
    out = {"rule_id": rule_id, "condition": trigger_json.condition_json(cond), "folder": str(folder),
           "since": since.isoformat(), "count": count, "refresh": refresh}
    if cond.source == "caldav":
        from microsession.schedule import caldav_source
        from microsession.schedule.calendar import CalendarError

        try:
            out["password"] = caldav_source.stored_password(cond.path, cond.user)
        except CalendarError as exc:
            out["error"] = str(exc)
    return out


def compute(specs: list[dict[str, Any]], tz: tzinfo) -> dict[str, Result]:
    """The work itself (in the child, or in the caller for a frozen build)."""
    from microsession.schedule.calendar import CalendarError, CalendarSource, fire_times
    from microsession.schedule.calendar_sources import source_for

    results: dict[str, Result] = {}
    sources: dict[tuple, CalendarSource] = {}
    for s in specs:
        rule_id = s["rule_id"]
        if s.get("error"):
            results[rule_id] = ([], s["error"], None)
            continue
        try:
            cond = trigger_json.condition_from_json(s["condition"])
            assert isinstance(cond, AfterEvents)
            key = (cond.source, cond.path, cond.user, bool(s["refresh"]))
            if key not in sources:
                sources[key] = source_for(cond, Path(s["folder"]), password=s.get("password"),
                                          use_copy=not s["refresh"])
            source = sources[key]
            times = fire_times(source, cond, datetime.fromisoformat(s["since"]), tz, int(s["count"]))
            results[rule_id] = (times, None, source.note)
        except CalendarError as exc:
            results[rule_id] = ([], str(exc), None)
        except Exception as exc:  # noqa: BLE001 - a calendar must never stop the other rules
            results[rule_id] = ([], f"cannot be read ({' '.join(str(exc).split())[:120]})", None)
    return results


def _zone_key(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def read(specs: list[dict[str, Any]], tz: tzinfo, timeout: float | None = None) -> dict[str, Result]:
    """Run `compute` in a child process; every rule gets a result, whatever happens there."""
    if not specs:
        return {}
    if timeout is None:
        network = {(s["condition"].get("source"), s["condition"].get("path")) for s in specs
                   if s["condition"].get("source", "file") != "file"}
        timeout = CHILD_TIMEOUT_S + FETCH_ALLOWANCE_S * len(network)
    if getattr(sys, "frozen", False):
        return compute(specs, tz)
    import subprocess

    payload = json.dumps({"tz": _zone_key(tz), "specs": specs})
    try:
        done = subprocess.run([sys.executable, "-m", "microsession.schedule.calendar_child"], input=payload,
                              capture_output=True, text=True, timeout=timeout)
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except subprocess.TimeoutExpired:
        return {s["rule_id"]: ([], f"reading the calendar took over {timeout:g} s", None) for s in specs}
    except (OSError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        return {s["rule_id"]: ([], "the calendar reader failed", None) for s in specs}
    out: dict[str, Result] = {}
    for s in specs:
        got = answer.get(s["rule_id"]) or {}
        try:
            times = [datetime.fromisoformat(t) for t in got.get("times", [])]
        except (TypeError, ValueError):
            times = []
        out[s["rule_id"]] = (times, got.get("error") or (None if got else "the calendar reader failed"), got.get("note"))
    return out


def main() -> int:
    request = json.loads(sys.stdin.read())
    from zoneinfo import ZoneInfo

    try:
        tz: tzinfo = ZoneInfo(request["tz"])
    except (KeyError, ValueError):
        from microsession.schedule.jobs import local_zone

        tz = local_zone()
    results = compute(request["specs"], tz)
    print(json.dumps({k: {"times": [t.isoformat() for t in times], "error": error, "note": note}
                      for k, (times, error, note) in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
