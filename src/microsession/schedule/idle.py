"""Idle time (seconds since the last keyboard or mouse input) for "back at the desk" rules.

Sources, tried in order for the platform; the first that answers is used:
- Linux on Wayland: the compositor's ext-idle-notify-v1 (or org_kde_kwin_idle), see
  schedule/wayland_idle.py; X11's extension is not tried there (Xwayland sees only the
  input of X clients, so it would call a typing user idle);
- Linux, Wayland/X11 under GNOME: Mutter's IdleMonitor over D-Bus (jeepney);
- Linux, KDE and others: org.freedesktop.ScreenSaver.GetSessionIdleTime over D-Bus;
- X11: the MIT-SCREEN-SAVER extension through libXss (ctypes);
- Windows: GetLastInputInfo; macOS: CGEventSourceSecondsSinceLastEventType (ctypes).
None answering -> rules of this kind show core.triggers.NOT_AVAILABLE.
A source is read on the scheduler's worker thread; it touches nothing of Qt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

DBUS_TIMEOUT_S = 1.0


class IdleUnavailable(Exception):
    """This source does not work here."""


class IdleSource(Protocol):
    name: str

    def idle_seconds(self) -> float:
        """Seconds since the last input; IdleUnavailable when the source stopped working."""


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [("window", ctypes.c_ulong), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong), ("eventMask", ctypes.c_ulong)]


class XScreenSaverSource:
    name = "X11 MIT-SCREEN-SAVER"

    def __init__(self, display: str | None = None) -> None:
        display = display or os.environ.get("DISPLAY")
        if not display:
            raise IdleUnavailable("no X display")
        try:
            xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
            xss = ctypes.CDLL(ctypes.util.find_library("Xss") or "libXss.so.1")
        except OSError as exc:
            raise IdleUnavailable(f"libXss or libX11 missing ({exc})") from None
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        xlib.XDefaultRootWindow.restype = ctypes.c_ulong
        xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        xlib.XFree.argtypes = [ctypes.c_void_p]
        xss.XScreenSaverQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
        xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
        xss.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_XScreenSaverInfo)]
        self._xlib, self._xss = xlib, xss
        self._dpy = xlib.XOpenDisplay(display.encode())
        if not self._dpy:
            raise IdleUnavailable(f"cannot open X display {display}")
        event, error = ctypes.c_int(), ctypes.c_int()
        if not xss.XScreenSaverQueryExtension(self._dpy, ctypes.byref(event), ctypes.byref(error)):
            self.close()
            raise IdleUnavailable("the X server has no MIT-SCREEN-SAVER extension")
        self._info = xss.XScreenSaverAllocInfo()
        self._root = xlib.XDefaultRootWindow(self._dpy)

    def idle_seconds(self) -> float:
        if not self._dpy or not self._xss.XScreenSaverQueryInfo(self._dpy, self._root, self._info):
            raise IdleUnavailable("XScreenSaverQueryInfo failed")
        return self._info.contents.idle / 1000.0

    def close(self) -> None:
        if getattr(self, "_info", None):
            self._xlib.XFree(self._info)
            self._info = None
        if self._dpy:
            self._xlib.XCloseDisplay(self._dpy)
            self._dpy = None


class DBusIdleSource:
    """One D-Bus method that answers idle time: (bus name, path, interface, method, unit in s)."""

    MUTTER = ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
              "org.gnome.Mutter.IdleMonitor", "GetIdletime", 0.001)
    FREEDESKTOP = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                   "org.freedesktop.ScreenSaver", "GetSessionIdleTime", 1.0)

    def __init__(self, which: tuple[str, str, str, str, float], address: str | None = None) -> None:
        try:
            from jeepney import DBusAddress, new_method_call
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            raise IdleUnavailable("jeepney is not installed") from None
        self.name = f"D-Bus {which[0]}"
        self._msg = lambda: new_method_call(DBusAddress(which[1], bus_name=which[0], interface=which[2]), which[3])
        self._unit = which[4]
        address = address or os.environ.get("DBUS_SESSION_BUS_ADDRESS") or "SESSION"
        try:
            self._conn = open_dbus_connection(bus=address, auth_timeout=DBUS_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - no bus, refused, bad address
            raise IdleUnavailable(f"no session bus ({exc})") from None
        try:
            self.idle_seconds()  # raises IdleUnavailable when nobody answers
        except IdleUnavailable:
            self._conn.close()
            raise

    def idle_seconds(self) -> float:
        try:
            reply = self._conn.send_and_get_reply(self._msg(), timeout=DBUS_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a D-Bus error reply, a time-out, a closed bus
            raise IdleUnavailable(f"{self.name}: {exc}") from None
        if not reply.body or isinstance(reply.body[0], bool) or not isinstance(reply.body[0], int):
            raise IdleUnavailable(f"{self.name}: unexpected reply")
        return reply.body[0] * self._unit

    def close(self) -> None:
        self._conn.close()


class _LastInputInfo(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint)]


class WindowsIdleSource:
    name = "Windows GetLastInputInfo"

    def __init__(self) -> None:
        try:
            self._user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            self._kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        except AttributeError:
            raise IdleUnavailable("not Windows") from None
        self.idle_seconds()

    def idle_seconds(self) -> float:
        info = _LastInputInfo(ctypes.sizeof(_LastInputInfo), 0)
        if not self._user32.GetLastInputInfo(ctypes.byref(info)):
            raise IdleUnavailable("GetLastInputInfo failed")
        return ((self._kernel32.GetTickCount() - info.dwTime) & 0xFFFFFFFF) / 1000.0


class MacIdleSource:
    name = "macOS CGEventSource"

    def __init__(self) -> None:
        path = "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices"
        try:
            cg = ctypes.CDLL(path)
        except OSError:
            raise IdleUnavailable("ApplicationServices not found") from None
        self._fn = cg.CGEventSourceSecondsSinceLastEventType
        self._fn.restype, self._fn.argtypes = ctypes.c_double, [ctypes.c_int32, ctypes.c_uint32]
        self.idle_seconds()

    def idle_seconds(self) -> float:
        # kCGEventSourceStateCombinedSessionState = 0, kCGAnyInputEventType = ~0
        return float(self._fn(0, 0xFFFFFFFF))


def wayland_source() -> IdleSource:
    from microsession.schedule import wayland_idle

    try:
        return wayland_idle.WaylandIdleSource()
    except wayland_idle.IdleUnavailable as exc:
        raise IdleUnavailable(str(exc)) from None


Factory = Callable[[], IdleSource]


def candidates(platform: str, env: Mapping[str, str]) -> list[tuple[str, Factory]]:
    """The sources worth trying on a platform, in order (names for messages and tests)."""
    if platform == "win32":
        return [("windows", WindowsIdleSource)]
    if platform == "darwin":
        return [("macos", MacIdleSource)]
    found: list[tuple[str, Factory]] = []
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    if wayland:
        found.append(("wayland", wayland_source))
    if env.get("DBUS_SESSION_BUS_ADDRESS") or env.get("XDG_RUNTIME_DIR"):
        found += [("mutter", lambda: DBusIdleSource(DBusIdleSource.MUTTER)),
                  ("freedesktop", lambda: DBusIdleSource(DBusIdleSource.FREEDESKTOP))]
    if env.get("DISPLAY") and not wayland:
        found.append(("x11", XScreenSaverSource))
    return found


def first_working(options: Sequence[tuple[str, Factory]]) -> tuple[IdleSource | None, list[str]]:
    """The first source that builds and answers, and why the others did not."""
    reasons = []
    for name, make in options:
        try:
            return make(), reasons
        except IdleUnavailable as exc:
            reasons.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a source must never take the app down
            reasons.append(f"{name}: {type(exc).__name__}: {exc}")
    return None, reasons


def system_source() -> IdleSource | None:
    """The idle source of this system, or None where none works."""
    return first_working(candidates(sys.platform, os.environ))[0]
