"""The one menu, shared by the tray icon and (with no tray) the ring window.

Rebuilt every time it opens, from the controller's state, so it is never stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from microsession.core.events import Kind
from microsession.core.format import minutes_text
from microsession.core.session import Action, State
from microsession.ui.controller import Controller

PRESETS = (5, 10, 15, 20, 25)
DEEP_PRESETS = (90, 120)


@dataclass
class ShellActions:
    """What the menu can ask of the application shell (not of the engine)."""

    custom: Callable[[], None]
    toggle_ring: Callable[[], None]
    ring_shown: Callable[[], bool]
    log_session: Callable[[], None] | None  # None: no popup waiting
    quit: Callable[[], None]


def attach(menu: QMenu, controller: Controller, shell: ShellActions) -> None:
    menu.aboutToShow.connect(lambda: fill(menu, controller, shell))
    fill(menu, controller, shell)


def fill(menu: QMenu, c: Controller, shell: ShellActions) -> None:
    menu.clear()
    snap = c.snapshot()
    status = snap.title if snap.state in (State.IDLE, State.FINISHED) else f"{snap.title} · {minutes_text(snap.remaining_s)} left"
    menu.addAction(status).setEnabled(False)
    menu.addSeparator()

    def add(text: str, slot: Callable[[], None], enabled: bool = True) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        action.setEnabled(enabled)
        return action

    if c.can(Action.START):
        for minutes in PRESETS:
            add(f"Start {minutes} min", lambda m=minutes: c.start(m, Kind.MICRO))
        if c.last_minutes not in PRESETS + DEEP_PRESETS:
            add(f"Again: {c.last_minutes:g} min", lambda: c.start(c.last_minutes))
        add("Custom…", shell.custom)
        for minutes in DEEP_PRESETS:
            add(f"Deep work {minutes} min", lambda m=minutes: c.start(m, Kind.DEEP))
        menu.addSeparator()
    if snap.state is State.PAUSED:
        add("Resume", c.resume)
    else:
        add("Pause", c.pause, c.can(Action.PAUSE))
    add("+5 min", c.extend, c.can(Action.EXTEND))
    add("Stop", c.stop, c.can(Action.STOP) and snap.state is not State.BREAK)
    if c.can(Action.START_BREAK):
        add("Start break", c.start_break)
    add("Skip break", c.skip_break, c.can(Action.SKIP_BREAK))
    if shell.log_session is not None:
        add("Log session…", shell.log_session)
    menu.addSeparator()
    add("Hide ring" if shell.ring_shown() else "Show ring", shell.toggle_ring)
    add("Quit", shell.quit)
