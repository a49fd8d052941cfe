"""Idle sources: the choice per platform, and the X11 source on a private Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from microsession.schedule import idle


def test_candidates_per_platform():
    assert [n for n, _ in idle.candidates("win32", {})] == ["windows"]
    assert [n for n, _ in idle.candidates("darwin", {"DISPLAY": ":0"})] == ["macos"]
    linux = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x", "DISPLAY": ":0"}
    assert [n for n, _ in idle.candidates("linux", linux)] == ["mutter", "freedesktop", "x11"]
    assert [n for n, _ in idle.candidates("linux", {"DISPLAY": ":0"})] == ["x11"]
    assert idle.candidates("linux", {}) == []


def test_first_working_skips_failing_sources_and_says_why():
    class Works:
        name = "works"

        def idle_seconds(self):
            return 3.0

    def unavailable():
        raise idle.IdleUnavailable("nobody answers")

    def crashes():
        raise RuntimeError("boom")

    source, reasons = idle.first_working([("a", unavailable), ("b", crashes), ("c", Works)])
    assert source.idle_seconds() == 3.0 and reasons == ["a: nobody answers", "b: RuntimeError: boom"]
    assert idle.first_working([("a", unavailable)]) == (None, ["a: nobody answers"])


def test_windows_and_macos_sources_refuse_to_build_elsewhere():
    if os.name != "nt":
        with pytest.raises(idle.IdleUnavailable):
            idle.WindowsIdleSource()
    if not os.path.exists("/System/Library/Frameworks/ApplicationServices.framework"):
        with pytest.raises(idle.IdleUnavailable):
            idle.MacIdleSource()


def test_dbus_source_without_a_bus_is_unavailable(tmp_path):
    with pytest.raises(idle.IdleUnavailable):
        idle.DBusIdleSource(idle.DBusIdleSource.MUTTER, address=f"unix:path={tmp_path}/no-bus")


def test_x11_source_without_display_is_unavailable(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(idle.IdleUnavailable, match="no X display"):
        idle.XScreenSaverSource()


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.skip("needs Xvfb and xdotool (apt: xvfb xdotool)")
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp",
                             "-noreset"], pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        data = b""
        deadline = time.monotonic() + 15
        while not data.endswith(b"\n"):
            import select

            if time.monotonic() > deadline or not select.select([read_end], [], [], 1)[0]:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise TimeoutError("Xvfb did not start")
                continue
            chunk = os.read(read_end, 1)
            if not chunk:
                raise RuntimeError("Xvfb exited")
            data += chunk
        yield ":" + data.decode().strip()
    finally:
        os.close(read_end)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_x11_screensaver_idle_time_under_xvfb(xvfb):
    try:
        source = idle.XScreenSaverSource(xvfb)
    except idle.IdleUnavailable as exc:
        pytest.skip(f"MIT-SCREEN-SAVER not usable here: {exc} (apt: libxss1)")
    try:
        wait_until(lambda: source.idle_seconds() >= 0.5)
        before = source.idle_seconds()
        subprocess.run(["xdotool", "mousemove_relative", "5", "5"], env={**os.environ, "DISPLAY": xvfb},
                       check=True, timeout=10)
        wait_until(lambda: source.idle_seconds() < before)  # the input reset the idle time
    finally:
        source.close()
