"""Quit cleanly on SIGTERM / SIGINT while Qt's event loop waits, without a polling timer."""

from __future__ import annotations

import os
import signal

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication


def quit_on_signals(app: QApplication, signals=(signal.SIGTERM, signal.SIGINT)) -> QObject:
    """Quit the event loop on SIGTERM/SIGINT without any polling timer.

    Python runs signal handlers only when the interpreter gets control, which it does not
    while Qt's event loop waits. ``signal.set_wakeup_fd`` makes the C-level handler write a
    byte to a pipe; a QSocketNotifier on the other end wakes Qt, the slot runs Python,
    and Python then runs the handler, which quits. Returns the notifier (keep it alive).
    """
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    os.set_blocking(writer, False)  # required by set_wakeup_fd
    signal.set_wakeup_fd(writer)
    notifier = QSocketNotifier(reader, QSocketNotifier.Type.Read, app)

    def drain() -> None:
        try:
            os.read(reader, 4096)
        except OSError:
            pass

    notifier.activated.connect(drain)
    for signum in signals:  # through the loop: a quit() before exec() runs would be lost
        signal.signal(signum, lambda *_: QTimer.singleShot(0, app.quit))
    return notifier
