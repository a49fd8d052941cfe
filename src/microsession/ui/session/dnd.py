"""Do not disturb while focusing: other apps' notifications held back during a focus session.

The backend is picked at run time from who serves notifications (GetServerInformation) and
the desktop: GNOME (gsettings show-banners), KDE (the Notifications Inhibit call), dunst
(dunstctl set-paused), mako (makoctl mode), swaync (swaync-client --dnd-on/off). Before the
desktop's state is changed, a record of what to put back is written to the data folder
(core.dnd_plan); the next start puts it back after a crash. Nothing here blocks longer than
a tool's TIMEOUT_S; a tool that fails is told once and do-not-disturb stays off for the run.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from microsession.core.dnd_plan import RECORD_NAME, Record, choose
from microsession.trace import trace

_log = logging.getLogger(__name__)
TIMEOUT_S = 2.0
APP_ID = "io.github.microsession.MicroSession"
_GNOME = ("org.gnome.desktop.notifications", "show-banners")
_MAKO_MODE = "do-not-disturb"


class BackendError(Exception):
    """A do-not-disturb tool or call failed (one line for the user)."""


def _run(*argv: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"{argv[0]} failed ({exc})") from None
    if done.returncode != 0:
        raise BackendError(f"{' '.join(argv[:2])} failed: {(done.stderr or done.stdout).strip()[:200]}")
    return done.stdout.strip()


class Backend:
    """One desktop's switch. `state()` is what to restore; `quiet(state)` whether it means
    do-not-disturb is on; `turn_on()`; `restore(state)`."""
    name = ""

    def state(self) -> str:
        raise NotImplementedError

    def quiet(self, state: str) -> bool:
        return state == "true"

    def turn_on(self) -> None:
        raise NotImplementedError

    def restore(self, before: str) -> None:
        raise NotImplementedError


class Dunst(Backend):
    name = "dunst"

    def state(self) -> str:
        return _run("dunstctl", "is-paused")

    def turn_on(self) -> None:
        _run("dunstctl", "set-paused", "true")

    def restore(self, before: str) -> None:
        _run("dunstctl", "set-paused", "true" if before == "true" else "false")


class Swaync(Backend):
    name = "swaync"

    def state(self) -> str:
        return _run("swaync-client", "--get-dnd", "--skip-wait")

    def turn_on(self) -> None:
        _run("swaync-client", "--dnd-on", "--skip-wait")

    def restore(self, before: str) -> None:
        _run("swaync-client", "--dnd-on" if before == "true" else "--dnd-off", "--skip-wait")


class Mako(Backend):
    name = "mako"

    def state(self) -> str:
        return "true" if _MAKO_MODE in _run("makoctl", "mode").split() else "false"

    def turn_on(self) -> None:
        _run("makoctl", "mode", "-a", _MAKO_MODE)

    def restore(self, before: str) -> None:
        if before != "true":
            _run("makoctl", "mode", "-r", _MAKO_MODE)


class Gnome(Backend):
    name = "gnome"

    def state(self) -> str:
        return _run("gsettings", "get", *_GNOME)  # "true": banners shown

    def quiet(self, state: str) -> bool:
        return state == "false"

    def turn_on(self) -> None:
        _run("gsettings", "set", *_GNOME, "false")

    def restore(self, before: str) -> None:
        _run("gsettings", "set", *_GNOME, "false" if before == "false" else "true")


class Kde(Backend):
    """Inhibit() on org.freedesktop.Notifications; it lasts while our connection does, so a
    crash ends it by itself (restore after a crash has nothing to do)."""
    name = "kde"

    def __init__(self) -> None:
        self._conn = None
        self._cookie = 0

    def _call(self, conn, method: str, signature: str | None = None, body: tuple = ()) -> tuple:
        from jeepney import DBusAddress, new_method_call

        addr = DBusAddress("/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                           "org.freedesktop.Notifications")
        try:
            reply = conn.send_and_get_reply(new_method_call(addr, method, signature, body), timeout=TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - timeout, connection reset
            raise BackendError(f"{method} failed ({exc})") from None
        if reply.header.message_type.name == "error":
            raise BackendError(f"{method} failed: {reply.body[0] if reply.body else reply.header.fields}")
        return reply.body

    def state(self) -> str:
        from jeepney import DBusAddress, Properties

        conn = self._conn or _open_session()
        try:
            addr = DBusAddress("/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                               "org.freedesktop.Notifications")
            reply = conn.send_and_get_reply(Properties(addr).get("Inhibited"), timeout=TIMEOUT_S)
            value = reply.body[0][1] if reply.header.message_type.name == "method_return" else False
            return "true" if value is True else "false"
        except Exception as exc:  # noqa: BLE001
            raise BackendError(f"cannot read Inhibited ({exc})") from None
        finally:
            if conn is not self._conn:
                conn.close()

    def turn_on(self) -> None:
        if self._conn is None:
            self._conn = _open_session()
        self._cookie = int(self._call(self._conn, "Inhibit", "ssa{sv}", (APP_ID, "Focus session", {}))[0])

    def restore(self, before: str) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return  # after a crash: the server ended our inhibition with our connection
        try:
            if self._cookie:
                self._call(conn, "UnInhibit", "u", (self._cookie,))
        finally:
            self._cookie = 0
            conn.close()


def _open_session():
    from jeepney.io.blocking import open_dbus_connection

    from microsession.ui.session.bus import session_address

    try:
        return open_dbus_connection(bus=session_address(), auth_timeout=TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - no bus, refused, timeout
        raise BackendError(f"no session bus ({exc})") from None


BACKENDS: dict[str, Callable[[], Backend]] = {"dunst": Dunst, "mako": Mako, "swaync": Swaync,
                                              "gnome": Gnome, "kde": Kde}


def server_name() -> str:
    """Who serves notifications (GetServerInformation's name), "" if unknown."""
    from jeepney import DBusAddress, new_method_call

    try:
        conn = _open_session()
    except BackendError:
        return ""
    try:
        addr = DBusAddress("/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                           "org.freedesktop.Notifications")
        reply = conn.send_and_get_reply(new_method_call(addr, "GetServerInformation"), timeout=TIMEOUT_S)
        return str(reply.body[0]) if reply.header.message_type.name == "method_return" else ""
    except Exception:  # noqa: BLE001
        return ""
    finally:
        conn.close()


def detect() -> Backend | None:
    name = choose(server_name(), os.environ.get("XDG_CURRENT_DESKTOP", ""), lambda t: shutil.which(t) is not None)
    return BACKENDS[name]() if name else None


class DoNotDisturb:
    """Turns the desktop's do-not-disturb on and off for us, keeping the restore record."""

    def __init__(self, folder: Path | None, tell: Callable[[str], None]) -> None:
        self.record_path = Path(folder) / RECORD_NAME if folder is not None else None
        self._tell = tell
        self._backend: Backend | None = None
        self._detected = False
        self._broken = False
        self.on = False  # we turned it on and have not put it back yet

    @property
    def backend(self) -> Backend | None:
        if not self._detected:
            self._detected = True
            self._backend = detect()
            trace("dnd_backend", name=self._backend.name if self._backend else None)
        return self._backend

    def want(self, on: bool) -> None:
        """On while a focus session runs (if the setting asks), off otherwise."""
        if on == self.on or self._broken:
            return
        try:
            self._turn_on() if on else self._put_back()
        except (BackendError, OSError) as exc:
            self._broken = True
            self._tell(f"Do not disturb could not be switched ({exc}); it stays as it is for now.")

    def desktop_quiet(self) -> bool:
        """The desktop is in do-not-disturb (the user's own, not ours): no chime then."""
        if self.on or self._broken or self.backend is None:
            return self.on
        try:
            return self.backend.quiet(self.backend.state())
        except BackendError:
            return False

    def restore_leftover(self) -> None:
        """At start-up: put back what a crash left switched (the record), then forget it."""
        if self.record_path is None or not self.record_path.exists():
            return
        try:
            record = Record.from_json(self.record_path.read_text(encoding="utf-8"))
            BACKENDS[record.backend]().restore(record.before)
            trace("dnd_restored", backend=record.backend, before=record.before, leftover=True)
        except (ValueError, OSError, BackendError) as exc:
            _log.warning("cannot restore do-not-disturb from %s: %s", self.record_path, exc)
        self._forget()

    def _turn_on(self) -> None:
        backend = self.backend
        if backend is None:
            self._broken = True  # nothing to switch here: say so once, when asked the first time
            self._tell("Do not disturb is not available on this desktop (GNOME, KDE, dunst, mako, swaync).")
            return
        before = backend.state()
        if backend.quiet(before):
            return  # already quiet by the user's choice: leave it, and leave it after
        self._write(Record(backend.name, before))  # first the record, then the change
        try:
            backend.turn_on()
        except BackendError:
            try:  # it may have half-happened (a tool that timed out): put back what was
                backend.restore(before)
                self._forget()
            except BackendError:
                pass  # the record stays: the next start tries again
            raise
        self.on = True
        trace("dnd_on", backend=backend.name, before=before)

    def _put_back(self) -> None:
        self.on = False
        record = self._read()
        if record is not None and self.backend is not None:
            self.backend.restore(record.before)
            trace("dnd_off", backend=record.backend, before=record.before)
        self._forget()

    def _read(self) -> Record | None:
        try:
            return Record.from_json(self.record_path.read_text(encoding="utf-8")) if self.record_path else None
        except (OSError, ValueError):
            return None

    def _write(self, record: Record) -> None:
        if self.record_path is None:
            return
        tmp = self.record_path.with_name(f".{RECORD_NAME}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, record.to_json().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.record_path)
        if hasattr(os, "O_DIRECTORY"):
            dfd = os.open(self.record_path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def _forget(self) -> None:
        if self.record_path is not None:
            try:
                self.record_path.unlink()
            except FileNotFoundError:
                pass
