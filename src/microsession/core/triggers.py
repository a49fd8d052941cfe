"""Trigger rules (F9): a condition that fires and the session it suggests. Pure: no I/O.

Conditions: a time of day on chosen weekdays, every N minutes inside a window, N minutes
after each calendar event ends (inside working hours), back at the desk after being away.
Rules are stored as JSON (core.trigger_json); every constructor validates, so a rule that
exists is a rule that can be scheduled.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, Union

MAX_NAME = 80
MIN_MINUTES, MAX_MINUTES = 1, 240  # a suggested session's length
MAX_AFTER = 240  # minutes after an event's end
MAX_IDLE = 24 * 60
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
WORK_FROM, WORK_UNTIL = (8, 0), (19, 0)  # default working hours of a calendar rule
NOT_AVAILABLE = "not available on this system"

HM = tuple[int, int]


def parse_hm(text: str) -> HM:
    """'9:05' or '09:05' -> (9, 5); ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"expected a time like 09:30, not {str(text)[:40]!r}")
    return int(match[1]), int(match[2])


def hm_text(hm: HM) -> str:
    return f"{hm[0]:02d}:{hm[1]:02d}"


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed', 'weekdays', 'daily', 'sat-sun' -> weekday numbers (0 = Monday)."""
    text = str(text).strip().lower()
    named = {"weekdays": WEEKDAYS, "daily": EVERY_DAY, "everyday": EVERY_DAY, "weekend": frozenset({5, 6})}
    if text in named:
        return named[text]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        ends = [e.strip()[:3] for e in part.split("-")]
        if len(ends) > 2 or any(e not in DAY_NAMES for e in ends):
            raise ValueError(f"unknown weekday in {part[:40]!r} (use mon, tue, … sun, e.g. mon-fri or mon,wed)")
        a, b = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("no weekdays given (e.g. mon-fri or mon,wed)")
    return frozenset(days)


