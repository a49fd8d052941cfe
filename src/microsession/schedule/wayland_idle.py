"""Idle time from the Wayland compositor itself, for "back at the desk" rules.

There is no Qt API for it, so this is a small client of the Wayland wire protocol over the
`$WAYLAND_DISPLAY` socket, with a connection of its own (never Qt's):
wl_display.get_registry -> bind wl_seat and the idle protocol -> one idle notification with
a timeout of TIMEOUT_S -> its "idled" / "resumed" events.

Protocols, the first the compositor offers:
- ext_idle_notifier_v1 (the standard one: wlroots 0.16+ / sway 1.8+, KWin 5.27+, labwc, niri);
- org_kde_kwin_idle (older KWin, sway 1.7 / wlroots 0.15, as in Debian 12).

A daemon thread blocks on the socket and stamps each event with the monotonic clock, so the
idle time read every 30 s by the service is exact (to TIMEOUT_S) whenever it is read; it wakes
only when the user pauses for TIMEOUT_S or comes back: nothing runs while the user is away.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Mapping


class IdleUnavailable(Exception):
    """No idle protocol here, or the connection failed (schedule.idle wraps it)."""


TIMEOUT_S = 5  # input pauses shorter than this count as not idle
CONNECT_TIMEOUT_S = 2.0
PROTOCOLS = ("ext_idle_notifier_v1", "org_kde_kwin_idle")  # preferred first
_DISPLAY, _REGISTRY, _SYNC, _SEAT, _NOTIFIER, _NOTIFICATION, _SYNC2 = range(1, 8)


def socket_path(env: Mapping[str, str]) -> str:
    """Where the compositor listens: $WAYLAND_DISPLAY, absolute or under $XDG_RUNTIME_DIR."""
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    if os.path.isabs(name):
        return name
    runtime = env.get("XDG_RUNTIME_DIR")
    if not runtime:
        raise IdleUnavailable("no XDG_RUNTIME_DIR for the Wayland socket")
    return os.path.join(runtime, name)


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (-len(data) % 4)


def _message(obj: int, opcode: int, args: bytes = b"") -> bytes:
    return struct.pack("=II", obj, (8 + len(args)) << 16 | opcode) + args


class WaylandIdleSource:
    """Seconds since the last input, as the compositor tells it."""

    def __init__(self, env: Mapping[str, str] | None = None, timeout_s: int = TIMEOUT_S) -> None:
        path = socket_path(os.environ if env is None else env)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self._sock.settimeout(CONNECT_TIMEOUT_S)
        self._buf = b""
        self._lock = threading.Lock()
        self._idle_since: float | None = None  # monotonic time the input stopped, None = active
        self._failed = ""
        self.timeout_s = timeout_s
        try:
            self._sock.connect(path)
            self._setup(timeout_s)
        except (OSError, struct.error) as exc:
            self.close()
            raise IdleUnavailable(f"Wayland socket {path}: {exc}") from None
        except IdleUnavailable:
            self.close()
            raise
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._read_events, name="wayland-idle", daemon=True)
        self._thread.start()

    # ---- set-up: one round trip for the globals, one to see the notification accepted -----
    def _setup(self, timeout_s: int) -> None:
        self._send(_message(_DISPLAY, 1, struct.pack("=I", _REGISTRY))  # get_registry
                   + _message(_DISPLAY, 0, struct.pack("=I", _SYNC)))  # sync
        globals_: dict[str, tuple[int, int]] = {}
        for obj, opcode, args in self._until_done(_SYNC):
            if obj == _REGISTRY and opcode == 0:  # global(name, interface, version)
                name, length = struct.unpack_from("=II", args)
                interface = args[8:8 + length - 1].decode(errors="replace")
                (version,) = struct.unpack_from("=I", args, 8 + length + (-length % 4))
                globals_.setdefault(interface, (name, version))
        protocol = next((p for p in PROTOCOLS if p in globals_), None)
        if protocol is None or "wl_seat" not in globals_:
            raise IdleUnavailable("the compositor offers neither ext-idle-notify-v1 nor org_kde_kwin_idle")
        self.protocol = protocol
        self.name = f"Wayland {protocol}"
        out = self._bind(globals_["wl_seat"][0], "wl_seat", 1, _SEAT)
        out += self._bind(globals_[protocol][0], protocol, 1, _NOTIFIER)
        if protocol == "ext_idle_notifier_v1":  # get_idle_notification(id, timeout ms, seat)
            out += _message(_NOTIFIER, 1, struct.pack("=III", _NOTIFICATION, timeout_s * 1000, _SEAT))
        else:  # get_idle_timeout(id, seat, timeout ms)
            out += _message(_NOTIFIER, 0, struct.pack("=III", _NOTIFICATION, _SEAT, timeout_s * 1000))
        self._send(out + _message(_DISPLAY, 0, struct.pack("=I", _SYNC2)))
        for obj, opcode, _args in self._until_done(_SYNC2):
            if obj == _NOTIFICATION:
                self._on_event(opcode)

    @staticmethod
    def _bind(name: int, interface: str, version: int, new_id: int) -> bytes:
        return _message(_REGISTRY, 0, struct.pack("=I", name) + _string(interface)
                        + struct.pack("=II", version, new_id))

    def _until_done(self, callback: int):
        """The events up to wl_callback.done of `callback`; a protocol error raises."""
        while True:
            obj, opcode, args = self._next_message()
            if obj == callback and opcode == 0:
                return
            if obj == _DISPLAY and opcode == 0:  # error(object, code, message)
                text = args[12:].split(b"\0")[0].decode(errors="replace")
                raise IdleUnavailable(f"Wayland protocol error: {text}")
            yield obj, opcode, args

    def _send(self, data: bytes) -> None:
        self._sock.sendall(data)

    def _next_message(self) -> tuple[int, int, bytes]:
        while True:
            if len(self._buf) >= 8:
                obj, word = struct.unpack_from("=II", self._buf)
                size = word >> 16
                if size < 8:
                    raise IdleUnavailable("malformed Wayland message")
                if len(self._buf) >= size:
                    args, self._buf = self._buf[8:size], self._buf[size:]
                    return obj, word & 0xFFFF, args
            chunk = self._sock.recv(4096)
            if not chunk:
                raise OSError("the compositor closed the connection")
            self._buf += chunk

    # ---- events ----------------------------------------------------------------------
    def _on_event(self, opcode: int) -> None:
        with self._lock:
            if opcode == 0:  # idled / idle: no input for timeout_s
                self._idle_since = time.monotonic() - self.timeout_s
            elif opcode == 1:  # resumed
                self._idle_since = None

    def _read_events(self) -> None:
        try:
            while True:
                obj, opcode, _args = self._next_message()
                if obj == _NOTIFICATION:
                    self._on_event(opcode)
                elif obj == _DISPLAY and opcode == 0:
                    raise OSError("protocol error")
        except (OSError, IdleUnavailable, struct.error) as exc:
            with self._lock:
                self._failed = str(exc) or type(exc).__name__

    def idle_seconds(self) -> float:
        with self._lock:
            if self._failed:
                raise IdleUnavailable(f"{self.name}: {self._failed}")
            since = self._idle_since
        return 0.0 if since is None else max(0.0, time.monotonic() - since)

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
