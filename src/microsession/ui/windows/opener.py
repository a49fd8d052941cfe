"""The app's occasional windows, each built the first time it is opened (start-up stays small).

`build(name, shell)` makes one and connects what it asks for to the shell's starts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from microsession.ui.shell_api import ShellApi


def build(name: str, shell: ShellApi) -> QWidget:
    conn = shell.conn
    now = shell.c.clock.now_utc if shell.c.clock is not None else (lambda: datetime.now(timezone.utc))
    if name == "tasks":
        from microsession.ui.windows.tasks_window import TasksWindow

        window = TasksWindow(conn, now)
        window.start_task_requested.connect(lambda task_id: shell.try_start(shell.start_task, task_id))
        window.start_batch_requested.connect(lambda task_type: shell.try_start(shell.start_batch, task_type))
        return window
    if name == "projects":
        from microsession.ui.windows.project_view import ProjectView

        window = ProjectView(conn, now)
        window.start_task_requested.connect(lambda task_id: shell.try_start(shell.start_task, task_id))
        return window
    if name == "stacks":
        from microsession.ui.windows.stack_editor import StackEditor

        window = StackEditor(conn)
        window.start_stack_requested.connect(lambda stack: shell.try_start(shell.start_stack, stack))
        return window
    if name == "settings":
        from microsession.ui.windows.settings_dialog import SettingsDialog

        window = SettingsDialog(conn, shell.c.settings, hook_runner=shell.hooks.runner())
        window.settings_changed.connect(shell.apply_settings)
        return window
    if name == "triggers":
        return shell.triggers.window()
    if name == "review":
        from microsession.ui.windows.review import ReviewWindow

        return ReviewWindow(conn, now)
    raise ValueError(f"no window {name!r}")
