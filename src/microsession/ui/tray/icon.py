"""The tray icon: left-click starts the default sprint, the icon shows what is left."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from microsession.core.format import minutes_text
from microsession.core.session import State
from microsession.ui.tray.embed import trace_when_embedded, xembed_window
from microsession.ui.tray import icon_picture as icons
from microsession.ui.session.controller import Controller


class Tray(QObject):
    def __init__(self, controller: Controller, menu: QMenu, on_click: Callable[[], None],
                 dark: bool, icon: QSystemTrayIcon | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller, self._on_click, self._dark = controller, on_click, dark
        self._symbolic = controller.settings.tray_symbolic
        self.icon = icon or QSystemTrayIcon(self)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        self._key: tuple | None = None
        self._tip = ""
        self.note = ""  # a calm line for the tooltip while no session runs ("Session 3 of 3 done today")
        self.redraws = 0  # how often the picture was redrawn (tests, benchmarks)
        controller.refreshed.connect(self.refresh)
        controller.changed.connect(self.refresh)
        self.refresh()

    def show(self) -> None:
        if not self.icon.isVisible():
            self.icon.show()
            trace_when_embedded(self.icon)

    def set_look(self, dark: bool, symbolic: bool) -> None:
        """The panel's scheme changed (dark / light), or the symbolic setting did."""
        if (dark, symbolic) != (self._dark, self._symbolic):
            self._dark, self._symbolic, self._key = dark, symbolic, None
            self.refresh()

    def refresh(self) -> None:
        """Redraw the icon only when its picture changes; the tooltip only when its text does."""
        snap = self.controller.snapshot()
        running = snap.state in (State.RUNNING, State.PAUSED, State.BREAK)
        fraction = snap.fraction_left if running else None
        key = icons.icon_key(fraction, snap.phase)
        if key != self._key:
            self._key = key
            self.redraws += 1
            self.icon.setIcon(icons.tray_icon(fraction, snap.phase, dark=self._dark, symbolic=self._symbolic))
        tip = "Micro-Session — " + (f"{snap.title} · {minutes_text(snap.remaining_s)} left" if running else snap.title)
        if not running and self.note:
            tip += f" · {self.note}"
        if tip != self._tip:
            self._tip = tip
            self.icon.setToolTip(tip)

    def geometry(self):
        return self.icon.geometry()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A second click within the double-click interval arrives as DoubleClick: it is a
        # click too (start, then hide the ring), not something to ignore.
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._on_click()
        elif reason == QSystemTrayIcon.ActivationReason.Context and xembed_window() is None:
            # A StatusNotifier host that asks the item for its menu (ContextMenu) instead of
            # reading the dbusmenu; Qt shows the menu itself only for an XEmbed icon.
            from PySide6.QtGui import QCursor

            menu = self.icon.contextMenu()
            menu.popup(QCursor.pos())

