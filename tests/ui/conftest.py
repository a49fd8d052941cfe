"""A private session bus, and a private X display with dunst on it, for notification tests.

Everything is started per test and torn down by the processes we own (no broad kills).
Waits are on conditions with generous deadlines, never fixed sleeps.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_services import read_line, start_bus

NOTIFICATIONS = "org.freedesktop.Notifications"


def require(*binaries: str) -> None:
    """Skip the test, saying why, when a binary it needs is missing."""
    missing = [b for b in binaries if shutil.which(b) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt: dbus, xvfb, dunst)")


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate one process we started and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.fixture
def bus_services(tmp_path: Path) -> Path:
    """The private bus's only D-Bus activation directory (empty unless a test fills it)."""
    path = tmp_path / "bus-services"
    path.mkdir()
    return path


@pytest.fixture
def private_bus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bus_services: Path
) -> Iterator[str]:
    """A fresh session bus; DBUS_SESSION_BUS_ADDRESS points at it. Yields the address.

    Its own config has no system service directories, so nothing (e.g. the installed dunst)
    gets D-Bus-activated behind the test's back. ``--nofork`` keeps dbus-daemon our child,
    so teardown can reap it (with ``--fork`` it is reparented and may linger as a zombie
    where PID 1 does not reap).
    """
    require("dbus-daemon")
    proc, address = start_bus(tmp_path, bus_services)
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        stop(proc)


def name_has_owner(address: str, name: str) -> bool:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as conn:
        reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5)
        return bool(reply.body[0])


@dataclass
class Desktop:
    """Xvfb + a private bus + dunst. ``pick(key)`` chooses what ``context()`` clicks."""

    address: str
    env: dict[str, str]
    dir: Path

    def dunstctl(self, *args: str) -> str:
        done = subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        done.check_returncode()
        return done.stdout.strip()

    def displayed(self) -> int:
        return int(self.dunstctl("count", "displayed"))

    def pick(self, key: str) -> None:
        (self.dir / "pick").write_text(key)

    def context(self) -> None:
        """Open dunst's context menu: dunst runs the dmenu script, which picks ``pick``'s key."""
        self.dunstctl("context")


DMENU = """#!/bin/sh
# dunst writes one line per action, e.g. "#Skip (Session done) [2,skip]"; print the chosen one.
tee -a "{dir}/dmenu-input" | grep -m1 -F ",$(cat "{dir}/pick")]"
"""

DUNSTRC = """[global]
    dmenu = {dir}/dmenu.sh
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""


@pytest.fixture
def desktop(private_bus: str, tmp_path: Path) -> Iterator[Desktop]:
    """dunst on a private X display and the private bus, ready when it owns the name."""
    require("Xvfb", "dunst", "dunstctl")
    (tmp_path / "dmenu.sh").write_text(DMENU.format(dir=tmp_path))
    (tmp_path / "dmenu.sh").chmod(0o755)
    (tmp_path / "dunstrc").write_text(DUNSTRC.format(dir=tmp_path))
    (tmp_path / "pick").write_text("")
    procs: list[subprocess.Popen[bytes]] = []
    log = open(tmp_path / "dunst.log", "wb")  # noqa: SIM115 - closed in finally
    read_end, write_end = os.pipe()
    try:
        procs.append(subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        os.close(write_end)
        write_end = -1
        display = ":" + read_line(read_end, 15, "Xvfb")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "XDG_RUNTIME_DIR": str(tmp_path),
            "DISPLAY": display,
            "DBUS_SESSION_BUS_ADDRESS": private_bus,
        }
        dunst = subprocess.Popen(
            ["dunst", "-config", str(tmp_path / "dunstrc")], env=env,
            stdout=subprocess.DEVNULL, stderr=log,
        )
        procs.append(dunst)

        def ready() -> bool:
            if dunst.poll() is not None:
                raise RuntimeError("dunst exited: " + (tmp_path / "dunst.log").read_text())
            return name_has_owner(private_bus, NOTIFICATIONS)

        wait_for(ready, 15, "dunst to own org.freedesktop.Notifications")
        yield Desktop(private_bus, env, tmp_path)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
        for proc in reversed(procs):
            stop(proc)
        log.close()
