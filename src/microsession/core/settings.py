"""User settings: names, defaults and validation. Stored by store.settings."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

MAX_TEXT = 2000


@dataclass(frozen=True)
class Spec:
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()  # for text: the allowed values (empty: any text)
    text_check: Callable[[str], None] | None = None  # for text: raises ValueError

    def check(self, value: Any) -> Any:
        """The value in the right type and range, or ValueError."""
        kind = type(self.default)
        if kind is str:
            if not isinstance(value, str):
                raise ValueError("expected text")
            if len(value) > MAX_TEXT:
                raise ValueError(f"expected at most {MAX_TEXT} characters")
            if self.choices and value not in self.choices:
                raise ValueError("expected one of " + ", ".join(self.choices))
            if self.text_check is not None:
                self.text_check(value)
            return value
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("expected a finite number")
        try:
            value = kind(value)
        except OverflowError:  # an int beyond a float's range
            raise ValueError("expected a smaller number") from None
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ValueError(f"expected a value from {self.lo:g} to {self.hi:g}")
        return value


def check_hours(text: str) -> None:
    """'9-12, 15-17' (whole hours, end excluded) or empty."""
    hour_ranges(text)


def hour_ranges(text: str) -> list[tuple[int, int]]:
    """The (start, end) hour pairs of '9-12, 15-17'; ValueError if malformed."""
    spans = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{1,2})\s*-\s*(\d{1,2})", part)
        if not match or not (0 <= int(match[1]) <= 23 and 1 <= int(match[2]) <= 24 and int(match[1]) < int(match[2])):
            raise ValueError(f"expected hour ranges like 9-12, 15-17, not {part!r}")
        spans.append((int(match[1]), int(match[2])))
    return spans


def check_command(text: str) -> None:
    """A command line split like a shell would (but never run by one), or empty."""
    import shlex  # only when a hook command is set: start-up memory

    try:
        shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot split the command: {exc}") from None


def check_sync_folder(text: str) -> None:
    """A full path (a folder Syncthing, Nextcloud or Dropbox keeps in step), or empty."""
    if text and not (text.startswith("/") or text.startswith("~") or (len(text) > 2 and text[1] == ":")):
        raise ValueError("expected a full path to a folder, like /home/me/Sync/microsession")
    if "\n" in text or "\0" in text:
        raise ValueError("expected a path on one line")


def check_device_name(text: str) -> None:
    if len(text) > 60 or any(ord(c) < 32 for c in text):
        raise ValueError("expected a short name on one line (at most 60 characters)")


def check_ics_file(text: str) -> None:
    """Empty, or a path to an .ics file."""
    if text.strip() and (not text.strip().lower().endswith(".ics") or "\n" in text):
        raise ValueError("expected a file name ending in .ics, e.g. ~/focus.ics")


DEFAULT_CHECKLIST = "Silence the phone\nClose the tabs you don't need\nGather what you need"

SPECS: dict[str, Spec] = {
    "default_minutes": Spec(15, 1, 240),
    "break_minutes": Spec(5, 1, 60),
    "chime": Spec(True),
    "chime_volume": Spec(0.6, 0.0, 1.0),
    "heads_up": Spec(False),
    "ring_on_top": Spec(True),
    "ring_x": Spec(-1, -100000, 100000),
    "ring_y": Spec(-1, -100000, 100000),
    # the rhythm (#4): long break after a cluster, deep work's break, preparation card
    "long_break_minutes": Spec(15, 1, 60),
    "cluster_size": Spec(3, 2, 12),
    "deep_break_minutes": Spec(15, 1, 60),
    "preparation": Spec(False),
    "preparation_min_minutes": Spec(15, 1, 240),
    "preparation_checklist": Spec(DEFAULT_CHECKLIST),
    # energy cycles (#5)
    "peak_hours": Spec("", text_check=check_hours),
    "valley_hours": Spec("", text_check=check_hours),
    # habit loop and weekly review (#6)
    "daily_goal": Spec(3, 1, 50),
    "review_reminder": Spec(True),
    "review_weekday": Spec(6, 0, 6),  # 0 = Monday … 6 = Sunday
    "review_hour": Spec(19, 0, 23),
    "backup_keep": Spec(7, 1, 100),
    # notifications and integration (#7)
    "quiet_hours": Spec(True),  # no chime at night
    "quiet_from": Spec(22, 0, 23),
    "quiet_until": Spec(7, 0, 23),
    "notification_style": Spec("full", choices=("full", "quiet", "none")),
    "start_at_login": Spec(False),
    "hook_session_start": Spec("", text_check=check_command),
    "hook_session_end": Spec("", text_check=check_command),
    "hook_break_end": Spec("", text_check=check_command),
    "hook_timeout_s": Spec(10, 1, 300),
    # one log on several computers (#13): a folder a sync program shares; empty = off
    "sync_folder": Spec("", text_check=check_sync_folder),
    "device_name": Spec("", text_check=check_device_name),  # empty: the host name
    # calendar sources (#13): how often a subscription address or CalDAV account is fetched
    "calendar_refresh_minutes": Spec(15, 5, 24 * 60),
    "sessions_ics_file": Spec("", text_check=check_ics_file),  # empty: none kept
    # do not disturb and time away (#12)
    "dnd_while_focusing": Spec(False),  # hold other apps' notifications during focus
    "away_ask_minutes": Spec(5, 0, 240),  # away longer than this mid-session: ask (0: never)
    "tray_symbolic": Spec(False),  # a monochrome tray icon (panels that want symbolic icons)
}


@dataclass(frozen=True)
class Settings:
    default_minutes: int = SPECS["default_minutes"].default
    break_minutes: int = SPECS["break_minutes"].default
    chime: bool = SPECS["chime"].default
    chime_volume: float = SPECS["chime_volume"].default
    heads_up: bool = SPECS["heads_up"].default  # a quiet notification a minute before the end
    ring_on_top: bool = SPECS["ring_on_top"].default
    ring_x: int = SPECS["ring_x"].default  # -1: not placed yet
    ring_y: int = SPECS["ring_y"].default
    long_break_minutes: int = SPECS["long_break_minutes"].default
    cluster_size: int = SPECS["cluster_size"].default  # focus sessions before a long break
    deep_break_minutes: int = SPECS["deep_break_minutes"].default
    preparation: bool = SPECS["preparation"].default  # the one-minute card before long sessions
    preparation_min_minutes: int = SPECS["preparation_min_minutes"].default
    preparation_checklist: str = SPECS["preparation_checklist"].default  # one item a line
    peak_hours: str = SPECS["peak_hours"].default  # "9-12, 15-17"
    valley_hours: str = SPECS["valley_hours"].default
    daily_goal: int = SPECS["daily_goal"].default
    review_reminder: bool = SPECS["review_reminder"].default
    review_weekday: int = SPECS["review_weekday"].default
    review_hour: int = SPECS["review_hour"].default
    backup_keep: int = SPECS["backup_keep"].default
    quiet_hours: bool = SPECS["quiet_hours"].default
    quiet_from: int = SPECS["quiet_from"].default
    quiet_until: int = SPECS["quiet_until"].default
    notification_style: str = SPECS["notification_style"].default  # full | quiet | none
    start_at_login: bool = SPECS["start_at_login"].default
    hook_session_start: str = SPECS["hook_session_start"].default  # a command line, run without a shell
    hook_session_end: str = SPECS["hook_session_end"].default
    hook_break_end: str = SPECS["hook_break_end"].default
    hook_timeout_s: int = SPECS["hook_timeout_s"].default
    sync_folder: str = SPECS["sync_folder"].default  # not synced itself, nor is any setting
    device_name: str = SPECS["device_name"].default
    calendar_refresh_minutes: int = SPECS["calendar_refresh_minutes"].default
    sessions_ics_file: str = SPECS["sessions_ics_file"].default  # a calendar of the sessions, kept current
    dnd_while_focusing: bool = SPECS["dnd_while_focusing"].default
    away_ask_minutes: int = SPECS["away_ask_minutes"].default
    tray_symbolic: bool = SPECS["tray_symbolic"].default

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> tuple["Settings", list[str]]:
        """Settings from stored values; bad or unknown keys fall back, reported as problems."""
        good: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in values.items():
            spec = SPECS.get(key)
            if spec is None:
                continue  # a key from a newer version: kept in the store, ignored here
            try:
                good[key] = spec.check(value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        return cls(**good), problems


assert {f.name for f in fields(Settings)} == set(SPECS), "Settings and SPECS must agree"


def in_quiet_hours(s: Settings, hour: int) -> bool:
    """Whether a local `hour` (0-23) is in the quiet hours (no chime); they may span midnight."""
    if not s.quiet_hours or s.quiet_from == s.quiet_until:
        return False
    if s.quiet_from < s.quiet_until:
        return s.quiet_from <= hour < s.quiet_until
    return hour >= s.quiet_from or hour < s.quiet_until

