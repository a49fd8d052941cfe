"""Gentle desktop notifications: freedesktop over D-Bus (jeepney), the tray balloon, or nothing.

One jeepney connection sends ``Notify`` and receives ``ActionInvoked`` (the server sends it only
to the caller's connection). After a bounded setup the socket is non-blocking and read on the Qt
main thread by a ``QSocketNotifier``: no thread, no lock, no call that waits for the service.
If the service fails or does not answer, the notifier falls back for good (see ``backend``).
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from collections.abc import Sequence
from microsession.resources import path as resource_path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

_log = logging.getLogger(__name__)

_NAME, _PATH = "org.freedesktop.Notifications", "/org/freedesktop/Notifications"
_TRAY_MS = 8000
_HINTS = {"category": ("s", "x-microsession.timer"), "urgency": ("y", 1),
          "desktop-entry": ("s", "microsession")}

Request = tuple[str, str, tuple[tuple[str, str], ...]]  # summary, body, actions

class Notifier(QObject):
    """Shows one notification at a time. This base class is the "none" backend (a no-op)."""
    action_invoked = Signal(str)  # the action key the user clicked, e.g. "start_break"
    delivered = Signal(int)  # the server accepted a notification (its id); freedesktop only
    backend: str = "none"

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = ()) -> None:
        """Show a notification, replacing this app's previous one."""

    def close(self) -> None:
        """Close the current notification, if any."""

    def shutdown(self) -> None:
        """Release what the backend holds; later calls are no-ops."""


class TrayNotifier(Notifier):
    """``QSystemTrayIcon.showMessage``: no actions, and Qt offers no way to close a balloon."""
    backend = "tray"

    def __init__(self, tray: QSystemTrayIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: QSystemTrayIcon | None = tray

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = ()) -> None:
        try:
            if self._tray is not None:
                icon = self._tray.icon()
                no_icon = QSystemTrayIcon.MessageIcon.NoIcon
                self._tray.showMessage(summary, body, no_icon if icon.isNull() else icon, _TRAY_MS)
        except Exception:  # noqa: BLE001 - a notification must never take the app down
            _log.exception("tray notification failed")

    def shutdown(self) -> None:
        self._tray = None


class _Bus:
    """A jeepney session-bus socket: bounded blocking calls for setup, then non-blocking reads."""

    def __init__(self, deadline: float) -> None:
        from jeepney import Parser
        from jeepney.bus import get_connectable_addresses
        from jeepney.io.blocking import prep_socket

        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")  # read now, not at import
        runtime_bus = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent", "bus")
        if not address and os.path.exists(runtime_bus):  # where systemd puts the user bus
            address = f"unix:path={runtime_bus}"
        if not address:
            raise LookupError("no session bus address")
        path = next(get_connectable_addresses(address))
        self.sock = prep_socket(path, timeout=max(deadline - time.monotonic(), 0.05))
        self.sock.setblocking(False)
        self.parser = Parser()
        self._serials = itertools.count(1)

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
            raise ConnectionResetError("the session bus closed the connection")
        self.parser.add_data(data)
        return True


def _icon_path() -> str:
    try:
        icon = resource_path("microsession-64.png")
        return os.path.abspath(str(icon)) if icon.is_file() else ""
    except Exception:  # noqa: BLE001
        return ""