def days_text(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "daily"
    if days == WEEKDAYS:
        return "mon-fri"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _int(value: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{what} must be a whole number from {lo} to {hi}")
    return value


def _days(days: Any) -> frozenset[int]:
    days = frozenset(days)
    if not days or any(isinstance(d, bool) or d not in EVERY_DAY for d in days):
        raise ValueError("weekdays must be numbers 0 (Monday) to 6 (Sunday), at least one")
    return days


@dataclass(frozen=True)
class AtTime:
    """At a time of day on chosen weekdays."""

    at: HM
    days: frozenset[int] = WEEKDAYS
    kind: Literal["time"] = field(default="time", init=False)

    def __post_init__(self) -> None:
        parse_hm(hm_text(self.at))
        object.__setattr__(self, "days", _days(self.days))

    def describe(self) -> str:
        return f"{days_text(self.days)} at {hm_text(self.at)}"


@dataclass(frozen=True)
class Every:
    """Every N minutes from `start` while not past `end`, on chosen weekdays."""

    minutes: int
    start: HM
    end: HM
    days: frozenset[int] = WEEKDAYS
    kind: Literal["every"] = field(default="every", init=False)

    def __post_init__(self) -> None:
        _int(self.minutes, 1, 24 * 60, "the interval in minutes")
        if self.start >= self.end:
            raise ValueError(f"the window {hm_text(self.start)}-{hm_text(self.end)} ends before it starts")
        object.__setattr__(self, "days", _days(self.days))

    def times_of_day(self) -> list[HM]:
        """The clock times of one day: start, start + N, … up to and including end."""
        first, last = self.start[0] * 60 + self.start[1], self.end[0] * 60 + self.end[1]
        return [divmod(m, 60) for m in range(first, last + 1, self.minutes)]

    def describe(self) -> str:
        return f"every {self.minutes} min {hm_text(self.start)}-{hm_text(self.end)}, {days_text(self.days)}"


SOURCES = ("file", "url", "caldav")  # where a calendar rule's events come from
MAX_URL = 2000


def calendar_source_of(text: str) -> str:
    """'file', or 'url' for an http(s)/webcal address (what a calendar's "secret address" is)."""
    return "url" if re.match(r"(?i)\s*(https?|webcal)://", str(text)) else "file"


def parse_url(text: str) -> str:
    """A calendar address checked for its form (webcal:// becomes https://); ValueError otherwise."""
    url = str(text).strip()
    if re.match(r"(?i)webcal://", url):
        url = "https://" + url[len("webcal://"):]
    match = re.fullmatch(r"(?i)(https?)://([^/\s?#@]+@)?([^/\s?#:@]+)(:\d{1,5})?([/?#]\S*)?", url)
    if not match or len(url) > MAX_URL:
        raise ValueError(f"{url[:60]!r} is not a calendar address (expected https://…)")
    if match[2]:
        raise ValueError("put the user name in the user field, not in the address")
    return url


def _mails(me) -> frozenset[str]:
    found = frozenset(str(m).strip().lower() for m in me if str(m).strip())
    if any(len(m) > 200 or "@" not in m or any(c.isspace() for c in m) for m in found):
        raise ValueError("your addresses must be e-mail addresses like ana@example.org")
    return found


@dataclass(frozen=True)
class AfterEvents:
    """N minutes after each calendar event ends, inside working hours on working days.

    `source` says where the events come from: an .ics file (`path`), a subscription address
    (`path` is the https URL), or a CalDAV account (`path` is the server's or the calendar's
    URL, `user` the login; the password is in the system keyring, never here).
    `path` may be empty: the rule is then incomplete (it never fires until one is set).
    Events marked free are skipped when `skip_free`; those declined by one of `me` (and by
    the calendar's owner where the calendar names them) always are.
    """

    path: str
    after: int = 2
    work_from: HM = WORK_FROM
    work_until: HM = WORK_UNTIL
    days: frozenset[int] = WEEKDAYS
    source: str = "file"
    user: str = ""
    skip_free: bool = True
    me: frozenset[str] = frozenset()
    kind: Literal["calendar"] = field(default="calendar", init=False)

    def __post_init__(self) -> None:
        _int(self.after, 0, MAX_AFTER, "the minutes after the event")
        if self.work_from >= self.work_until:
            raise ValueError("the working hours end before they start")
        if not isinstance(self.path, str) or "\0" in self.path:
            raise ValueError("the calendar path is not valid")
        if self.source not in SOURCES:
            raise ValueError(f"the calendar source must be one of {', '.join(SOURCES)}")
        if self.source != "file" and self.path:
            object.__setattr__(self, "path", parse_url(self.path))
        _text(self.user, "the user name", 200, empty_ok=True)
        if self.source == "caldav" and self.path and not self.user.strip():
            raise ValueError("a CalDAV calendar needs a user name")
        if not isinstance(self.skip_free, bool):
            raise ValueError("skip free must be true or false")
        object.__setattr__(self, "me", _mails(self.me))
        object.__setattr__(self, "days", _days(self.days))

    def in_hours(self, weekday: int, hm: HM) -> bool:
        return weekday in self.days and self.work_from <= hm <= self.work_until

    def where(self) -> str:
        if not self.path:
            return "no calendar yet"
        if self.source == "caldav":
            return f"CalDAV {self.user} at {self.path}"
        return self.path if self.source == "file" else _redacted(self.path)

    def describe(self) -> str:
        return (f"{self.after} min after each event ends ({self.where()}), "
                f"{days_text(self.days)} {hm_text(self.work_from)}-{hm_text(self.work_until)}")


def _redacted(url: str) -> str:
    """A secret address shown without its secret part (Google's and Outlook's carry it in the path)."""
    match = re.match(r"(?i)(https?://[^/]+)(/.*)?", url)
    if not match or not match[2] or len(match[2]) <= 12:
        return url
    return f"{match[1]}/…{match[2][-8:]}"


@dataclass(frozen=True)
class BackAtDesk:
    """When activity resumes after at least `idle_minutes` away from the computer."""

    idle_minutes: int = 15
    kind: Literal["idle"] = field(default="idle", init=False)

    def __post_init__(self) -> None:
        _int(self.idle_minutes, 1, MAX_IDLE, "the minutes away")

    def describe(self) -> str:
        return f"back at the desk after {self.idle_minutes} min away"


Condition = Union[AtTime, Every, AfterEvents, BackAtDesk]
PICKS = ("energy", "light")  # how a suggestion without a type gets one


@dataclass(frozen=True)
class Suggestion:
    """The session a rule suggests. No type and no task: `pick` chooses a type when it fires
    ("energy": demanding in peak hours, light in valleys; "light": the lightest open type)."""

    minutes: int
    task_type: str | None = None
    task_id: str | None = None
    stack: str | None = None
    label: str = ""  # what to call it, e.g. "planning"
    pick: str = "energy"

    def __post_init__(self) -> None:
        _int(self.minutes, MIN_MINUTES, MAX_MINUTES, "the session length in minutes")
        if self.pick not in PICKS:
            raise ValueError(f"pick must be one of {', '.join(PICKS)}")
        _text(self.label, "the label", 40, empty_ok=True)
        for value, what in ((self.task_type, "the task type"), (self.task_id, "the task id"), (self.stack, "the stack")):
            if value is not None:
                _text(value, what, 100)

    def describe(self) -> str:
        what = self.stack and f"stack {self.stack}" or self.label or self.task_type
        if not what:
            what = "the lightest open task type" if self.pick == "light" else "a task type for your energy"
        return f"{self.minutes} min · {what}"


WHEN_BUSY = ("wait", "drop")  # during a focus session: wait for the break, or drop it


def _text(text: Any, what: str, limit: int, empty_ok: bool = False) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{what} must be text")
    if not text.strip() and not empty_ok:
        raise ValueError(f"{what} is empty")
    if len(text) > limit:
        raise ValueError(f"{what} is limited to {limit} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValueError(f"{what} cannot contain control characters")
    return text


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    enabled: bool
    condition: Condition
    suggestion: Suggestion
    when_busy: str = "wait"

    def __post_init__(self) -> None:
        _text(self.name, "the rule name", MAX_NAME)
        if self.name != self.name.strip():
            raise ValueError("the rule name has surrounding spaces")
        if self.when_busy not in WHEN_BUSY:
            raise ValueError("when busy must be wait or drop")

    @property
    def kind(self) -> str:
        return self.condition.kind

    def incomplete(self) -> str | None:
        """Why the rule cannot fire whatever the system, or None."""
        if isinstance(self.condition, AfterEvents) and not self.condition.path:
            return "incomplete: choose an .ics calendar file" if self.condition.source == "file" \
                else "incomplete: give the calendar's address"
        return None


# --- Back at the desk --------------------------------------------------------------------------

class AwayWatch:
    """Fed idle readings (seconds since the last input); says when the user is back.

    Back = the idle time dropped below what it was, after it had reached the threshold.
    A reading of None (the source failed) changes nothing.
    """

    def __init__(self, idle_minutes: int) -> None:
        self.threshold_s = idle_minutes * 60
        self._away = False
        self._last = 0.0

    def observe(self, idle_s: float | None) -> bool:
        if idle_s is None:
            return False
        back = self._away and idle_s < self._last
        if idle_s >= self.threshold_s:
            self._away = True
        if back:
            self._away = idle_s >= self.threshold_s
        self._last = idle_s
        return back


# --- Offers: what a fired rule puts in front of the user ---------------------------------------

@dataclass(frozen=True)
class Offer:
    """A fired rule's suggestion, resolved: the type chosen, the task named if any."""

    rule_id: str
    rule_name: str
    minutes: int
    task_type: str | None = None
    task_id: str | None = None
    task_title: str | None = None
    stack: str | None = None
    label: str = ""

    def text(self) -> str:
        what = (self.stack and f"stack {self.stack}") or self.task_title or self.label or \
            (self.task_type and self.task_type.replace("-", " ")) or "a session"
        return f"{self.rule_name}: {self.minutes} min · {what}"
