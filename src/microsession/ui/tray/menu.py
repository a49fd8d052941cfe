"""The one menu, shared by the tray icon and (with no tray) the ring window.

Refreshed every time it opens, from the controller's state, so it is never stale; and
refreshed *in place*: every line keeps its QAction from one opening to the next (a line
not wanted now is hidden, not deleted), so a StatusNotifier host sees stable dbusmenu ids
(a click on an id read earlier still works) and only the lines that really changed are
sent again (Qt emits one ItemsPropertiesUpdated per changed line; inserting or deleting
lines costs a LayoutUpdated each).
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
LINES_KEPT = "_ms_lines"  # the menu's attribute holding its InPlace


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


class InPlace:
    """The lines of one QMenu, by key, in one fixed order of keys.

    A fill declares the lines it wants (`line`, `separator`, `submenu`), then `finish` hides
    every other line except those whose key starts with a prefix in `keep` (groups this
    fill did not compute). The keys sort in menu order ("a.status" < "b.status.00" <
    "c.sep"...): a new line goes before the first line whose key sorts after its own.
    """

    def __init__(self, menu: QMenu) -> None:
        self.menu = menu
        self.actions: dict[str, QAction] = {}
        self.slots: dict[str, Callable[[], None]] = {}
        self._wanted: list[str] = []

    def begin(self) -> None:
        self._wanted = []

    def _place(self, key: str, make: Callable[[], QAction]) -> QAction:
        action = self.actions.get(key)
        if action is None:
            action = make()
            action.setProperty("ms_key", key)
            after = next((a for a in self.menu.actions() if (a.property("ms_key") or "") > key), None)
            if after is None:
                self.menu.addAction(action)
            else:
                self.menu.insertAction(after, action)
            self.actions[key] = action
        self._wanted.append(key)
        if not action.isVisible():
            action.setVisible(True)
        return action

    def line(self, key: str, text: str, slot: Callable[[], None] | None = None, enabled: bool = True) -> QAction:
        def make() -> QAction:
            action = QAction(text, self.menu)
            action.triggered.connect(lambda _checked=False, k=key: self._run(k))
            return action

        action = self._place(key, make)
        if action.text() != text:
            action.setText(text)
        enabled = enabled and slot is not None
        if action.isEnabled() != enabled:
            action.setEnabled(enabled)
        self.slots[key] = slot
        return action

    def separator(self, key: str) -> None:
        def make() -> QAction:
            action = QAction(self.menu)
            action.setSeparator(True)
            return action

        self._place(key, make)

    def submenu(self, key: str, sub: QMenu) -> None:
        def make() -> QAction:
            return sub.menuAction()

        self._place(key, make)

    def finish(self, keep: tuple[str, ...] = ()) -> None:
        wanted = set(self._wanted)
        for key, action in self.actions.items():
            if key not in wanted and not key.startswith(keep or ("\0",)) and action.isVisible():
                action.setVisible(False)

    def _run(self, key: str) -> None:
        slot = self.slots.get(key)
        if slot is not None and self.actions[key].isVisible():
            slot()


def lines_of(menu: QMenu) -> InPlace:
    lines = getattr(menu, LINES_KEPT, None)
    if lines is None:
        lines = InPlace(menu)
        setattr(menu, LINES_KEPT, lines)
    return lines


def attach(menu: QMenu, controller: Controller, shell: ShellActions) -> None:
    """Filled when it opens, and its state lines also on each change of state (a host that
    reads the layout without asking first still reads the right lines)."""
    menu.aboutToShow.connect(lambda: fill(menu, controller, shell))
    controller.changed.connect(lambda: fill(menu, controller, shell, first=True))
    fill(menu, controller, shell, first=True)


def fill(menu: QMenu, c: Controller, shell: ShellActions, first: bool = False) -> None:
    """`first`: a fill before anyone looks (start-up, a state change): no lines that read
    the store; the status lines, the suggestion and the submenus stay as they were."""
    m = lines_of(menu)
    m.begin()
    snap = c.snapshot()
    status = snap.title if snap.state in (State.IDLE, State.FINISHED) else f"{snap.title} · {minutes_text(snap.remaining_s)} left"
    if snap.task:
        status += f" · {snap.task}"
    if snap.step_text:
        status += f" ({snap.step_text})"
    m.line("a.status", status, None, False)
    if not first:
        for i, line in enumerate(shell.status_lines()):
            m.line(f"b.status.{i:02}", line, None, False)
    m.separator("c.sep")

    def submenu(key: str, title: str, picks: Callable[[], list[Pick]], empty: str) -> None:
        """A submenu kept from one opening to the next, filled only when it opens itself;
        made when the menu first opens (three more widgets: start-up memory)."""
        sub = menu.findChild(QMenu, title)
        if sub is None and first:
            return
        if sub is None:
            sub = QMenu(title, menu)
            sub.setObjectName(title)
            sub.aboutToShow.connect(lambda: fill_picks(sub, picks(), empty))
        m.submenu(key, sub)

    if not first:
        suggestion = shell.suggestion()
        for i, (text, slot) in enumerate(suggestion):
            m.line(f"d.suggest.{i:02}", text, slot)
        if suggestion:
            m.separator("d.suggest.sep")

    if c.can(Action.START):
        start_with = shell.start or c.start  # presets under 90 min are micro-sessions, from 90 deep work
        for minutes in PRESETS:
            m.line(f"e.start.{minutes:03}", f"Start {minutes} min", lambda mm=minutes: start_with(mm))
        if c.last_minutes not in PRESETS + DEEP_PRESETS:
            m.line("e.start.again", f"Again: {c.last_minutes:g} min", lambda mm=c.last_minutes: start_with(mm))
        m.line("e.start.custom", "Custom…", shell.custom)
        for minutes in DEEP_PRESETS:
            m.line(f"e.start.deep.{minutes:03}", f"Deep work {minutes} min", lambda mm=minutes: start_with(mm))
        submenu("f.sub.1task", "Start on task", shell.on_task, "No open tasks: add them in Tasks…")
        submenu("f.sub.2batch", "Batch", shell.batches, "No open tasks to batch")
        submenu("f.sub.3stack", "Stack", shell.stacks, "No stacks: make one in Stacks…")
        m.separator("g.sep")
    if snap.state is State.PAUSED:
        m.line("h.pause", "Resume", c.resume)
    else:
        m.line("h.pause", "Pause", c.pause, c.can(Action.PAUSE))
    focus_now = snap.state in (State.RUNNING, State.PAUSED)
    m.line("i.interrupted", "Interrupted", c.interrupt, focus_now)
    m.line("j.extend", "+5 min", c.extend, c.can(Action.EXTEND))
    m.line("k.stop", "Stop", c.stop, c.can(Action.STOP) and snap.state is not State.BREAK)
    if c.can(Action.START_BREAK):
        m.line("l.break", f"Start break ({minutes_text(c.next_break_minutes() * 60)})", c.start_break)
    m.line("m.skip", "Skip break", c.skip_break, c.can(Action.SKIP_BREAK))
    if c.in_stack():
        m.line("n.stop_stack", "Stop stack", c.stop_all)
    if shell.log_session is not None:
        m.line("o.log", "Log session…", shell.log_session)
    m.separator("p.sep")
    for i, (text, slot) in enumerate(shell.windows()):
        m.line(f"q.window.{i:02}", text, slot)
    m.line("r.ring", "Hide ring" if shell.ring_shown() else "Show ring", shell.toggle_ring)
    m.line("s.quit", "Quit", shell.quit)
    m.finish(keep=("b.", "d.") if first else ())


def fill_picks(menu: QMenu, picks: list[Pick], empty: str) -> None:
    m = lines_of(menu)
    m.begin()
    for i, (text, slot) in enumerate(picks):
        m.line(f"pick.{i:03}", text, slot)
    if not picks:
        m.line("pick.empty", empty, None, False)
    m.finish()


def visible_actions(menu: QMenu) -> list[QAction]:
    """The lines a user sees now (tests, the fallback window's keyboard)."""
    return [a for a in menu.actions() if a.isVisible()]
