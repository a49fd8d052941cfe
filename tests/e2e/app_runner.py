"""Running the real app on a Desktop: spawn, find the tray icon, read the trace."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop import Desktop


class RunningApp:
    """The app as a subprocess on `desktop`, traced, with its own data folder (or a shared
    one), extra environment (e.g. MICROSESSION_CLOCK_SHIFT_FILE) and an optional wrapper
    command (e.g. `unshare -m ...`, which must exec the app so that its pid stays ours).
    `tray`: "xembed" waits for the icon on screen; anything else ("sni", "none") only for
    the app to be ready."""

    def __init__(self, desktop: Desktop, workdir: Path, scale: float = 100.0, name: str = "app",
                 data: Path | None = None, extra_env: dict[str, str] | None = None,
                 tray_timeout: float = 30.0, wrapper: list[str] | None = None,
                 tray: str = "xembed") -> None:
        self.desktop, self.workdir = desktop, workdir
        self.data = data or workdir / "data"
        self.trace = workdir / f"{name}-trace.jsonl"
        self.log = workdir / f"{name}.log"
        self.env = {"MICROSESSION_TRACE": str(self.trace), "MICROSESSION_TIME_SCALE": str(scale),
                    "MICROSESSION_DATA_DIR": str(self.data), **(extra_env or {})}
        self.proc = desktop.spawn([*(wrapper or []), sys.executable, "-m", "microsession"], extra_env=self.env,
                                  log_path=self.log)
        self.tray_center = (0, 0)
        if tray == "xembed":  # an icon on screen to click
            rec = self.wait("tray_visible", timeout=tray_timeout)
            self.tray_center = (rec["x"] + rec["w"] // 2, rec["y"] + rec["h"] // 2)
        # The icon shows first; the store, the recovery and the shell are built after it.
        self.wait("ready", timeout=tray_timeout)

    def wait(self, event: str, timeout: float = 30.0, where=None, **match) -> dict:
        """The first `event` record with fields `match` (and `where(rec)` true), waiting;
        fails at once if the app has exited."""
        def ok(rec: dict) -> bool:
            return all(rec.get(k) == v for k, v in match.items()) and (where is None or where(rec))

        def find() -> dict | None:
            for rec in self.desktop.read_trace(self.trace):
                if rec.get("event") == event and ok(rec):
                    return rec
            if self.proc.poll() is not None:  # fail fast: it will never come
                raise AssertionError(f"the app exited (rc {self.proc.returncode}) before {event} {match};"
                                     f" log {self.log}:\n{self.log.read_text(errors='replace')[-3000:]}")
            return None

        return self.desktop.wait_for(find, timeout=timeout, interval=0.02,
                                     what=f"trace event {event!r} {match} in {self.trace}")

    def records(self) -> list[dict]:
        return self.desktop.read_trace(self.trace)

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def quit(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)

    def menu(self, *keys: str) -> None:
        """Open the tray menu (right click), wait until it is on screen, press `keys`
        (the menu grabs the keyboard: Down selects the first enabled item)."""
        before = set(app_windows(self.desktop))
        self.click_tray(button=3)
        self.desktop.wait_for(lambda: set(app_windows(self.desktop)) - before, timeout=10,
                              what="the tray menu")
        self.desktop.key(*keys)

    def answer_popup(self, key: str) -> None:
        """Click into the end-of-session popup (it never takes the keyboard by itself), press `key`."""
        self.click_into("Session log", "the popup")
        self.desktop.key(key)

    def click_into(self, title: str, what: str, dy: int = 50) -> str:
        """Click `dy` px below the top of the window named `title`, wait until it has the keyboard; its id."""
        window = self.desktop.wait_for(lambda: self.desktop.window_ids(title), timeout=10, what=what)[0]
        x, y, w, h = self.desktop.window_geometry(window)
        self.desktop.click(x + w // 2, y + dy)
        self.desktop.wait_for(lambda: self.desktop.focused_window() == window, timeout=10,
                              what=f"{what}'s focus")
        return window

    def click_tray(self, button: int = 1) -> None:
        self.desktop.click(*self.tray_center, button=button)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.data / "microsession.sqlite3")
        conn.row_factory = sqlite3.Row
        return conn

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return RunningApp.cli_for(self.data, *args)

    @staticmethod
    def cli_for(data: Path, *args: str) -> subprocess.CompletedProcess:
        """`microsession ARGS` on a data folder, with or without a running app."""
        env = {**os.environ, "MICROSESSION_DATA_DIR": str(data)}
        return subprocess.run([sys.executable, "-m", "microsession", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    def control(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """`microsession ARGS` as a user's terminal on this desktop runs it: the desktop's
        environment (its XDG_RUNTIME_DIR holds the control socket) and this app's data folder."""
        env = {**self.desktop.env, "MICROSESSION_DATA_DIR": str(self.data)}
        return subprocess.run([sys.executable, "-m", "microsession", *args], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def wait_exit(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout=timeout)


def app_windows(desktop: Desktop) -> list[str]:
    """The app's visible windows (WM_CLASS "Micro-Session": tray icon, ring, popup, menu);
    not dunst's notifications, which may appear at any moment."""
    out = desktop._run(["xdotool", "search", "--onlyvisible", "--class", "^Micro-Session$"], check=False)
    return out.stdout.split() if out.returncode == 0 else []
