"""The face the shell shows to the parts it builds (menu picks, windows, the trigger glue).

Those parts are built by the shell and call back into it; they know it by this protocol only,
so the imports point one way (shell -> part -> shell_api) and no part imports the shell.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Protocol


class ShellApi(Protocol):
    conn: sqlite3.Connection | None
    c: Any  # the Controller
    starts: Any  # the session_starts.Starts: every start goes through it
    hooks: Any  # the SessionHooks
    triggers: Any  # the TriggerGlue

    def start_minutes(self, minutes: float) -> None: ...
    def start_task(self, task_id: str) -> None: ...
    def start_batch(self, task_type: str, minutes: float | None = None) -> None: ...
    def start_stack(self, name: str) -> None: ...
    def try_start(self, start: Callable[[Any], None], arg: Any) -> None: ...
    def apply_settings(self, settings: Any) -> None: ...
    def tell(self, message: str) -> None: ...
    def offer(self, *note: Any) -> None: ...
