"""A jeepney D-Bus socket for the Qt main thread: bounded blocking calls to set up, then
non-blocking reads from a QSocketNotifier (no thread, no lock, no call that waits on a service).

Used by the notifications, the do-not-disturb switch (KDE) and the away watcher.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any


def session_address() -> str:
    """The session bus address, read now (not at import); LookupError if there is none."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    runtime_bus = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent", "bus")
    if not address and os.path.exists(runtime_bus):  # where systemd puts the user bus
        address = f"unix:path={runtime_bus}"
    if not address:
        raise LookupError("no session bus address")
    return address


def system_address() -> str:
    """The system bus address (DBUS_SYSTEM_BUS_ADDRESS or the standard socket)."""
    return os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or "unix:path=/run/dbus/system_bus_socket"


class Bus:
    """A jeepney socket: bounded blocking calls for setup, then non-blocking reads."""

    def __init__(self, deadline: float, address: str | None = None) -> None:
        from jeepney import Parser
        from jeepney.bus import get_connectable_addresses
        from jeepney.io.blocking import prep_socket

        path = next(get_connectable_addresses(address or session_address()))
        self.sock = prep_socket(path, timeout=max(deadline - time.monotonic(), 0.05))
        self.sock.setblocking(False)
        self.parser = Parser()
        self._serials = itertools.count(1)

    def hello(self, deadline: float) -> None:
        from jeepney import message_bus

        self.call(message_bus.Hello(), deadline)

    def send(self, msg: Any) -> int:
        """Send a message (waits at most 1 s for socket buffer space); return its serial."""
        serial = next(self._serials)
        self.sock.settimeout(1.0)
        try:
            self.sock.sendall(msg.serialise(serial=serial))
        finally:
            self.sock.setblocking(False)
        return serial

    def call(self, msg: Any, deadline: float) -> tuple:
        """Send a method call and wait for its reply until ``deadline``; drop other messages."""
        from jeepney import HeaderFields
        from jeepney.wrappers import unwrap_msg

        serial = self.send(msg)
        while True:
            while (reply := self.parser.get_next_message()) is not None:
                if reply.header.fields.get(HeaderFields.reply_serial) == serial:
                    return unwrap_msg(reply)
            self._recv(max(deadline - time.monotonic(), 0.001))  # TimeoutError when late

    def read_available(self) -> list[Any]:
        """Read whatever has arrived without blocking; return the complete messages."""
        while self._recv(0):
            pass
        return list(iter(self.parser.get_next_message, None))

    def close(self) -> None:
        self.sock.close()

    def _recv(self, timeout: float) -> bool:
        """Read once, waiting up to ``timeout`` s; False if nothing was there (timeout 0)."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return False
        finally:
            self.sock.setblocking(False)
        if not data:
            raise ConnectionResetError("the bus closed the connection")
        self.parser.add_data(data)
        return True
