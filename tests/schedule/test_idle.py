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


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow own="*"/></policy></busconfig>
"""


@pytest.fixture
def private_bus(tmp_path):
    """A private session bus (no activation), torn down by its pid."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon (apt: dbus)")
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG)
    proc = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        import select

        assert select.select([proc.stdout], [], [], 10)[0], "dbus-daemon did not start"
        yield proc.stdout.readline().decode().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        proc.stdout.close()


@pytest.fixture
def fake_idle_service(private_bus):
    """serve(bus name, method, signature, value): a fake idle service on the private bus."""
    import threading

    from jeepney import HeaderFields, MessageType, new_method_return
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    stop, threads, conns = threading.Event(), [], []

    def serve(name, member, signature, value):
        conn = open_dbus_connection(bus=private_bus)
        conns.append(conn)
        conn.send_and_get_reply(message_bus.RequestName(name), timeout=5)

        def loop():
            while not stop.is_set():
                try:
                    msg = conn.receive(timeout=0.1)
                except TimeoutError:
                    continue
                if (msg.header.message_type == MessageType.method_call
                        and msg.header.fields.get(HeaderFields.member) == member):
                    conn.send(new_method_return(msg, signature, (value,)))

        threads.append(threading.Thread(target=loop, daemon=True))
        threads[-1].start()

    yield private_bus, serve
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    for conn in conns:
        conn.close()


@pytest.fixture
def fake_mutter(fake_idle_service):
    address, serve = fake_idle_service
    serve("org.gnome.Mutter.IdleMonitor", "GetIdletime", "t", 12345)  # milliseconds
    return address


def test_freedesktop_screensaver_over_dbus(fake_idle_service):
    address, serve = fake_idle_service
    serve("org.freedesktop.ScreenSaver", "GetSessionIdleTime", "u", 42)  # seconds
    source = idle.DBusIdleSource(idle.DBusIdleSource.FREEDESKTOP, address=address)
    try:
        assert source.idle_seconds() == 42.0
    finally:
        source.close()


def test_mutter_idle_monitor_over_dbus(fake_mutter):
    source = idle.DBusIdleSource(idle.DBusIdleSource.MUTTER, address=fake_mutter)
    try:
        assert source.idle_seconds() == pytest.approx(12.345)
    finally:
        source.close()
    with pytest.raises(idle.IdleUnavailable):  # nobody owns org.freedesktop.ScreenSaver on this bus
        idle.DBusIdleSource(idle.DBusIdleSource.FREEDESKTOP, address=fake_mutter)


def test_the_system_choice_on_linux_takes_the_first_that_answers(fake_mutter, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", fake_mutter)
    source, reasons = idle.first_working(idle.candidates("linux", {"DBUS_SESSION_BUS_ADDRESS": fake_mutter}))
    assert source.name == "D-Bus org.gnome.Mutter.IdleMonitor" and reasons == []
    source.close()
