"""The Wayland idle source against a fake compositor speaking the wire protocol.

The real compositor (sway, org_kde_kwin_idle) is in tests/e2e/test_wayland.py; Debian 12's
compositors do not offer ext-idle-notify-v1 yet, so that protocol is checked here: what the
client sends, byte for byte, and what it makes of "idled" and "resumed".
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from microsession.schedule import idle, wayland_idle


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (-len(data) % 4)


def _msg(obj: int, opcode: int, args: bytes = b"") -> bytes:
    return struct.pack("=II", obj, (8 + len(args)) << 16 | opcode) + args


class FakeCompositor:
    """Serves one client: the globals it is given, callbacks, and a record of requests."""

    def __init__(self, path, globals_=("wl_seat", "org_kde_kwin_idle", "ext_idle_notifier_v1")):
        self.globals = list(globals_)
        self.requests: list[tuple[int, int, bytes]] = []
        self.bound: dict[int, str] = {}  # new id -> interface
        self.notification = 0
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(1)
        self.conn: socket.socket | None = None
        self.created = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.conn, _ = self.server.accept()
        buf = b""
        while True:
            try:
                chunk = self.conn.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 8:
                obj, word = struct.unpack_from("=II", buf)
                size = word >> 16
                if len(buf) < size:
                    break
                args, buf = buf[8:size], buf[size:]
                self._handle(obj, word & 0xFFFF, args)

    def _handle(self, obj: int, opcode: int, args: bytes) -> None:
        self.requests.append((obj, opcode, args))
        if obj == 1 and opcode == 1:  # get_registry
            (self.registry,) = struct.unpack("=I", args)
            for name, interface in enumerate(self.globals, start=1):
                self.conn.sendall(_msg(self.registry, 0, struct.pack("=I", name) + _string(interface)
                                       + struct.pack("=I", 1)))
        elif obj == 1 and opcode == 0:  # sync -> done
            (callback,) = struct.unpack("=I", args)
            self.conn.sendall(_msg(callback, 0, struct.pack("=I", 0)))
        elif obj == getattr(self, "registry", None) and opcode == 0:  # bind
            (length,) = struct.unpack_from("=I", args, 4)
            interface = args[8:8 + length - 1].decode()
            _version, new_id = struct.unpack_from("=II", args, 8 + length + (-length % 4))
            self.bound[new_id] = interface
        elif self.bound.get(obj) in ("ext_idle_notifier_v1", "org_kde_kwin_idle"):
            self.notification = struct.unpack_from("=I", args)[0]
            self.created.set()

    def send(self, opcode: int) -> None:  # 0 = idled, 1 = resumed
        self.conn.sendall(_msg(self.notification, opcode))

    def close(self) -> None:
        for s in (self.conn, self.server):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)  # wakes the serving thread's recv
                except OSError:
                    pass
                s.close()


@pytest.fixture
def compositor(tmp_path):
    made = []

    def make(globals_=("wl_seat", "org_kde_kwin_idle", "ext_idle_notifier_v1")):
        made.append(FakeCompositor(tmp_path / "wayland-9", globals_))
        return made[-1], {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}

    yield make
    for fake in made:
        fake.close()


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_ext_idle_notify_is_preferred_and_asked_with_the_timeout_and_the_seat(compositor):
    fake, env = compositor()
    source = wayland_idle.WaylandIdleSource(env, timeout_s=7)
    try:
        assert source.protocol == "ext_idle_notifier_v1" and "ext_idle_notifier_v1" in source.name
        seat = next(i for i, name in fake.bound.items() if name == "wl_seat")
        notifier = next(i for i, name in fake.bound.items() if name == "ext_idle_notifier_v1")
        obj, opcode, args = next(r for r in fake.requests if r[0] == notifier)
        assert opcode == 1  # get_idle_notification(id, timeout, seat)
        new_id, timeout_ms, seat_arg = struct.unpack("=III", args)
        assert (timeout_ms, seat_arg) == (7000, seat) and new_id not in fake.bound
        assert "org_kde_kwin_idle" not in fake.bound.values()
    finally:
        source.close()


def test_idled_counts_from_the_timeout_back_and_resumed_is_zero(compositor):
    fake, env = compositor()
    source = wayland_idle.WaylandIdleSource(env, timeout_s=30)
    try:
        assert source.idle_seconds() == 0.0
        fake.send(0)  # idled: no input for 30 s
        wait_until(lambda: source.idle_seconds() > 0)
        assert 30.0 <= source.idle_seconds() < 40.0
        fake.send(1)  # resumed
        wait_until(lambda: source.idle_seconds() == 0.0)
    finally:
        source.close()


def test_kde_idle_is_used_where_ext_is_missing(compositor):
    fake, env = compositor(("wl_seat", "org_kde_kwin_idle"))
    source = wayland_idle.WaylandIdleSource(env, timeout_s=5)
    try:
        assert source.protocol == "org_kde_kwin_idle"
        seat = next(i for i, name in fake.bound.items() if name == "wl_seat")
        notifier = next(i for i, name in fake.bound.items() if name == "org_kde_kwin_idle")
        _, opcode, args = next(r for r in fake.requests if r[0] == notifier)
        assert opcode == 0 and struct.unpack("=III", args)[1:] == (seat, 5000)  # (id, seat, timeout)
        fake.send(0)
        wait_until(lambda: source.idle_seconds() >= 5.0)
    finally:
        source.close()


def test_a_compositor_without_an_idle_protocol_is_unavailable(compositor):
    _fake, env = compositor(("wl_seat", "wl_compositor"))
    with pytest.raises(wayland_idle.IdleUnavailable, match="neither ext-idle-notify-v1 nor org_kde_kwin_idle"):
        wayland_idle.WaylandIdleSource(env)


def test_a_compositor_gone_makes_the_reading_fail_not_hang(compositor):
    fake, env = compositor()
    source = wayland_idle.WaylandIdleSource(env)
    fake.close()
    wait_until(lambda: source._failed)
    with pytest.raises(wayland_idle.IdleUnavailable, match="closed"):
        source.idle_seconds()
    source.close()


def test_no_socket_is_unavailable(tmp_path):
    with pytest.raises(wayland_idle.IdleUnavailable, match="Wayland socket"):
        wayland_idle.WaylandIdleSource({"WAYLAND_DISPLAY": str(tmp_path / "none")})
    with pytest.raises(wayland_idle.IdleUnavailable, match="XDG_RUNTIME_DIR"):
        wayland_idle.WaylandIdleSource({"WAYLAND_DISPLAY": "wayland-0"})


def test_on_wayland_the_compositor_comes_first_and_xwayland_is_not_asked():
    env = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}
    assert [n for n, _ in idle.candidates("linux", env)] == ["wayland", "mutter", "freedesktop"]
    assert [n for n, _ in idle.candidates("linux", {"XDG_SESSION_TYPE": "wayland"})] == ["wayland"]


def test_the_wayland_candidate_says_why_it_is_not_there(monkeypatch, tmp_path):
    monkeypatch.setenv("WAYLAND_DISPLAY", str(tmp_path / "nothing"))
    source, reasons = idle.first_working([("wayland", idle.wayland_source)])
    assert source is None and reasons[0].startswith("wayland: Wayland socket")
