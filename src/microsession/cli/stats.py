"""`microsession stats [--week|--day|--all] [--json] [--date D]`: the review's figures, no display.

Imports no Qt. Opens the data file read-only (see open_read_only); a damaged or unreadable file is
one line of error (exit 2); no data yet is a friendly line (exit 0).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from microsession.cli.common import CliError, date_arg
from microsession.core.figures import habits
from microsession.core.figures import metrics as m
from microsession.core.clock import local_offset_s
from microsession.core.figures.review_model import ENERGY_WEEKS, Review
from microsession.core.figures.summary import AllTime
from microsession.core.figures.sweet_spot import SweetSpot, sweet_spot_of

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("stats", help="figures of the week, the day or all time (no display needed)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--week", dest="period", action="store_const", const="week", help="this week against the four before (default)")
    which.add_argument("--day", dest="period", action="store_const", const="day", help="today: the tally, the goal, the streak")
    which.add_argument("--all", dest="period", action="store_const", const="all", help="all time")
    p.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="the week or day holding this date (default: today)")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.add_argument("--device", metavar="NAME", help="only the sessions of one computer (see microsession sync status)")
    p.set_defaults(period="week")


def run(args: argparse.Namespace) -> int:
    from microsession.paths import data_dir, db_path
    from microsession.store import db

    path = db_path(data_dir(args.data_dir))
    now = datetime.now(timezone.utc)
    if args.date is not None:
        now = datetime.combine(args.date, time(12)).astimezone(timezone.utc)
    offset = local_offset_s(now)
    if not path.exists():
        return _no_data(args)
    try:
        db.refuse_emptied(path)
    except db.DatabaseError as exc:
        raise CliError(str(exc)) from None
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    try:
        if db.check_version(conn) < 2:
            raise CliError(f"{path} is from an older Micro-Session: start the app once to upgrade it")
        if getattr(args, "device", None) is not None:
            _only_device(conn, args.device)
        return _report(conn, args, now, offset)
    except (db.DatabaseError, sqlite3.Error) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    finally:
        conn.close()


def open_read_only(path: Path) -> sqlite3.Connection:
    """The data file opened read-only: stats never writes, never upgrades, never sets a file aside.

    No quick_check here (it reads the whole file: 150 ms on ten years of history); damage is
    still reported, as one line, when a query meets a damaged page.
    """
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=2.0)


def _only_device(conn: sqlite3.Connection, text: str) -> None:
    """From here on, `sessions` means one computer's sessions (a temporary view shadows the table)."""
    from microsession.core.settings import Settings
    from microsession.store import db
    from microsession.store import settings as settings_store
    from microsession.store.sync_status import device_name, find_device

    if db.check_version(conn) < 4:
        raise CliError("this data file knows no computers yet: start the app once to upgrade it")
    own = device_name(Settings.from_values(settings_store.load(conn))[0].device_name)
    try:
        device = find_device(conn, text, own)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    mine = " OR device IS NULL" if device == conn.execute("SELECT device_id FROM sync_state").fetchone()[0] else ""
    conn.execute(f"CREATE TEMP VIEW sessions AS SELECT * FROM main.sessions WHERE device = '{device}'{mine}")


def _no_data(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps({"period": args.period, "sessions": 0}))
    else:
        print("No sessions yet — start one from the tray; the figures build up from there.")
    return 0


def _report(conn: sqlite3.Connection, args: argparse.Namespace, now: datetime, offset: int) -> int:
    from microsession.store import metrics as store
    from microsession.store import settings as settings_store
    from microsession.core.settings import Settings

    if store.first_session_day(conn) is None:
        return _no_data(args)
    goal = Settings.from_values(settings_store.load(conn))[0].daily_goal
    if args.period == "day":
        data = day_json(conn, now, offset, goal)
        print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else day_text(data))
    elif args.period == "all":
        from microsession.store import summary

        data = all_json(summary.all_time(conn), summary.tasks_finished_by_type(conn), store.type_labels(conn))
        print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else all_text(data))
    else:
        review = store.review(conn, now, offset)
        data = week_json(review, store.type_labels(conn))
        print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else week_text(data))
    return 0


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figures_json(f: m.Figures) -> dict[str, Any]:
    return {
        "sessions": f.sessions, "micro_sessions": f.micro, "deep_sessions": f.deep,
        "focused_minutes": _minutes(f.focused_s), "micro_focused_minutes": _minutes(f.micro_focused_s),
        "deep_focused_minutes": _minutes(f.deep_focused_s), "tasks_finished": f.tasks_finished,
        "average_session_minutes": _minutes(f.average_length_s), "average_energy": _round(f.average_energy),
        "counted_sessions": f.counted, "interrupted": f.interrupted,
        "interruption_rate": _round(f.interruption_rate, 3), "breaks": f.breaks,
        "sentence": m.sentence(f),
    }


def _means(by: dict) -> dict[str, Any]:
    return {str(k): {"mean": _round(v.mean), "n": v.n} for k, v in by.items()}


def _types(types: dict[str, m.TypeFigures]) -> dict[str, Any]:
    return {k: {"sessions": v.sessions, "finished": v.finished, "rate": _round(v.rate)} for k, v in types.items()}


def _sweet(s: SweetSpot) -> dict[str, Any]:
    return asdict(s) | {"mean": _round(s.mean), "text": s.text}


