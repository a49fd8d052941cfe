"""Noticing a tray that comes up after the app (a panel that starts later at login).

While the app runs without a tray (its ring is then the main window), `TrayWatch` emits
`appeared` once a tray can take the icon: at once when a StatusNotifierWatcher takes its
name on the session bus (KDE, GNOME's AppIndicator extension, waybar; a QDBusServiceWatcher,
no polling), and on X11 also when an XEmbed tray host appears (no signal for that reaches
Python: a check every 2 s for the first 3 minutes, then every 60 s). Nothing runs once the
tray has come, nor when a tray was there from the start.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon

SNI_WATCHER = "org.kde.StatusNotifierWatcher"
FAST_MS, FAST_FOR_S, SLOW_MS = 2000, 180, 60000


class TrayWatch(QObject):
    appeared = Signal()

    def __init__(self, parent: QObject | None = None, fast_ms: int = FAST_MS, slow_ms: int = SLOW_MS) -> None:
        super().__init__(parent)
        from PySide6.QtDBus import QDBusConnection, QDBusServiceWatcher  # only without a tray

        self._done = False
        self._since = time.monotonic()
        self._fast_ms, self._slow_ms = fast_ms, slow_ms
        self._service = QDBusServiceWatcher(SNI_WATCHER, QDBusConnection.sessionBus(),
                                            QDBusServiceWatcher.WatchModeFlag.WatchForRegistration, self)
        # The watcher may take its name a moment before it has a host: look again shortly after.
        self._service.serviceRegistered.connect(lambda _name: [QTimer.singleShot(ms, self.check) for ms in (0, 500, 2000)])
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        if QGuiApplication.platformName() == "xcb":
            self._timer.start(fast_ms)

    def check(self) -> bool:
        if self._done:
            return True
        if not QSystemTrayIcon.isSystemTrayAvailable():
            if self._timer.isActive() and time.monotonic() - self._since > FAST_FOR_S:
                self._timer.setInterval(self._slow_ms)
            return False
        self._done = True
        self._timer.stop()
        self._service.setWatchedServices([])
        self.appeared.emit()
        return True
