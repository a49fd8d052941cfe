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
                 panel_dark: Callable[[], bool], icon: QSystemTrayIcon | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller, self._on_click = controller, on_click
        # The panel's scheme is asked when a picture is first drawn: the idle icon is the
        # app's own, the same on any panel (and asking costs the idle app ~1.3 MB: ui/scheme.py).
        self._panel_dark, self._dark = panel_dark, None
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

    def set_look(self, dark: bool | None = None, symbolic: bool | None = None) -> None:
        """The panel's scheme changed (dark / light), or the symbolic setting did (None: as it is)."""
        dark = self._dark if dark is None else dark
        symbolic = self._symbolic if symbolic is None else symbolic
        if (dark, symbolic) != (self._dark, self._symbolic):
            self._dark, self._symbolic, self._key = dark, symbolic, None
            self.refresh()

    def _is_dark(self) -> bool:
        if self._dark is None:
            self._dark = self._panel_dark()
        return self._dark

    def refresh(self) -> None:
        """Redraw the icon only when its picture changes; the tooltip only when its text does."""
        snap = self.controller.snapshot()
        running = snap.state in (State.RUNNING, State.PAUSED, State.BREAK)
        fraction = snap.fraction_left if running else None
        key = icons.icon_key(fraction, snap.phase)
        if key != self._key:
            self._key = key
            self.redraws += 1
            inked = fraction is not None or self._symbolic  # else the app's own picture
            self.icon.setIcon(icons.tray_icon(fraction, snap.phase, dark=self._is_dark() if inked else True,
                                              symbolic=self._symbolic))
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