def week_json(r: Review, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "period": "week", "week_start": r.week_start.isoformat(),
        "week_end": (r.week_end - timedelta(days=1)).isoformat(),
        **figures_json(r.week), "comparison": r.comparison,
        "per_day": [{"date": d.day.isoformat(), "completed": d.completed,
                     "focused_minutes": _minutes(d.focused_s), "breaks": d.breaks} for d in r.days],
        "before": {"weeks": len(r.before), "sessions": _round(r.before_mean("sessions")),
                   "focused_minutes": _minutes(r.before_mean("focused_s")),
                   "tasks_finished": _round(r.before_mean("tasks_finished")),
                   "per_day": [_round(v) for v in r.before_per_day]},
        "energy_by_length": _means(r.energy_by_bucket), "energy_by_hour": _means(dict(sorted(r.energy_by_hour.items()))),
        "peak_hours": r.peaks, "sweet_spot": _sweet(r.sweet), "task_types": _types(r.types),
        "never_finished": [labels.get(t, t) for t in r.never_finished], "suggestions": r.suggestions,
    }


def day_json(conn: sqlite3.Connection, now: datetime, offset: int, goal: int) -> dict[str, Any]:
    from microsession.store import metrics as store

    today = m.local_day(now, offset)
    [fig] = m.per_day(store.sessions_between(conn, today, today + timedelta(days=1)), today, 1)
    daily = store.daily_counts(conn, today - timedelta(days=habits.OFFER_AFTER_DAYS + 1), today + timedelta(days=1))
    streak = store.streak(conn, today, goal)
    return {"period": "day", "date": today.isoformat(), "completed": fig.completed, "goal": goal,
            "focused_minutes": _minutes(fig.focused_s), "breaks": fig.breaks, "streak_days": streak.days,
            "streak_graces": len(streak.graces), "goal_offer": habits.goal_offer(daily, goal, today)}


def all_json(at: AllTime, finished: dict[str, int], labels: dict[str, str]) -> dict[str, Any]:
    """All time, from the per-day summaries (store/summary.py) and the tasks finished per type."""
    f = replace(at.figures, tasks_finished=sum(finished.values()))
    types = {k: m.TypeFigures(at.type_sessions.get(k, 0), finished.get(k, 0))
             for k in sorted(set(at.type_sessions) | set(finished))}
    return {"period": "all", "first_day": at.first_day.isoformat() if at.first_day else None,
            "days_with_sessions": at.days, **figures_json(f), "energy_by_length": _means(at.by_bucket),
            "energy_by_hour": _means(dict(sorted(at.by_hour.items()))), "peak_hours": m.peak_hours(at.by_hour),
            "sweet_spot": _sweet(sweet_spot_of(at.days, at.by_bucket)), "task_types": _types(types),
            "never_finished": [labels.get(t, t) for t in m.never_finished(types)]}


def _num(value: float | None, fmt: str = "{:.1f}") -> str:
    return "–" if value is None else fmt.format(value)


def _common_lines(d: dict[str, Any], energy_span: str = "") -> list[str]:
    # Counted as in the review window: sessions "completed" of those "started" (a stop before a
    # minute is neither); focus time, average length and interruptions count stopped ones too.
    lines = [f"Completed {d['sessions']} of {d['counted_sessions']} started: micro {d['micro_sessions']}, "
             f"deep work {d['deep_sessions']} · focus (stopped sessions too): micro "
             f"{m.duration_text(d['micro_focused_minutes'] * 60)}, deep work {m.duration_text(d['deep_focused_minutes'] * 60)}",
             f"Tasks finished {d['tasks_finished']} · average session {_num(d['average_session_minutes'], '{:.0f} min')}"
             f" · average energy {_num(d['average_energy'])} · interrupted {d['interrupted']} of "
             f"{d['counted_sessions']} started · breaks {d['breaks']}"]
    lengths = " · ".join(f"{m.BUCKET_LABELS[b]} {_num(v['mean'])} ({v['n']})" for b, v in d["energy_by_length"].items())
    lines.append(f"Energy by length{energy_span}: {lengths}")
    if d["peak_hours"]:
        lines.append(f"Peak hours: {m.hour_ranges_text(d['peak_hours'])}")
    lines.append(d["sweet_spot"]["text"])
    if d["never_finished"]:
        lines.append("Never finished: " + ", ".join(d["never_finished"]))
    return lines


def week_text(d: dict[str, Any]) -> str:
    start = date.fromisoformat(d["week_start"])
    lines = [f"Week of {start:%a %d %b %Y}", f"{d['sentence']} — {d['comparison'][:1].lower()}{d['comparison'][1:]}",
             "Per day: " + " · ".join(f"{WEEKDAYS[i]} {x['completed']}" for i, x in enumerate(d["per_day"]))]
    lines += _common_lines(d, f" (last {ENERGY_WEEKS} weeks)")
    lines += [f"- {s}" for s in d["suggestions"]]
    return "\n".join(lines)


def day_text(d: dict[str, Any]) -> str:
    parts = [habits.today_text(d["completed"], d["goal"]), f"{m.duration_text(d['focused_minutes'] * 60)} of focus",
             f"{d['breaks']} break{'s' if d['breaks'] != 1 else ''}",
             habits.Streak(d["streak_days"], None, (None,) * d["streak_graces"]).text]
    text = f"{d['date']} · " + " · ".join(parts)
    if d["goal_offer"]:
        text += f"\nSeven days in a row at {d['goal']}: try {d['goal_offer']} a day? (settings: daily_goal)"
    return text


def all_text(d: dict[str, Any]) -> str:
    lines = [f"Since {d['first_day']}: {d['sentence']} on {d['days_with_sessions']} days"]
    return "\n".join(lines + _common_lines(d))
