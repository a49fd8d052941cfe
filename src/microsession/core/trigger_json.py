"""Trigger rules as JSON (the triggers table's condition and suggestion columns). Pure.

Reading validates through core.triggers' constructors: anything else is a ValueError.
"""

from __future__ import annotations

from typing import Any

from microsession.core.triggers import (WEEKDAYS, AfterEvents, AtTime, BackAtDesk, Condition, Every, Suggestion,
                                        hm_text, parse_hm)


def condition_json(c: Condition) -> dict[str, Any]:
    if isinstance(c, AtTime):
        return {"kind": "time", "at": hm_text(c.at), "days": sorted(c.days)}
    if isinstance(c, Every):
        return {"kind": "every", "minutes": c.minutes, "start": hm_text(c.start), "end": hm_text(c.end),
                "days": sorted(c.days)}
    if isinstance(c, AfterEvents):
        out = {"kind": "calendar", "path": c.path, "after": c.after, "work_from": hm_text(c.work_from),
               "work_until": hm_text(c.work_until), "days": sorted(c.days)}
        if c.source != "file":
            out.update(source=c.source, user=c.user)
        if not c.skip_free:
            out["skip_free"] = False
        if c.me:
            out["me"] = sorted(c.me)
        return out
    return {"kind": "idle", "idle_minutes": c.idle_minutes}


def condition_from_json(d: Any) -> Condition:
    """ValueError for anything that is not a valid condition."""
    if not isinstance(d, dict):
        raise ValueError("a condition must be an object")
    try:
        kind = d["kind"]
        if kind == "time":
            return AtTime(parse_hm(d["at"]), frozenset(d.get("days", WEEKDAYS)))
        if kind == "every":
            return Every(d["minutes"], parse_hm(d["start"]), parse_hm(d["end"]), frozenset(d.get("days", WEEKDAYS)))
        if kind == "calendar":
            me = d.get("me", [])
            if not isinstance(me, list):
                raise ValueError("a calendar rule's addresses must be a list")
            return AfterEvents(d.get("path", ""), d.get("after", 2), parse_hm(d.get("work_from", "08:00")),
                               parse_hm(d.get("work_until", "19:00")), frozenset(d.get("days", WEEKDAYS)),
                               d.get("source", "file"), d.get("user", ""), d.get("skip_free", True), frozenset(me))
        if kind == "idle":
            return BackAtDesk(d.get("idle_minutes", 15))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"a condition lacks or mistypes {exc}") from None
    raise ValueError(f"unknown condition kind {str(kind)[:20]!r}")


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    return {"minutes": s.minutes, "task_type": s.task_type, "task_id": s.task_id, "stack": s.stack,
            "label": s.label, "pick": s.pick}


def suggestion_from_json(d: Any) -> Suggestion:
    if not isinstance(d, dict):
        raise ValueError("a suggestion must be an object")
    try:
        return Suggestion(d["minutes"], d.get("task_type"), d.get("task_id"), d.get("stack"),
                          d.get("label", ""), d.get("pick", "energy"))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"a suggestion lacks or mistypes {exc}") from None
