"""Can the app show itself here? Checked before Qt is imported, which would abort (rc 134)
with a misleading line ("xcb-cursor0 is needed" when icccm or keysyms is what is missing).

Linux and the BSDs only: on Windows and macOS there is always a display. One line for the
user, naming what to install (Debian / Fedora packages), or None when Qt can start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

# What Qt's xcb platform plugin links (ldd libqxcb.so / libQt6XcbQpa.so.6), beyond libxcb
# itself: (library, Debian package, Fedora package).
XCB_LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    ("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    ("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    ("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    ("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    ("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    ("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    ("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    ("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    ("libxcb.so.1", "libxcb1", "libxcb"),
)
NOT_X11 = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")


def problem(env: Mapping[str, str] | None = None,
            libraries: Sequence[tuple[str, str, str]] = XCB_LIBRARIES) -> str | None:
    """Why the app cannot open a window here, in one line; None when it can (or we cannot tell)."""
    if sys.platform in ("win32", "darwin"):
        return None
    env = os.environ if env is None else env
    platform = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].split(";", 1)[0].strip()
    if platform.startswith(NOT_X11) or platform.startswith("wayland"):
        return None  # Qt's own plugins that need no X libraries (wayland: Qt says what is wrong)
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not platform and not x11:
        if wayland:
            return None
        return ("no display to show the timer on (DISPLAY and WAYLAND_DISPLAY are not set): start it in your"
                " desktop session; the commands status, stats, tasks, export and backup need none")
    missing = [lib for lib in libraries if not _loads(lib[0])]
    if missing:
        if not platform and wayland:
            return None  # Qt falls back to Wayland
        debian = " ".join(dict.fromkeys(m[1] for m in missing))
        fedora = " ".join(dict.fromkeys(m[2] for m in missing))
        names = ", ".join(m[0] for m in missing)
        return (f"Qt cannot use the X display: {names} missing; install them"
                f" (Debian/Ubuntu: apt install {debian}; Fedora: dnf install {fedora})")
    if x11 and not _x_answers(x11):
        return f"cannot connect to the X display {x11!r}: is it running, and may this user use it (xhost, XAUTHORITY)?"
    return None


def _loads(name: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(name, mode=os.RTLD_LAZY)
        return True
    except OSError:
        return False


def _x_answers(display: str) -> bool:
    """An X server answers at `display` (libxcb, which Qt loads anyway: about a millisecond)."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # cannot tell: Qt will say
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return conn is not None and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn:
            xcb.xcb_disconnect(conn)
