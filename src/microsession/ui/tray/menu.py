"""The one menu, shared by the tray icon and (with no tray) the ring window.

Rebuilt every time it opens, from the controller's state, so it is never stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from microsession.core.format import minutes_text
from microsession.core.session import Action, State
from microsession.ui.session.controller import Controller

PRESETS = (5, 10, 15, 20, 25)
DEEP_PRESETS = (90, 120)


Pick = tuple[str, Callable[[], None]]  # a menu line and what it does


@dataclass
class ShellActions:
    """What the menu can ask of the application shell (not of the engine)."""

    custom: Callable[[], None]
    toggle_ring: Callable[[], None]
    ring_shown: Callable[[], bool]
    log_session: Callable[[], None] | None  # None: no popup waiting
    quit: Callable[[], None]
    # Submenus and windows, each read when the menu opens; empty lists leave them out.
    status_lines: Callable[[], list[str]] = lambda: []  # "Today: 2 / 3", a pending suggestion
    suggestion: Callable[[], list[Pick]] = lambda: []  # actions on a pending suggestion
    on_task: Callable[[], list[Pick]] = lambda: []  # "Start on task ▸"
    batches: Callable[[], list[Pick]] = lambda: []  # "Batch ▸"
    stacks: Callable[[], list[Pick]] = lambda: []  # "Stack ▸"
    windows: Callable[[], list[Pick]] = lambda: []  # "Tasks…", "Stacks…", "Settings…"
    start: Callable[[float], None] | None = None  # the one start path (preparation card, ring); None: the controller


def attach(menu: QMenu, controller: Controller, shell: ShellActions) -> None:
    menu.aboutToShow.connect(lambda: fill(menu, controller, shell))
    fill(menu, controller, shell, first=True)


def fill(menu: QMenu, c: Controller, shell: ShellActions, first: bool = False) -> None:
    """`first`: the fill at start-up, before anyone looks: no lines that read the store."""
    menu.clear()
    snap = c.snapshot()
    status = snap.title if snap.state in (State.IDLE, State.FINISHED) else f"{snap.title} · {minutes_text(snap.remaining_s)} left"
    if snap.task:
        status += f" · {snap.task}"
    if snap.step_text:
        status += f" ({snap.step_text})"
    menu.addAction(status).setEnabled(False)
    for line in ([] if first else shell.status_lines()):
        menu.addAction(line).setEnabled(False)
    menu.addSeparator()

    def add(text: str, slot: Callable[[], None], enabled: bool = True, into: QMenu = menu) -> QAction:
        action = into.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        action.setEnabled(enabled)
        return action

    def submenu(title: str, picks: Callable[[], list[Pick]], empty: str) -> None:
        """A submenu kept from one opening to the next, filled only when it opens itself."""
        sub = menu.findChild(QMenu, title)
        if sub is None:
            sub = QMenu(title, menu)
            sub.setObjectName(title)
            sub.aboutToShow.connect(lambda: fill_picks(sub, picks(), empty))
        menu.addMenu(sub)

    suggestion = [] if first else shell.suggestion()
    for text, slot in suggestion:
        add(text, slot)
    if suggestion:
        menu.addSeparator()

    if c.can(Action.START):
        begin = shell.start or c.start  # presets under 90 min are micro-sessions, from 90 deep work
        for minutes in PRESETS:
            add(f"Start {minutes} min", lambda m=minutes: begin(m))
        if c.last_minutes not in PRESETS + DEEP_PRESETS:
            add(f"Again: {c.last_minutes:g} min", lambda m=c.last_minutes: begin(m))
        add("Custom…", shell.custom)
        for minutes in DEEP_PRESETS:
            add(f"Deep work {minutes} min", lambda m=minutes: begin(m))
        if not first:  # three more widgets: made when the menu first opens (start-up memory)
            submenu("Start on task", shell.on_task, "No open tasks: add them in Tasks…")
            submenu("Batch", shell.batches, "No open tasks to batch")
            submenu("Stack", shell.stacks, "No stacks: make one in Stacks…")
        menu.addSeparator()
    if snap.state is State.PAUSED:
        add("Resume", c.resume)
    else:
        add("Pause", c.pause, c.can(Action.PAUSE))
    focus_now = snap.state in (State.RUNNING, State.PAUSED)
    add("Interrupted", c.interrupt, focus_now)
    add("+5 min", c.extend, c.can(Action.EXTEND))
    add("Stop", c.stop, c.can(Action.STOP) and snap.state is not State.BREAK)
    if c.can(Action.START_BREAK):
        add(f"Start break ({minutes_text(c.next_break_minutes() * 60)})", c.start_break)
    add("Skip break", c.skip_break, c.can(Action.SKIP_BREAK))
    if c.in_stack():
        add("Stop stack", c.stop_all)
    if shell.log_session is not None:
        add("Log session…", shell.log_session)
    menu.addSeparator()
    for text, slot in shell.windows():
        add(text, slot)
    add("Hide ring" if shell.ring_shown() else "Show ring", shell.toggle_ring)
    add("Quit", shell.quit)


def fill_picks(menu: QMenu, picks: list[Pick], empty: str) -> None:
    menu.clear()
    for text, slot in picks:
        menu.addAction(text).triggered.connect(lambda _checked=False, slot=slot: slot())
    if not picks:
        menu.addAction(empty).setEnabled(False)
