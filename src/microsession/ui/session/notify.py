"""Gentle desktop notifications: freedesktop over D-Bus (jeepney), the tray balloon, or nothing.

One jeepney connection sends ``Notify`` and receives ``ActionInvoked`` (the server sends it only
to the caller's connection). After a bounded setup the socket is non-blocking and read on the Qt
main thread by a ``QSocketNotifier``: no thread, no lock, no call that waits for the service.
If the service fails or does not answer, that notification goes to the fallback and the next
one connects again (the service may have been restarted): at once after a refused call, after
RECONNECT_S when the bus did not answer.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from microsession.resources import path as resource_path
from microsession.ui.session.bus import Bus

_log = logging.getLogger(__name__)

APP_ID = "io.github.microsession.MicroSession"  # the desktop file's id (packaging/linux)
_NAME, _PATH = "org.freedesktop.Notifications", "/org/freedesktop/Notifications"
_TRAY_MS = 8000
_HINTS = {"category": ("s", "x-microsession.timer"), "urgency": ("y", 1),
          "desktop-entry": ("s", APP_ID)}

Request = tuple[str, str, tuple[tuple[str, str], ...], bool]  # summary, body, actions, sound

class Notifier(QObject):
    """Shows one notification at a time. This base class is the "none" backend (a no-op)."""
    action_invoked = Signal(str)  # the action key the user clicked, e.g. "start_break"
    delivered = Signal(int)  # the server accepted a notification (its id); freedesktop only
    backend: str = "none"

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = (),
               sound: bool = False) -> None:
        """Show a notification, replacing this app's previous one. `sound`: the server may
        play its own sound (when our chime cannot); otherwise it is asked to stay silent."""

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

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = (),
               sound: bool = False) -> None:
        try:
            if self._tray is not None:
                icon = self._tray.icon()
                no_icon = QSystemTrayIcon.MessageIcon.NoIcon
                self._tray.showMessage(summary, body, no_icon if icon.isNull() else icon, _TRAY_MS)
        except Exception:  # noqa: BLE001 - a notification must never take the app down
            _log.exception("tray notification failed")

    def shutdown(self) -> None:
        self._tray = None


def icon_ref() -> str:
    """The app's icon for Notify: its name when the icon theme has it installed (packaging/),
    else a file:// URI of the packaged picture, else ""."""
    homes = [os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")]
    homes += (os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
    for home in filter(None, homes):
        apps = Path(home, "icons", "hicolor")
        if any((apps / size / "apps" / f"{APP_ID}{ext}").is_file()
               for size in ("scalable", "64x64", "48x48") for ext in (".svg", ".png")):
            return APP_ID
    try:
        icon = resource_path("microsession-64.png")
        return Path(str(icon)).resolve().as_uri() if icon.is_file() else ""
    except Exception:  # noqa: BLE001
        return ""


class FreedesktopNotifier(Notifier):
    """org.freedesktop.Notifications through jeepney, read by a QSocketNotifier."""
    backend = "freedesktop"
    SETUP_TIMEOUT_S = 1.0  # connect + Hello + NameHasOwner + AddMatch, all together
    REPLY_TIMEOUT_MS = 5000  # no answer to Notify in this time -> this one goes to the fallback
    RECONNECT_S = 30.0  # after a failure, the next notification tries again after this long

    def __init__(self, fallback: Notifier, parent: QObject | None = None) -> None:
        """Connect now (bounded by SETUP_TIMEOUT_S); raise if there is no bus or no service."""
        super().__init__(parent)
        from jeepney import DBusAddress

        self._addr = DBusAddress(_PATH, bus_name=_NAME, interface=_NAME)
        self._fallback = fallback
        self._icon = icon_ref()
        self._bus: Bus | None = None
        self._reader: QSocketNotifier | None = None
        self._retry_at = 0.0  # monotonic time after which a lost service is tried again
        self._shut = False
        self._timer = QTimer(self, singleShot=True, interval=self.REPLY_TIMEOUT_MS)  # read now
        self._timer.timeout.connect(lambda: self._degrade("no reply from the notification service"))
        self._connect()

    def _connect(self) -> None:
        from jeepney import MatchRule, message_bus

        deadline = time.monotonic() + self.SETUP_TIMEOUT_S
        bus = Bus(deadline)
        try:
            bus.hello(deadline)
            if not bus.call(message_bus.NameHasOwner(_NAME), deadline)[0]:
                if _NAME not in bus.call(message_bus.ListActivatableNames(), deadline)[0]:
                    raise LookupError("no notification service on the session bus")
            rule = MatchRule(type="signal", interface=_NAME, path=_PATH)
            bus.call(message_bus.AddMatch(rule), deadline)
        except BaseException:
            bus.close()
            raise
        self._bus = bus
        self.backend = "freedesktop"
        self._markup = False  # plain text unless GetCapabilities lists "body-markup"
        self._actions = True  # until GetCapabilities says otherwise
        self._id = 0  # the server's id of our notification on screen, 0 if none
        self._pending: dict[int, str] = {}  # reply serial -> "notify" | "close" | "caps"
        self._next: Request | str | None = None  # latest notify() or "close" while in flight
        self._last: Request | None = None  # re-shown by the fallback if D-Bus fails
        self._reader = QSocketNotifier(bus.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._reader.activated.connect(self._on_readable)
        # The first Notify waits for the capabilities (actions? markup?): "in flight" till then.
        self._inflight = self._send("caps", "GetCapabilities")
        if self._inflight:
            self._timer.start()  # a service that never answers is given up like a silent Notify

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = (),
               sound: bool = False) -> None:
        request = (summary, body, tuple((str(k), str(v)) for k, v in actions), bool(sound))
        if self._bus is None and not self._shut and time.monotonic() >= self._retry_at:
            try:
                self._connect()
                _log.info("freedesktop notifications back")
            except Exception as exc:  # noqa: BLE001 - still no service: later
                self._retry_at = time.monotonic() + self.RECONNECT_S
                _log.info("freedesktop notifications still off (%s)", exc)
        self._last = request
        if self._bus is None:
            self._fallback.notify(*request)
        elif self._inflight:
            self._next = request
        else:
            self._send_notify(request)

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
        self._shut = True
        self._stop()
        self._fallback.shutdown()  # so later calls are no-ops there too
        self.backend = "none"

    def _send_notify(self, request: Request) -> None:
        summary, body, actions, sound = request
        if self._markup:
            import html  # here: its entity table costs ~1 MB, and most servers take plain text

            body = html.escape(body, quote=False)
        flat = [part for action in actions for part in action] if self._actions else []
        hints = dict(_HINTS)
        hints.update({"sound-name": ("s", "complete")} if sound else {"suppress-sound": ("b", True)})
        args = ("Micro-Session", self._id, self._icon, summary, body, flat, hints, -1)
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
            elif what == "caps":
                if kind is MessageType.method_return:
                    self._markup = "body-markup" in msg.body[0]
                    self._actions = "actions" in msg.body[0]
                self._inflight = False
                self._timer.stop()
                self._after_reply()
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
            # the bus answered (the service quit, or is restarting): try again at the next one
            self._degrade("the notification service refused Notify", retry_after=0.0)
            return
        self._id = int(body[0])
        self._after_reply()
        self.delivered.emit(int(body[0]))

    def _after_reply(self) -> None:
        after, self._next = self._next, None
        if after == "close":
            self.close()
        elif isinstance(after, tuple):
            self._send_notify(after)

    def _degrade(self, why: str, retry_after: float | None = None) -> None:
        """This notification goes to the fallback; the next one tries D-Bus again after
        `retry_after` s (RECONNECT_S when the bus itself may hang: a connect waits up to 1 s)."""
        if self._bus is None:
            return
        _log.warning("freedesktop notifications off (%s); using %s", why, self._fallback.backend)
        self._stop()
        self._retry_at = time.monotonic() + (self.RECONNECT_S if retry_after is None else retry_after)
        self.backend = self._fallback.backend
        if self._last is not None:
            self._fallback.notify(*self._last)

    def _stop(self) -> None:
        self._timer.stop()
        if self._reader is not None:
            self._reader.setEnabled(False)
            self._reader.deleteLater()
            self._reader = None
        if self._bus is not None:
            self._bus.close()
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
