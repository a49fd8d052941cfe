"""Start-up: the tray icon first, everything else once it is on screen.

Only Qt and the icon's PNGs are loaded before the icon shows; the store, the engine and
the widgets are built by compose.build() right after (work that can wait, waits), and
memory freed by that start-up is handed back to the system.
"""

from __future__ import annotations

import sys

from microsession import memory
from microsession.trace import trace


def run(data_dir_arg: str | None = None) -> int:
    trace("process_start")
    import os

    # Qt splits raster fills over a pool of threads; for a 180-px ring that only adds
    # wake-ups (measured: ~650 -> 63 per 20 s with the ring shown, ~15 % less CPU).
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    # On X11 Qt hands each repaint to the server in shared memory (MIT-SHM) and asks for a
    # completion event back, which wakes Qt's X reader thread and then the main thread once
    # more: with the ring shown, ~210 wake-ups a minute instead of ~75, and ~13 % more CPU
    # (measured under Xvfb, 20-s windows like benchmarks/desktop_figures.session_cpu). For
    # windows this small a copy over the socket costs less than those wake-ups.
    os.environ.setdefault("QT_XCB_NO_MITSHM", "1")
    from PySide6.QtGui import QIcon, QPixmapCache
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    memory.skip_source_scans()  # before any module of ours that Qt is not needed for

    from microsession.resources import ICON_SIZES, icon_png
    from microsession.control.instance import HandedOver, claim_instance
    from microsession.ui.signals import quit_on_signals

    try:  # one instance per data folder, decided before any tray icon exists
        claimed = claim_instance(data_dir_arg)
    except HandedOver as over:
        return over.code
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Micro-Session")
    app.setDesktopFileName("io.github.microsession.MicroSession")  # the installed launcher (packaging/)
    app.setQuitOnLastWindowClosed(False)
    # Every new tray picture (60 steps a session) leaves its scaled copy in Qt's pixmap
    # cache; the default 10 MB limit showed as +21 MB RSS over a 24-hour soak. 1 MB holds
    # everything we draw twice.
    QPixmapCache.setCacheLimit(1024)
    _signals = quit_on_signals(app)  # noqa: F841  (kept alive for the loop)
    tray_icon = None
    if QSystemTrayIcon.isSystemTrayAvailable():
        icon = QIcon()
        for size in ICON_SIZES:
            icon.addFile(str(icon_png(size)))
        tray_icon = QSystemTrayIcon(icon)
        tray_icon.show()
        from microsession.ui.tray.embed import trace_when_embedded

        trace_when_embedded(tray_icon)
    running = []

    def build() -> None:
        from microsession.compose import build

        running.append(build(app, tray_icon, data_dir_arg))
        memory.release()
        if claimed is not None:  # after: made before the trim, it kept ~0.2 MB more (measured)
            serve_when_asked(claimed, running[0].shell)

    if tray_icon is not None:
        from microsession.ui.tray.embed import when_shown

        when_shown(tray_icon, build)
    else:
        build()
    code = app.exec()
    if claimed is not None:
        claimed.close()
    if running:
        running[0].close()
    return code


def serve_when_asked(claimed, shell) -> None:
    """Open the control socket; the server's code is loaded by the first command (idle memory)."""
    from PySide6.QtCore import QSocketNotifier

    try:
        claimed.listen()
    except OSError as exc:
        print(f"microsession: no control from outside ({exc.strerror or exc})", file=sys.stderr)
        return
    if claimed.listen_fd < 0:  # Windows: the server listens itself
        from microsession.control.server import serve

        serve(claimed, shell)
        return
    waiting = QSocketNotifier(claimed.listen_fd, QSocketNotifier.Type.Read, shell)

    def first_command() -> None:
        waiting.setEnabled(False)
        waiting.deleteLater()
        from microsession.control.server import serve

        serve(claimed, shell)  # its own notifier sees the waiting connection at once
        memory.release()

    waiting.activated.connect(first_command)
