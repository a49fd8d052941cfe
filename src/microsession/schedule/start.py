"""Whether the trigger service is needed, decided without importing it (start-up cost).

The app calls `start_if_needed` once the tray icon is up, and again when the trigger editor
says rules changed while no service runs. APScheduler, tzlocal and icalendar are imported
only when at least one rule is enabled.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microsession.core.clock import Clock
    from microsession.schedule.service import TriggerService


def start_if_needed(conn: sqlite3.Connection | None, clock: "Clock", is_focus_running: Callable[[], bool],
                    **kwargs: Any) -> "TriggerService | None":
    """The running TriggerService (jobs built) when a rule is enabled, else None."""
    from microsession.store.triggers_on import any_enabled

    if conn is None or not any_enabled(conn):
        return None
    from microsession.schedule.service import TriggerService

    service = TriggerService(conn, clock, is_focus_running, **kwargs)
    service.rebuild()
    return service


def refresh(service: "TriggerService | None", conn: sqlite3.Connection | None, clock: "Clock",
            is_focus_running: Callable[[], bool], **kwargs: Any) -> "TriggerService | None":
    """After the editor's rules_changed: rebuild the running service's jobs, or start one now
    that a rule is enabled. Returns the service to keep (None while no rule was ever enabled)."""
    if service is not None:
        service.rebuild()
        return service
    return start_if_needed(conn, clock, is_focus_running, **kwargs)
