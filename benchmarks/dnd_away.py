"""What do-not-disturb and the away watcher cost: the dunst switch's time on a private
desktop, and the first focus session's extra time and memory when the away watcher is built
(two jeepney connections: a fake logind on a system-like bus, and the session bus).

    python benchmarks/dnd_away.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "ui")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mib() -> float:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def dunst_switch() -> None:
    from desktop import Desktop

    with Desktop(Path(tempfile.mkdtemp(prefix="ms-bench-"))) as d:
        on, off = [], []
        for _ in range(20):
            t = time.perf_counter()
            d._run(["dunstctl", "is-paused"])
            d._run(["dunstctl", "set-paused", "true"])
            on.append(time.perf_counter() - t)
            t = time.perf_counter()
            d._run(["dunstctl", "set-paused", "false"])
            off.append(time.perf_counter() - t)
    print(f"dunst do-not-disturb on (is-paused + set-paused): median {1000 * statistics.median(on):.1f} ms,"
          f" max {1000 * max(on):.1f} ms; off: median {1000 * statistics.median(off):.1f} ms")


def away_watcher() -> None:
    from fake_services import fake_logind, start_bus

    tmp = Path(tempfile.mkdtemp(prefix="ms-bench-"))
    (sys_proc, sys_addr), (ses_proc, ses_addr) = start_bus(tmp / "system"), start_bus(tmp / "session")
    os.environ.update(DBUS_SYSTEM_BUS_ADDRESS=sys_addr, DBUS_SESSION_BUS_ADDRESS=ses_addr)
    logind = fake_logind(sys_addr)
    try:
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
        from shell_kit import build_shell, close_shell

        shell = build_shell(app, tmp, chime=False)
        app.processEvents()
        before, t = rss_mib(), time.perf_counter()
        shell.c.start(25)
        app.processEvents()
        print(f"first focus session with the away watcher: {1000 * (time.perf_counter() - t):.1f} ms,"
              f" RSS +{rss_mib() - before:.2f} MiB ({shell._away.signals.sources} buses watched)")
        close_shell(shell)
    finally:
        logind.stop()
        for proc in (sys_proc, ses_proc):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    dunst_switch()
    away_watcher()
