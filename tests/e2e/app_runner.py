"""Running the real app on a Desktop: spawn, find the tray icon, read the trace."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop import Desktop


class RunningApp:
    def __init__(self, desktop: Desktop, workdir: Path, scale: float = 100.0, name: str = "app") -> None:
        self.desktop, self.workdir = desktop, workdir
        self.data = workdir / "data"
        self.trace = workdir / f"{name}-trace.jsonl"
        self.log = workdir / f"{name}.log"
        self.env = {"MICROSESSION_TRACE": str(self.trace), "MICROSESSION_TIME_SCALE": str(scale),
                    "MICROSESSION_DATA_DIR": str(self.data)}
        self.proc = desktop.spawn([sys.executable, "-m", "microsession"], extra_env=self.env,
                                  log_path=self.log)
        rec = self.wait("tray_visible")
        self.tray_center = (rec["x"] + rec["w"] // 2, rec["y"] + rec["h"] // 2)
        self.wait("ready")  # the icon shows first; the rest is built right after

    def wait(self, event: str, timeout: float = 30.0, **match) -> dict:
        return self.desktop.wait_trace(
            self.trace, event, timeout=timeout,
            where=lambda r: all(r.get(k) == v for k, v in match.items()))

    def events(self, event: str) -> list[dict]:
        return [r for r in self.desktop.read_trace(self.trace) if r["event"] == event]

    def click_tray(self, button: int = 1) -> None:
        self.desktop.click(*self.tray_center, button=button)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.data / "microsession.sqlite3")
        conn.row_factory = sqlite3.Row
        return conn

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "MICROSESSION_DATA_DIR": str(self.data)}
        return subprocess.run([sys.executable, "-m", "microsession", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    def wait_exit(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout=timeout)
