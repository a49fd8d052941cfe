"""Energy cycles (F10): which task type a suggestion picks at an hour, and peak hours from data.

Demanding types go into peak hours, light ones into valleys (core.tasks.DEMANDING_TYPES,
LIGHT_TYPES); outside both, a suggestion stays "a session" of no type. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from microsession.core.figures.metrics import Mean, peak_hours
from microsession.core.settings import hour_ranges
from microsession.core.tasks import DEMANDING_TYPES, LIGHT_TYPES, Task
from microsession.core.triggers import Offer, Suggestion

MIN_RATED_DAYS = 14  # days with energy ratings before the data's peak hours are offered


def in_ranges(hour: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= hour < b for a, b in spans)


def phase(hour: int, peak: str, valley: str) -> str | None:
    """'peak', 'valley' or None for a local hour, from the settings' texts ('9-12, 15-17').

    A malformed setting counts as empty. Peak wins where both overlap.
    """
    for name, text in (("peak", peak), ("valley", valley)):
        try:
            if in_ranges(hour, hour_ranges(text)):
                return name
        except ValueError:
            continue
    return None


def _oldest_of(tasks: Iterable[Task], types: frozenset[str]) -> Task | None:
    fitting = [t for t in tasks if t.is_open and t.task_type in types]
    return min(fitting, key=lambda t: (t.created_utc, t.id), default=None)


def lightest(tasks: Iterable[Task]) -> Task | None:
    """The first task of the lightest open light type: the light type whose shortest open
    task is shortest (fewer open tasks, then the type's name, break ties); oldest of its tasks."""
    by_type: dict[str, list[Task]] = {}
    for t in tasks:
        if t.is_open and t.task_type in LIGHT_TYPES:
            by_type.setdefault(t.task_type, []).append(t)
    if not by_type:
        return None
    slug = min(by_type, key=lambda s: (min(t.minutes for t in by_type[s]), len(by_type[s]), s))
    return min(by_type[slug], key=lambda t: (t.created_utc, t.id))


def choose_task(suggestion: Suggestion, hour: int, peak: str, valley: str, tasks: Iterable[Task]) -> Task | None:
    """The open task whose type a suggestion with no type nor task takes at a local hour."""
    if suggestion.pick == "light":
        return lightest(tasks)
    where = phase(hour, peak, valley)
    if where == "peak":
        return _oldest_of(tasks, DEMANDING_TYPES)
    if where == "valley":
        return _oldest_of(tasks, LIGHT_TYPES)
    return None


def resolve(offer: Offer, suggestion: Suggestion, hour: int, peak: str, valley: str,
            tasks: Iterable[Task]) -> Offer:
    """The offer with a task type chosen by energy when the rule named no type, task or stack."""
    if suggestion.task_type or suggestion.task_id or suggestion.stack:
        return offer
    task = choose_task(suggestion, hour, peak, valley, tasks)
    return offer if task is None else replace(offer, task_type=task.task_type)


def data_peak_hours(by_hour: Mapping[int, Mean], rated_days: int) -> list[int]:
    """The peak hours the ratings show, once MIN_RATED_DAYS days of ratings exist; else []."""
    if rated_days < MIN_RATED_DAYS:
        return []
    return peak_hours(dict(by_hour))


def hours_setting(hours: Sequence[int]) -> str:
    """[9, 10, 15] -> '9-11, 15-16': the peak_hours setting's own format."""
    spans: list[list[int]] = []
    for h in sorted(set(hours)):
        if spans and spans[-1][1] == h:
            spans[-1][1] = h + 1
        else:
            spans.append([h, h + 1])
    return ", ".join(f"{a}-{b}" for a, b in spans)
