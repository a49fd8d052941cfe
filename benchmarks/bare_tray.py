"""The floor: the smallest honest PySide6 program that shows one tray icon.

Benchmarks compare Micro-Session against this program (start-up time to a visible tray
icon, memory, idle CPU). It shows one icon painted at run time (no SVG, no resources) and
does nothing else: clicking it does nothing (it is only traced), SIGTERM or SIGINT quits it
cleanly, and at idle it has no timers and wakes up for nothing.

When MICROSESSION_TRACE=<path> is set it appends the same JSON-lines records as the app
(``{"t": wall epoch, "mono": time.monotonic(), "event": name, ...}``):

* ``tray_visible`` with ``x, y, w, h`` = ``QSystemTrayIcon.geometry()`` in screen
  coordinates once the tray host has embedded the icon and its geometry has settled, and
  ``since_mono``, the ``time.monotonic()`` at which that final geometry was first seen
  (the record's own ``mono`` is ~100 ms later: see ``TrayEmbedWatcher``);
* ``tray_activated`` with ``reason`` (the ``QSystemTrayIcon.ActivationReason`` value) when
  the icon is clicked, so a test can tell that a click reached it;
* ``tray_embed_timeout`` if the icon was not embedded within 5 s.

Only QtCore, QtGui and QtWidgets are imported.
"""

from __future__ import annotations

import sys

# Imported names are kept to the minimum on purpose: PySide6 creates each class lazily on
# first access, and some are expensive (measured, PySide6 6.12: the ``Qt`` namespace
# ~24 ms, QEvent ~2.5 ms, QPainter ~1.3 ms). QEvent is imported only when tracing.
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from microsession.trace import enabled as tracing, trace
from microsession.ui.signals import quit_on_signals
from microsession.ui.tray.embed import TrayEmbedWatcher

def make_icon() -> QIcon:
    """A plain icon painted at run time: a 32x32 pixmap filled with one colour."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(0xD9, 0x53, 0x4F))
    return QIcon(pixmap)


def main() -> int:
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # a tray program has no windows to close
    _notifier = quit_on_signals(app)

    if not QSystemTrayIcon.isSystemTrayAvailable():
        # Qt still docks the icon if a tray host appears later; say so for the log.
        print("bare_tray: no system tray available yet", file=sys.stderr, flush=True)

    tray = QSystemTrayIcon(make_icon())
    tray.setToolTip("bare tray")
    # Clicking does nothing; the trace lets a test see that the click arrived.
    tray.activated.connect(lambda reason: trace("tray_activated", reason=int(reason.value)))
    tray.show()

    def embedded(g, since_mono: float) -> None:
        trace("tray_visible", x=g.x(), y=g.y(), w=g.width(), h=g.height(),
              since_mono=since_mono)

    def timed_out(g) -> None:
        print(f"bare_tray: tray icon not embedded within 5 s (geometry: {g})",
              file=sys.stderr, flush=True)
        trace("tray_embed_timeout")

    # Only when tracing: without a trace the floor runs nothing but the icon.
    _watcher = TrayEmbedWatcher(tray, embedded, timed_out) if tracing() else None
    code = app.exec()
    tray.hide()  # leave the tray host's panel clean
    return code


if __name__ == "__main__":
    sys.exit(main())
