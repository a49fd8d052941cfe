"""A real Shell on a fresh SQLite file with an injected clock, for tests; and its teardown."""

from __future__ import annotations

from pathlib import Path

from microsession.core.clock import FakeClock
from microsession.core.settings import Settings
from microsession.core.session import Engine
from microsession.journal import Journal
from microsession.store import db
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


def build_shell(qapp, folder: Path, **settings) -> Shell:
    conn = db.connect(folder / "m.sqlite3")
    clock = FakeClock()
    shell = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, Settings(**settings)), conn)
    shell.hooks.folder = folder
    return shell


def close_shell(shell: Shell) -> None:
    """Hide its windows, put do-not-disturb back, stop listening, close the file."""
    if shell._popup is not None:
        shell._popup.hide()
    if shell._ring is not None:
        shell._ring.hide()
    if shell._dnd is not None:
        shell._dnd.want(False)
    if shell._away is not None:
        shell._away.signals.close()
    for notifier in (shell._notifier, shell._notices):
        if notifier is not None:
            notifier.shutdown()
    shell.conn.close()
