"""The lines of the tray menu's submenus ("Start on task ▸", "Batch ▸", "Stack ▸") and windows.

Read from the store each time a submenu opens, so they are never stale; a read that fails
leaves the submenu empty rather than breaking the menu.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from microsession.core.format import clip, minutes_text
from microsession.ui.tray.menu import Pick

if TYPE_CHECKING:
    from microsession.ui.shell_api import ShellApi


def tasks(shell: ShellApi) -> list[Pick]:
    try:
        found = shell.starts.recent_tasks()
    except sqlite3.Error:
        return []
    return [(f"{clip(t.title)} · {t.minutes} min", lambda i=t.id: shell.try_start(shell.start_task, i))
            for t in found]


def batches(shell: ShellApi) -> list[Pick]:
    try:
        types = shell.starts.batch_types()
    except sqlite3.Error:
        return []
    return [(f"{label} · {n} task{'s' if n > 1 else ''}", lambda t=slug: shell.try_start(shell.start_batch, t))
            for slug, label, n in types]


def stacks(shell: ShellApi) -> list[Pick]:
    try:
        found = shell.starts.stacks()
    except sqlite3.Error:
        return []
    return [(f"{st.name} · {minutes_text(st.total_minutes * 60)}", lambda n=st.name: shell.try_start(shell.start_stack, n))
            for st in found]
