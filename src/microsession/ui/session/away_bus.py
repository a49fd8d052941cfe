"""Where "the user has gone" comes from: D-Bus signals read on the Qt main thread (jeepney).

* the system bus: logind's ``PrepareForSleep(b)`` (the machine sleeps / woke up) and our
  session's ``Lock`` / ``Unlock`` (the session found by ``GetSessionByPID``, else by
  ``XDG_SESSION_ID``);
* the session bus: ``ActiveChanged(b)`` of org.freedesktop.ScreenSaver (KDE, Xfce, ...) and of
  org.gnome.ScreenSaver.

Either bus may be missing (a container, no logind): the other still works, and with none
nothing is ever reported. Setup is bounded (SETUP_TIMEOUT_S each); then only reads.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from microsession.ui.session.bus import Bus, session_address, system_address

_log = logging.getLogger(__name__)
LOGIN1 = "org.freedesktop.login1"
_MANAGER = ("/org/freedesktop/login1", LOGIN1, "org.freedesktop.login1.Manager")
_SESSION_IFACE = "org.freedesktop.login1.Session"
_SCREENSAVERS = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")


class AwaySignals(QObject):
    away = Signal(str)  # why: "sleep" | "lock" | "screensaver"
    back = Signal(str)
    SETUP_TIMEOUT_S = 1.0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watched: list[tuple[Bus, QSocketNotifier]] = []
        self.session_path = ""  # our logind session's object path, if found
        for what, setup in (("system", self._watch_system), ("session", self._watch_session)):
            try:
                setup()
            except Exception as exc:  # noqa: BLE001 - no bus, no logind, timeout, refused
                _log.info("no away signals from the %s bus (%s)", what, exc)

    @property
    def sources(self) -> int:
        return len(self._watched)

    def close(self) -> None:
        for bus, reader in self._watched:
            reader.setEnabled(False)
            bus.close()
        self._watched.clear()

    def _connect(self, address: str) -> tuple[Bus, float]:
        deadline = time.monotonic() + self.SETUP_TIMEOUT_S
        bus = Bus(deadline, address)
        try:
            bus.hello(deadline)
        except BaseException:
            bus.close()
            raise
        return bus, deadline

    def _watch_system(self) -> None:
        from jeepney import DBusAddress, MatchRule, message_bus, new_method_call

        bus, deadline = self._connect(system_address())
        try:
            if not bus.call(message_bus.NameHasOwner(LOGIN1), deadline)[0]:
                raise LookupError("no logind on the system bus")
            manager = DBusAddress(*_MANAGER)
            try:
                self.session_path = str(bus.call(new_method_call(manager, "GetSessionByPID", "u", (os.getpid(),)),
                                                 deadline)[0])
            except Exception:  # noqa: BLE001 - e.g. started by systemd --user: not in a session
                if os.environ.get("XDG_SESSION_ID"):
                    self.session_path = str(bus.call(new_method_call(
                        manager, "GetSession", "s", (os.environ["XDG_SESSION_ID"],)), deadline)[0])
            bus.call(message_bus.AddMatch(MatchRule(type="signal", sender=LOGIN1, interface=_MANAGER[2],
                                                    member="PrepareForSleep")), deadline)
            if self.session_path:
                bus.call(message_bus.AddMatch(MatchRule(type="signal", sender=LOGIN1, interface=_SESSION_IFACE,
                                                        path=self.session_path)), deadline)
        except BaseException:
            bus.close()
            raise
        self._add(bus)

    def _watch_session(self) -> None:
        from jeepney import MatchRule, message_bus

        bus, deadline = self._connect(session_address())
        try:
            for iface in _SCREENSAVERS:
                bus.call(message_bus.AddMatch(MatchRule(type="signal", interface=iface, member="ActiveChanged")),
                         deadline)
        except BaseException:
            bus.close()
            raise
        self._add(bus)

    def _add(self, bus: Bus) -> None:
        reader = QSocketNotifier(bus.sock.fileno(), QSocketNotifier.Type.Read, self)
        reader.activated.connect(lambda *_: self._read(bus, reader))
        self._watched.append((bus, reader))

    def _read(self, bus: Bus, reader: QSocketNotifier) -> None:
        try:
            messages = bus.read_available()
        except Exception as exc:  # noqa: BLE001 - the bus went away: no more signals from it
            _log.info("away signals lost (%s)", exc)
            reader.setEnabled(False)
            bus.close()
            self._watched = [(b, r) for b, r in self._watched if b is not bus]
            return
        for msg in messages:
            try:
                self._handle(msg)
            except Exception:  # noqa: BLE001 - a malformed signal from someone else
                _log.exception("cannot handle an away signal")

    def _handle(self, msg: Any) -> None:
        from jeepney import HeaderFields, MessageType

        fields = msg.header.fields
        if msg.header.message_type is not MessageType.signal:
            return
        iface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if iface == _MANAGER[2] and member == "PrepareForSleep" and msg.body:
            (self.away if msg.body[0] else self.back).emit("sleep")
        elif iface == _SESSION_IFACE and fields.get(HeaderFields.path) == self.session_path:
            if member == "Lock":
                self.away.emit("lock")
            elif member == "Unlock":
                self.back.emit("lock")
        elif iface in _SCREENSAVERS and member == "ActiveChanged" and msg.body:
            (self.away if msg.body[0] else self.back).emit("screensaver")