class FreedesktopNotifier(Notifier):
    """org.freedesktop.Notifications through jeepney, read by a QSocketNotifier."""
    backend = "freedesktop"
    SETUP_TIMEOUT_S = 1.0  # connect + Hello + NameHasOwner + AddMatch, all together
    REPLY_TIMEOUT_MS = 5000  # no answer to Notify in this time -> fall back for good

    def __init__(self, fallback: Notifier, parent: QObject | None = None) -> None:
        """Connect now (bounded by SETUP_TIMEOUT_S); raise if there is no bus or no service."""
        super().__init__(parent)
        from jeepney import DBusAddress, MatchRule, message_bus

        deadline = time.monotonic() + self.SETUP_TIMEOUT_S
        bus = _Bus(deadline)
        try:
            bus.call(message_bus.Hello(), deadline)
            if not bus.call(message_bus.NameHasOwner(_NAME), deadline)[0]:
                if _NAME not in bus.call(message_bus.ListActivatableNames(), deadline)[0]:
                    raise LookupError("no notification service on the session bus")
            rule = MatchRule(type="signal", interface=_NAME, path=_PATH)
            bus.call(message_bus.AddMatch(rule), deadline)
        except BaseException:
            bus.sock.close()
            raise
        self._bus: _Bus | None = bus
        self._addr = DBusAddress(_PATH, bus_name=_NAME, interface=_NAME)
        self._fallback = fallback
        self._icon = _icon_path()
        self._markup = False  # plain text unless GetCapabilities lists "body-markup"
        self._id = 0  # the server's id of our notification on screen, 0 if none
        self._pending: dict[int, str] = {}  # reply serial -> "notify" | "close" | "caps"
        self._inflight = False  # a Notify awaits its reply (its id decides replaces_id)
        self._next: Request | str | None = None  # latest notify() or "close" while in flight
        self._last: Request | None = None  # re-shown by the fallback if D-Bus fails
        self._timer = QTimer(self, singleShot=True, interval=self.REPLY_TIMEOUT_MS)  # read now
        self._timer.timeout.connect(lambda: self._degrade("no reply to Notify"))
        self._reader = QSocketNotifier(bus.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._reader.activated.connect(self._on_readable)
        self._send("caps", "GetCapabilities")

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = ()) -> None:
        self._last = (summary, body, tuple((str(k), str(v)) for k, v in actions))
        if self._bus is None:
            self._fallback.notify(*self._last)
        elif self._inflight:
            self._next = self._last
        else:
            self._send_notify(self._last)

    def close(self) -> None:
        self._last = None
        if self._bus is None:
            self._fallback.close()
        elif self._inflight:
            self._next = "close"
        elif self._id:
            self._send("close", "CloseNotification", "u", (self._id,))
            self._id = 0

    def shutdown(self) -> None:
        self._stop()
        self._fallback.shutdown()  # so later calls are no-ops there too
        self.backend = "none"

    def _send_notify(self, request: Request) -> None:
        summary, body, actions = request
        if self._markup:
            import html  # here: its entity table costs ~1 MB, and most servers take plain text

            body = html.escape(body, quote=False)
        flat = [part for action in actions for part in action]
        args = ("Micro-Session", self._id, self._icon, summary, body, flat, _HINTS, -1)
        if self._send("notify", "Notify", "susssasa{sv}i", args):
            self._inflight = True
            self._timer.start()

    def _send(self, kind: str, method: str, signature: str | None = None, body: tuple = ()) -> bool:
        from jeepney import new_method_call

        if self._bus is None:
            return False
        try:
            serial = self._bus.send(new_method_call(self._addr, method, signature, body))
        except Exception as exc:  # noqa: BLE001 - OSError, timeout, bad argument types
            self._degrade(f"cannot send {method}: {exc}")
            return False
        self._pending[serial] = kind
        return True

    def _on_readable(self, *_: object) -> None:
        try:
            messages = self._bus.read_available() if self._bus else []
        except Exception as exc:  # noqa: BLE001 - connection reset, malformed data
            self._degrade(f"session bus lost: {exc}")
            return
        for msg in messages:
            try:
                if self._bus is not None:  # a slot may have shut us down meanwhile
                    self._handle(msg)
            except Exception:  # noqa: BLE001 - e.g. a malformed signal from another client
                _log.exception("cannot handle a D-Bus message")

    def _handle(self, msg: Any) -> None:
        from jeepney import HeaderFields, MessageType

        kind, fields = msg.header.message_type, msg.header.fields
        if kind in (MessageType.method_return, MessageType.error):
            what = self._pending.pop(fields.get(HeaderFields.reply_serial, -1), None)
            if what == "notify":
                self._on_notify_reply(msg.body if kind is MessageType.method_return else None)
            elif what == "caps" and kind is MessageType.method_return:
                self._markup = "body-markup" in msg.body[0]
        elif kind is MessageType.signal and fields.get(HeaderFields.interface) == _NAME:
            member = fields.get(HeaderFields.member)
            if member == "ActionInvoked" and self._id and msg.body[0] == self._id:
                self.action_invoked.emit(str(msg.body[1]))
            elif member == "NotificationClosed" and self._id and msg.body[0] == self._id:
                self._id = 0

    def _on_notify_reply(self, body: tuple | None) -> None:
        self._inflight = False
        self._timer.stop()
        if body is None:
            self._degrade("the notification service refused Notify")
            return
        self._id = int(body[0])
        after, self._next = self._next, None
        if after == "close":
            self.close()
        elif isinstance(after, tuple):
            self._send_notify(after)
        self.delivered.emit(int(body[0]))

    def _degrade(self, why: str) -> None:
        if self._bus is None:
            return
        _log.warning("freedesktop notifications off (%s); using %s", why, self._fallback.backend)
        self._stop()
        self.backend = self._fallback.backend
        if self._last is not None:
            self._fallback.notify(*self._last)

    def _stop(self) -> None:
        self._timer.stop()
        self._reader.setEnabled(False)
        if self._bus is not None:
            self._bus.sock.close()
            self._bus = None
        self._pending.clear()
        self._inflight, self._next = False, None


def make_notifier(tray: QSystemTrayIcon | None, parent: QObject | None = None) -> Notifier:
    """The best notifier this desktop offers; never raises, waits at most ~1 s."""
    use_tray = tray is not None and QSystemTrayIcon.supportsMessages()
    fallback = TrayNotifier(tray, parent) if use_tray and tray else Notifier(parent)
    if sys.platform not in ("win32", "darwin"):
        try:
            return FreedesktopNotifier(fallback, parent)
        except Exception as exc:  # noqa: BLE001 - no bus, no service, timeout, bad address
            _log.info("no freedesktop notifications (%s); using %s", exc, fallback.backend)
    return fallback
