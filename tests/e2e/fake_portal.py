"""A stand-in for xdg-desktop-portal's Settings on a private D-Bus session (jeepney): it
answers ``ReadAll`` / ``ReadOne`` / ``Read`` for ``org.freedesktop.appearance color-scheme``
(0 no preference, 1 dark, 2 light) and sends ``SettingChanged`` when `set_scheme` is called,
which is what GNOME does when the user flips its dark style. Qt reads it with
XDG_CURRENT_DESKTOP=GNOME (QGnomeTheme)."""

from __future__ import annotations

import threading

from jeepney import DBusAddress, HeaderFields, MessageType, message_bus, new_error, new_method_return, new_signal
from jeepney.io.blocking import open_dbus_connection
from sni_host import serve

PORTAL = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SETTINGS = "org.freedesktop.portal.Settings"
NAMESPACE = "org.freedesktop.appearance"


class FakePortal:
    def __init__(self, bus_address: str, scheme: int = 2) -> None:
        self.scheme = scheme
        self.reads = 0
        self._conn = open_dbus_connection(bus_address)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fake-portal", daemon=True)

    def __enter__(self) -> "FakePortal":
        reply = self._conn.send_and_get_reply(message_bus.RequestName(PORTAL, 4), timeout=5)
        if reply.body[0] != 1:
            raise RuntimeError(f"could not own {PORTAL}")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._conn.close()

    def set_scheme(self, scheme: int) -> None:
        self.scheme = scheme
        self._conn.send(new_signal(DBusAddress(PATH, interface=SETTINGS), "SettingChanged", "ssv",
                                   (NAMESPACE, "color-scheme", ("u", scheme))))

    def _loop(self) -> None:
        serve(self._conn, self._stop, self._answer)

    def _answer(self, msg) -> None:
        if msg.header.message_type is not MessageType.method_call:
            return
        member = msg.header.fields.get(HeaderFields.member)
        value = ("u", self.scheme)
        if member == "ReadAll":
            self.reads += 1
            reply = new_method_return(msg, "a{sa{sv}}", ({NAMESPACE: {"color-scheme": value}},))
        elif member == "ReadOne":
            reply = new_method_return(msg, "v", (value,))
        elif member == "Read":
            reply = new_method_return(msg, "v", (("v", value),))
        else:
            reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))
        self._conn.send(reply)
