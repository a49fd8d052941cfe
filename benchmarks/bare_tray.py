"""The floor: the simplest PySide6 tray program there is — what any tray icon costs.

A QApplication, one icon painted at run time (no files), a context menu with "Quit", a left
click that shows the simplest ring (a small frameless window painting one circle; its class
made at that first click), and the event loop. Nothing else: no signal handling (SIGTERM ends
it the default way), no timers, nothing of ours imported. Benchmarks compare Micro-Session
against it (start-up to a visible icon, memory, the first menu opening, the first session,
idle CPU).

Only when MICROSESSION_TRACE=<path> is set does it load a probe (``microsession.trace`` and
``ui.tray.embed``, the same ones the app loads when traced), after the icon is shown, and
append the app's JSON-lines records:

* ``tray_visible`` with ``x, y, w, h`` = ``QSystemTrayIcon.geometry()`` once the tray host has
  embedded the icon and its geometry has settled, and ``since_mono``, the ``time.monotonic()``
  at which that final geometry was first seen (see ``TrayEmbedWatcher``);
* ``tray_activated`` with ``reason`` (the ``QSystemTrayIcon.ActivationReason`` value) on a
  click, so a test can tell that a click reached it;
* ``ring_shown`` when the ring window is shown (its show event, where the app records its own);
* ``tray_embed_timeout`` if the icon was not embedded within 5 s.

Traced, it also quits cleanly (exit 0) on SIGTERM/SIGINT, as the smoke test expects. Memory
figures are read from untraced runs of both programs (benchmarks/desktop_figures.py), so the
probe is never part of the floor's memory.
"""

import os
import sys

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(32, 32)
pixmap.fill(QColor(0xD9, 0x53, 0x4F))
tray = QSystemTrayIcon(QIcon(pixmap))
menu = QMenu()
menu.addAction("Quit", app.quit)
tray.setContextMenu(menu)
shown = []  # what to call when the ring is shown (the probe's trace, when traced)
ring = None


def clicked(reason) -> None:
    """A left click shows the ring, as the app's first click starts a sprint and shows its own."""
    global ring
    if ring is not None or reason != QSystemTrayIcon.ActivationReason.Trigger:
        return
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPainter, QPen
    from PySide6.QtWidgets import QWidget

    class Ring(QWidget):
        def showEvent(self, event) -> None:  # noqa: N802
            for call in shown:
                call()

        def paintEvent(self, event) -> None:  # noqa: N802
            p = QPainter(self)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(0xD9, 0x53, 0x4F), 8))
            p.drawEllipse(16, 16, 128, 128)
            p.end()

    ring = Ring()
    ring.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.Tool)
    ring.resize(160, 160)
    ring.show()


tray.activated.connect(clicked)
tray.show()

if os.environ.get("MICROSESSION_TRACE"):
    from microsession.trace import trace
    from microsession.ui.signals import quit_on_signals
    from microsession.ui.tray.embed import TrayEmbedWatcher

    notifier = quit_on_signals(app)
    shown.append(lambda: trace("ring_shown"))
    tray.activated.connect(lambda reason: trace("tray_activated", reason=int(reason.value)))

    def timed_out(g) -> None:
        print(f"bare_tray: tray icon not embedded within 5 s (geometry: {g})", file=sys.stderr, flush=True)
        trace("tray_embed_timeout")

    watcher = TrayEmbedWatcher(tray, lambda g, since: trace(
        "tray_visible", x=g.x(), y=g.y(), w=g.width(), h=g.height(), since_mono=since), timed_out)

code = app.exec()
tray.hide()  # leave the tray host's panel clean
sys.exit(code)
