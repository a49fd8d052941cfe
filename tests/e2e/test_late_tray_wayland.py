"""No tray on Wayland (GNOME without the AppIndicator extension, a bare compositor): the ring
is the app's window there too, and a StatusNotifierWatcher that comes up later takes the
icon. The compositor is sway, headless (it refuses to run as root: as nobody, then)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_runner import RunningApp
from desktop import Desktop
from sni_host import SniHost

NOBODY = 65534


class Sway:
    def __init__(self, workdir: Path) -> None:
        # Outside pytest's tmp folder: nobody cannot enter that one (root's, 0700).
        self.runtime = Path(tempfile.mkdtemp(prefix="ms-sway-"))
        config = self.runtime / "sway.conf"
        config.write_text("output HEADLESS-1 resolution 1280x800\n")
        argv = ["sway", "-c", str(config)]
        if os.geteuid() == 0:
            os.chown(self.runtime, NOBODY, NOBODY)
            os.chown(config, NOBODY, NOBODY)
            argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--pdeathsig", "TERM", *argv]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_RUNTIME_DIR": str(self.runtime),
               "HOME": str(self.runtime), "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
               "WLR_RENDERER": "pixman"}
        self.log = workdir / "sway.log"
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.display = str(self.runtime / "wayland-1")

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"sway exited ({self.proc.returncode}): {self.log.read_text()[-1500:]}")
        return Path(self.display).exists() and bool(list(self.runtime.glob("sway-ipc.*.sock")))

    def windows(self) -> list[dict]:
        """The compositor's application windows (app_id, visible, rect)."""
        sock = str(next(self.runtime.glob("sway-ipc.*.sock")))
        out = subprocess.run(["swaymsg", "-s", sock, "-t", "get_tree", "-r"], capture_output=True, text=True,
                             check=True, timeout=30).stdout
        found: list[dict] = []

        def walk(node: dict) -> None:
            if node.get("app_id") is not None:
                found.append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(json.loads(out))
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def sway(tmp_path: Path, desktop_programs: None) -> Iterator[tuple[Desktop, Sway]]:
    missing = [b for b in ("sway", "swaymsg", "setpriv") if shutil.which(b) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install sway util-linux)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)
    with Desktop(tmp_path / "desktop", xembed_tray=False) as desk:  # the private bus and dunst
        compositor = Sway(tmp_path)
        try:
            desk.wait_for(compositor.ready, timeout=30, what="sway's Wayland socket")
            yield desk, compositor
        finally:
            compositor.stop()


def test_wayland_no_tray_window_then_a_late_sni_watcher(sway, tmp_path: Path) -> None:
    desk, compositor = sway
    wayland = {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": compositor.display}
    app = RunningApp(desk, tmp_path, scale=60, tray="none", extra_env=wayland)

    def ours() -> list[dict]:
        return [w for w in compositor.windows() if w["app_id"] == "io.github.microsession.MicroSession"]

    [window] = desk.wait_for(ours, timeout=20, what="the no-tray window on Wayland")
    assert window["name"] == "Micro-Session" and window["visible"]
    assert window["rect"]["height"] > window["rect"]["width"]  # the ring and its hint
    assert app.control("start", "5").returncode == 0
    app.wait("session_started", kind="micro")
    with SniHost(desk.bus_address) as host:  # the panel comes up
        item = host.item(timeout=30)
        app.wait("tray_adopted", timeout=30)
        desk.wait_for(lambda: "min left" in host.prop(item, "ToolTip")[2], timeout=20, what="the tooltip")
        host.about_to_show(item, 0)
        assert app.control("quit").returncode == 0
        assert app.wait_exit() == 0
