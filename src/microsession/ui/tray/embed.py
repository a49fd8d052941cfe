"""Knowing when the tray host has really embedded our icon, and where it is.

Used when tracing (end-to-end tests click the icon's centre; benchmarks time start-up to a
visible icon). Right after show() the geometry is the unembedded window's (0,0 22x22), and
while the tray host lays out its panel it passes through transient places; the rule that
held in every run: the window is exposed, the rectangle lies on a screen, and it has not
changed for 100 ms.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon

from microsession.trace import enabled as tracing, trace


def xembed_window():
    """Qt's X11 tray window for our icon (None: no XEmbed icon, e.g. a StatusNotifierItem)."""
    return next((w for w in QGuiApplication.allWindows()
                 if w.objectName() == TrayEmbedWatcher.TRAY_WINDOW_NAME), None)


class TrayEmbedWatcher(QObject):
    """Calls ``on_embedded(rect, since_mono)`` once the tray host has embedded ``tray`` and
    its on-screen geometry has settled.

    Why this is not just "poll ``geometry()`` until it is not empty" (measured on Xvfb +
    trayer, PySide6 6.12, xcb):

    * ``QSystemTrayIcon.geometry()`` is never empty here: right after ``show()`` it is
      ``QRect(0, 0, 22, 22)``, the un-embedded window's own geometry. It becomes the real
      rectangle (``1257,1 22x30`` in trayer) once the tray host has reparented the icon's
      window and Qt has mapped it (Qt maps it on XEMBED_EMBEDDED_NOTIFY). Qt's X11 tray
      window is a QWindow named ``"QSystemTrayIconSysWindow"``, and it becomes *exposed*
      exactly then.
    * In ~1 run in 15 the first exposed geometry is a transient of trayer's layout, e.g.
      ``1277,-1 22x22`` (mostly off screen), ``1279,1 22x22``, or ``1257,1 22x22`` before
      trayer resizes the icon to the panel's height; the final geometry follows within a few
      ms, sometimes with no event on our window at all (trayer moves its panel, and the
      icon's global position changes with it). ``geometry()`` is live (an X round trip), so
      polling it sees that.

    So a geometry counts when the tray window is exposed, the rectangle is not empty and
    lies entirely on one screen, and it has stayed the same for ``settle_ms``.
    ``since_mono`` is the ``time.monotonic()`` at which that geometry was first seen: the
    honest "icon visible" moment for benchmarks (the callback itself runs ``settle_ms``
    later). Checks run every ``interval_ms`` and right after each Expose/Move/Resize of the
    tray window (so ``since_mono`` is usually exact to the event). Without that window
    (e.g. a StatusNotifierItem tray) the exposure test is skipped. After ``timeout_ms``
    it gives up and calls ``on_timeout(last_rect_or_None)``. Nothing runs afterwards.
    """

    TRAY_WINDOW_NAME = "QSystemTrayIconSysWindow"

    def __init__(self, tray: QSystemTrayIcon, on_embedded, on_timeout=None,
                 timeout_ms: int = 5000, interval_ms: int = 20, settle_ms: int = 100) -> None:
        super().__init__(tray)
        from PySide6.QtCore import QEvent  # here: only tracing pays for it

        self._watched_events = (QEvent.Type.Expose, QEvent.Type.Move, QEvent.Type.Resize)
        self._tray = tray
        self._on_embedded = on_embedded
        self._on_timeout = on_timeout
        self._settle = settle_ms / 1000
        self._deadline = time.monotonic() + timeout_ms / 1000
        self._done = False
        self._candidate = None  # (x, y, w, h) last seen that qualifies
        self._since = 0.0       # when _candidate was first seen
        # On xcb the tray window exists as soon as tray.show() has returned.
        self._window = xembed_window()
        if self._window is not None:
            self._window.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._check)
        self._timer.start()
        self._check()

    def eventFilter(self, obj: QObject, event) -> bool:
        if event.type() in self._watched_events:
            # Look once Qt has handled the event (and painted, for an Expose).
            QTimer.singleShot(0, self._check)
        return False

    def _qualifying_rect(self):
        if self._window is not None and not self._window.isExposed():
            return None
        g = self._tray.geometry()
        if g.isEmpty():
            return None
        if not any(s.geometry().contains(g) for s in QGuiApplication.screens()):
            return None  # a transient of the tray host's layout
        return (g.x(), g.y(), g.width(), g.height())

    def _check(self) -> None:
        if self._done:
            return
        now = time.monotonic()
        rect = self._qualifying_rect()
        if rect != self._candidate:
            self._candidate, self._since = rect, now
        if rect is not None and now - self._since >= self._settle:
            self._finish()
            self._on_embedded(self._tray.geometry(), self._since)
        elif now >= self._deadline:
            self._finish()
            if self._on_timeout is not None:
                self._on_timeout(self._tray.geometry() if rect is not None else None)

    def _finish(self) -> None:
        self._done = True
        self._timer.stop()
        if self._window is not None:
            self._window.removeEventFilter(self)


def when_shown(tray: QSystemTrayIcon, callback, fallback_ms: int = 500, poll_ms: int = 5) -> None:
    """Call `callback` once, as soon as the tray host has shown the icon (its window is
    exposed), or after `fallback_ms` if that does not happen (no tray host, another kind of
    tray). Start-up work that can wait is done then, so the icon appears first.

    Exposure is polled every `poll_ms` rather than seen in an event filter: an event reaching
    Python builds QEvent's enum of ~180 types (~0.2 MB that the idle app would keep)."""
    window = xembed_window()
    if window is None or window.isExposed():
        QTimer.singleShot(0, callback)
        return
    deadline = time.monotonic() + fallback_ms / 1000
    poll = QTimer(tray)
    poll.setInterval(poll_ms)

    def check() -> None:
        if window.isExposed() or time.monotonic() >= deadline:
            poll.stop()
            poll.deleteLater()
            QTimer.singleShot(0, callback)  # after Qt has painted the icon

    poll.timeout.connect(check)
    poll.start()


def trace_when_embedded(icon: QSystemTrayIcon) -> None:
    """Tests and benchmarks: trace `tray_visible` with the icon's place once it has settled."""
    if not tracing():
        return
    if xembed_window() is None:
        trace("tray_shown", kind="sni")  # a StatusNotifierItem: the host draws it; no geometry here
        return
    if tracing():
        icon._watcher = TrayEmbedWatcher(icon, lambda g, since: trace(  # kept alive by the icon
            "tray_visible", x=g.x(), y=g.y(), w=g.width(), h=g.height(), since_mono=since))
