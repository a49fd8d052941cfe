"""A private, real X desktop for end-to-end tests and benchmarks.

``Desktop`` starts, in a work directory of its own:

* **Xvfb** at 24-bit depth; ``-displayfd`` lets the X server pick a free display number,
  so parallel runs never collide;
* a private **D-Bus session bus** (``dbus-daemon --session --nofork``), so nothing from the
  developer's own session (a StatusNotifierWatcher, a notification daemon, a screensaver)
  leaks in. This also matters for the tray: Qt on Linux uses a StatusNotifierItem over
  D-Bus when ``org.kde.StatusNotifierWatcher`` exists on the session bus; on the private bus
  it does not, so Qt falls back to the XEmbed tray that trayer hosts;
* **trayer**, an XEmbed system-tray host docked at the top right of the screen;
* **dunst**, a notification daemon with a test configuration: notifications never expire,
  they are stacked at the bottom right (away from the tray and its menus), and the context
  menu is a script of ours, which lets a test choose a notification's action
  (``invoke_notification_action``).

Every helper polls a condition with a timeout; there are no fixed sleeps. Processes are
ended by their saved PIDs (and their own process group for ``spawn``-ed children); ``stop``
is idempotent and safe after a half-failed ``start``.

The module has no pytest import, so benchmarks can use it too::

    with Desktop(Path(tmp)) as desk:            # start() ... stop()
        proc = desk.spawn([sys.executable, "benchmarks/bare_tray.py"],
                          extra_env={"MICROSESSION_TRACE": str(trace)})
        rec = desk.wait_trace(trace, "tray_visible")
        desk.click(rec["x"] + rec["w"] // 2, rec["y"] + rec["h"] // 2)
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: External programs the desktop needs (ImageMagick's import is checked by full path).
REQUIRED_BINARIES: tuple[str, ...] = (
    "Xvfb", "dbus-daemon", "dbus-send", "trayer", "dunst", "dunstctl", "xdotool",
)

#: ImageMagick's own ``import``, by full path: a stand-in ``convert`` (and maybe ``import``)
#: can come first on PATH on some machines.
IMAGEMAGICK_IMPORT = "/usr/bin/import"

#: The trayer command line (an XEmbed tray host in a 32 px panel at the top-right corner).
TRAYER_ARGV: tuple[str, ...] = (
    "trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
    "--height", "32", "--SetDockType", "true",
)

# Variables removed from the children's environment because they would point Qt (or GTK,
# or dunst) at something other than our private desktop, or change its geometry.
_ENV_REMOVE: tuple[str, ...] = (
    "DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XAUTHORITY", "SESSION_MANAGER",
    "DBUS_SESSION_BUS_ADDRESS", "DBUS_SESSION_BUS_PID", "DBUS_SESSION_BUS_WINDOWID",
    "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION",
    "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID",
    "QT_QPA_PLATFORM", "QT_QPA_PLATFORMTHEME", "QT_STYLE_OVERRIDE",
    "QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR",
    "QT_ENABLE_HIGHDPI_SCALING", "QT_FONT_DPI", "QT_DEVICE_PIXEL_RATIO",
    "QT_QPA_FONTDIR", "QT_XCB_GL_INTEGRATION",
    "MICROSESSION_TRACE",  # never inherit the caller's trace file; pass it via extra_env
)

# dunst's test configuration. Placeholders: {dmenu}.
_DUNSTRC = """\
# dunst configuration for end-to-end tests (written by tests/e2e/desktop.py).
[global]
    # Where dunst (and mako, GNOME, XFCE) put them by default: the top right, here just
    # below the 32 px tray panel. The ring opens clear of them (ui/session/ring_place.py).
    origin = top-right
    offset = 10x42
    width = 300
    font = Monospace 8
    # No icons: the test machine has no icon theme (dunst would warn on every notification).
    icon_position = off
    enable_recursive_icon_lookup = false
    # Show every notification (no "(N more)" queue); no idle-time behaviour.
    notification_limit = 0
    idle_threshold = 0
    show_age_threshold = -1
    sticky_history = yes
    history_length = 100
    # The context menu ("dunstctl context") runs our script instead of dmenu; see
    # Desktop.invoke_notification_action.
    dmenu = {dmenu}
    browser = /bin/true
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current
    mouse_right_click = close_all

# Timeouts of 0: notifications stay until closed or an action is chosen.
[urgency_low]
    timeout = 0
    default_icon = ""
[urgency_normal]
    timeout = 0
    default_icon = ""
[urgency_critical]
    timeout = 0
    default_icon = ""
"""

# dunst pipes the context menu to this script on stdin, one line per choice, e.g.
#     #Skip (Session done) [2,skip]
#     #Start (Session done) [2,start]
# (the format is "#<label> (<summary>) [<id>,<action key>]", the last line without a
# newline; URLs in bodies come as plain lines) and takes what it prints as the choice.
# A request is the file $DIR/want: a request id on the first line, the prefix of the line to
# choose on the second. The script takes it atomically (mv), so each request is served once
# even if dunst runs the menu twice; with no request it chooses nothing. It records what it
# was offered (offered.<id>) and chose (chosen.<id>, empty if nothing matched).
# stdin is always read to the end: dunst writes the menu before reading the answer.
_DMENU_SCRIPT = """\
#!/bin/sh
# dmenu stand-in for dunst's context menu (written by tests/e2e/desktop.py).
DIR={dir}
if ! mv "$DIR/want" "$DIR/taken.$$" 2>/dev/null; then
    cat > /dev/null   # no request: choose nothing (dunst logs "Didn't receive input")
    exit 0
fi
{{ IFS= read -r ID; IFS= read -r WANT; }} < "$DIR/taken.$$"
rm -f "$DIR/taken.$$"
cat > "$DIR/offered.$ID"
export WANT
# First line starting with $WANT (ENVIRON: no escape processing, unlike awk -v).
awk 'index($0, ENVIRON["WANT"]) == 1 {{ print; exit }}' "$DIR/offered.$ID" > "$DIR/chosen.$ID.tmp"
mv -f "$DIR/chosen.$ID.tmp" "$DIR/chosen.$ID"
cat "$DIR/chosen.$ID"
"""

_live_desktops: "weakref.WeakSet[Desktop]" = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    """Last resort: stop desktops a caller forgot (or could not) stop."""
    for desk in list(_live_desktops):
        with contextlib.suppress(Exception):
            desk.stop()


def missing_binaries(names: Iterable[str] = REQUIRED_BINARIES) -> list[str]:
    """The programs among ``names`` (plus ImageMagick's import) not found on this machine."""
    missing = [n for n in names if shutil.which(n) is None]
    if not os.access(IMAGEMAGICK_IMPORT, os.X_OK):
        missing.append(IMAGEMAGICK_IMPORT)
    return missing


class CommandError(subprocess.CalledProcessError):
    """A helper command failed; unlike its base class, its message includes stderr."""

    def __str__(self) -> str:
        return f"{super().__str__()} stderr: {(self.stderr or '').strip()!r}"


class _X11:
    """Tiny ctypes binding to libX11: only what readiness checks need."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("X11") or "libX11.so.6"
        lib = ctypes.CDLL(name)
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        lib.XInternAtom.restype = ctypes.c_ulong
        lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.XGetSelectionOwner.restype = ctypes.c_ulong
        lib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def selection_owner(self, display: str, selection: str) -> int:
        """The window owning ``selection`` on ``display`` (0 if none or no connection)."""
        dpy = self.lib.XOpenDisplay(display.encode())
        if not dpy:
            return 0
        try:
            atom = self.lib.XInternAtom(dpy, selection.encode(), 0)
            return int(self.lib.XGetSelectionOwner(dpy, atom))
        finally:
            self.lib.XCloseDisplay(dpy)


class _Proc:
    """A process this desktop started, with its log."""

    def __init__(self, name: str, popen: subprocess.Popen, log_path: Path | None,
                 own_group: bool) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.own_group = own_group  # started with start_new_session: pgid == pid

    def status(self) -> str:
        rc = self.popen.poll()
        return f"{self.name} (pid {self.popen.pid}): " + (
            "running" if rc is None else f"exited with {rc}")

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None:
            return ""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        tail = text.splitlines()[-lines:]
        return "\n".join("    | " + line for line in tail)


class Desktop:
    """A private X desktop: Xvfb (-displayfd, free display), a private D-Bus session bus,
    trayer (XEmbed tray host), dunst (notification daemon, test config).

    ``env`` is the environment for programs run on this desktop: ``os.environ`` plus
    DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR (a 0700 dir), QT_QPA_PLATFORM=xcb,
    XDG config/data/state/cache homes inside the work directory (so the app under test
    never reads or writes the developer's real settings and database), minus variables
    that would confuse Qt (see ``_ENV_REMOVE``). It is complete once ``start`` returns.

    Usable as a context manager (``with Desktop(path) as desk:``).
    """

    def __init__(self, workdir: Path, width: int = 1280, height: int = 800,
                 xembed_tray: bool = True) -> None:
        self.xembed_tray = xembed_tray  # False: no trayer (an SNI host, a late tray, no tray)
        self.workdir = Path(workdir).resolve()
        self.width = width
        self.height = height
        self.display: str | None = None          # ":N" once Xvfb runs
        self.bus_address: str | None = None
        self.env: dict[str, str] = {}
        self._daemons: list[_Proc] = []           # in start order; stopped in reverse
        self._spawned: list[_Proc] = []
        self._spawn_count = 0
        self._request_id = 0  # invoke_notification_action's requests to the dmenu script
        self._x11: _X11 | None = None
        self._dunst_dir = self.workdir / "dunst"
        self._dmenu_dir = self._dunst_dir / "dmenu"
        self._setpriv = shutil.which("setpriv")
        #: The tray host's command line (an attribute so a test can break or replace it).
        self.trayer_argv: list[str] = list(TRAYER_ARGV)
        _live_desktops.add(self)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> "Desktop":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 20.0) -> "Desktop":
        """Start Xvfb, the bus, trayer and dunst; return when all are ready.

        Ready means: the Notifications name is owned on the bus, trayer's window exists and
        trayer owns the ``_NET_SYSTEM_TRAY_S0`` selection (what Qt looks for). On any
        failure everything already started is stopped before the error propagates.
        """
        if self._daemons:
            raise RuntimeError("desktop already started")
        missing = missing_binaries()
        if missing:
            raise FileNotFoundError(f"desktop programs not found: {', '.join(missing)}")
        deadline = time.monotonic() + timeout
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
            self._build_base_env()
            self._start_xvfb(deadline)
            self._start_bus(deadline)
            self._write_dunst_config()
            self._start_daemon("dunst", ["dunst", "-config", str(self._dunst_dir / "dunstrc")])
            if self.xembed_tray:
                self.start_tray(max(0.1, deadline - time.monotonic()))
            self.wait_for(lambda: self._daemons_alive() and self._notifications_owned(),
                          timeout=max(0.1, deadline - time.monotonic()),
                          what="dunst to own org.freedesktop.Notifications")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything this desktop started: spawned programs first (newest first),
        then dunst, trayer, the bus and Xvfb. Waits until each is gone. Idempotent."""
        procs = list(reversed(self._spawned)) + list(reversed(self._daemons))
        for proc in procs:
            self._terminate(proc)
        self._spawned.clear()
        self._daemons.clear()

    @staticmethod
    def _terminate(proc: _Proc, grace: float = 5.0) -> None:
        """SIGTERM, wait up to ``grace`` s, then SIGKILL; for a process in its own group,
        also SIGKILL whatever of its group is left (its own children)."""
        popen = proc.popen
        was_running = popen.poll() is None
        if was_running:
            with contextlib.suppress(ProcessLookupError):
                popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    popen.kill()
                popen.wait(timeout=grace)
        if proc.own_group and was_running:
            # The group id is the pid of the child we started (just reaped, so not yet
            # reusable as a new group's id); what is left there are its own descendants.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(popen.pid, signal.SIGKILL)
        for stream in (popen.stdin, popen.stdout, popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    # ------------------------------------------------------------------ start helpers

    def _build_base_env(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _ENV_REMOVE}
        runtime = self.workdir / "xdg-runtime"
        runtime.mkdir(exist_ok=True)
        runtime.chmod(0o700)  # Qt warns about (and ignores) a runtime dir that is not 0700
        env["XDG_RUNTIME_DIR"] = str(runtime)
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
            path = self.workdir / "home" / sub
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        env["QT_QPA_PLATFORM"] = "xcb"
        env["NO_AT_BRIDGE"] = "1"  # no accessibility bus lookups (GTK/dunst deps)
        self.env = env

    def _popen(self, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path | None,
               new_session: bool, stdout: Any = None, pass_fds: Sequence[int] = ()
               ) -> subprocess.Popen:
        """Start a process; with setpriv available it gets SIGTERM when the thread that
        started it dies, so a killed test run does not leave an X server behind. (Caveat
        of PR_SET_PDEATHSIG: start desktops from a thread that outlives them.)"""
        argv = [str(a) for a in argv]
        if self._setpriv:
            argv = [self._setpriv, "--pdeathsig", "TERM", "--", *argv]
        log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL
        try:
            return subprocess.Popen(
                argv, env=dict(env), stdin=subprocess.DEVNULL,
                stdout=log if stdout is None else stdout, stderr=log,
                pass_fds=tuple(pass_fds), start_new_session=new_session, cwd=self.workdir,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # the child has its own copy

    def _start_daemon(self, name: str, argv: Sequence[str], **kw: Any) -> _Proc:
        log_path = self.workdir / f"{name}.log"
        popen = self._popen(argv, env=self.env, log_path=log_path, new_session=True, **kw)
        proc = _Proc(name, popen, log_path, own_group=True)
        self._daemons.append(proc)
        return proc

    def _read_line(self, fd: int, proc: _Proc, deadline: float, what: str) -> str:
        """Read one line from ``fd`` (a pipe from ``proc``) before ``deadline``."""
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out waiting for {what}\n{self._context()}")
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.1))
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:  # EOF: the process closed the pipe (probably died)
                    proc.popen.poll()
                    raise RuntimeError(f"{proc.name} closed its pipe before giving {what}"
                                       f" ({proc.status()})\n{proc.log_tail()}")
                data += chunk
            elif proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.status()} before giving {what}\n{proc.log_tail()}")
        return data.split(b"\n", 1)[0].decode().strip()

    def _start_xvfb(self, deadline: float) -> None:
        read_fd, write_fd = os.pipe()
        try:
            proc = self._start_daemon(
                "xvfb",
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                 f"{self.width}x{self.height}x24", "-nolisten", "tcp", "-noreset",
                 "-dpi", "96"],
                pass_fds=[write_fd],
            )
            os.close(write_fd)
            write_fd = -1
            # Xvfb writes the display number once it accepts connections.
            number = self._read_line(read_fd, proc, deadline, "Xvfb's display number")
        finally:
            if write_fd >= 0:
                os.close(write_fd)
            os.close(read_fd)
        self.display = f":{int(number)}"
        self.env["DISPLAY"] = self.display

    def _start_bus(self, deadline: float) -> None:
        # --nofork: the pid we hold is the daemon itself; it prints its address once it
        # listens. The default session config listens on unix:tmpdir=/tmp (a short path,
        # whatever the length of workdir).
        proc = self._start_daemon(
            "dbus", ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
        )
        assert proc.popen.stdout is not None
        address = self._read_line(proc.popen.stdout.fileno(), proc, deadline,
                                  "the D-Bus session bus address")
        proc.popen.stdout.close()  # nothing more is printed there
        self.bus_address = address
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address

    def _write_dunst_config(self) -> None:
        self._dmenu_dir.mkdir(parents=True, exist_ok=True)
        script = self._dunst_dir / "dmenu.sh"
        script.write_text(_DMENU_SCRIPT.format(dir=_sh_quote(str(self._dmenu_dir))))
        script.chmod(0o755)
        # dunst splits the dmenu value like a shell would: quote the path.
        (self._dunst_dir / "dunstrc").write_text(_DUNSTRC.format(dmenu=_sh_quote(str(script))))

    def start_tray(self, timeout: float = 20.0) -> None:
        """Start trayer (at start, or later: a panel that comes up after the app)."""
        self._start_daemon("trayer", self.trayer_argv)
        self.wait_for(lambda: self._daemons_alive() and self._trayer_ready(), timeout=timeout,
                      what="trayer's window and the _NET_SYSTEM_TRAY_S0 selection")

    def _daemons_alive(self) -> bool:
        """True, or RuntimeError if a daemon has exited (fail fast instead of timing out)."""
        for proc in self._daemons:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.status()} during start\n{self._context()}")
        return True

    def _trayer_ready(self) -> bool:
        if not self._xdotool_ok(["search", "--classname", "^trayer$"]):
            return False
        if self._x11 is None:
            self._x11 = _X11()
        assert self.display is not None
        return self._x11.selection_owner(self.display, "_NET_SYSTEM_TRAY_S0") != 0

    def _notifications_owned(self) -> bool:
        out = self._run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"],
            check=False)
        return out.returncode == 0 and "boolean true" in out.stdout

    # ------------------------------------------------------------------ processes

    def spawn(self, argv: Sequence[str | os.PathLike[str]],
              extra_env: Mapping[str, str] | None = None,
              log_path: Path | None = None) -> subprocess.Popen:
        """Run a program on this desktop (``self.env`` + ``extra_env``), stdout and stderr
        to ``log_path`` (default: ``workdir/spawn-N-<name>.log``). It runs in its own
        process group and is stopped by ``stop``."""
        if not self._daemons:
            raise RuntimeError("desktop not started (or already stopped)")
        self._spawn_count += 1
        name = Path(str(argv[0])).name
        if log_path is None:
            log_path = self.workdir / f"spawn-{self._spawn_count}-{name}.log"
        env = dict(self.env)
        env.update(extra_env or {})
        popen = self._popen(argv, env=env, log_path=Path(log_path), new_session=True)
        self._spawned.append(_Proc(f"{name}#{self._spawn_count}", popen, Path(log_path),
                                   own_group=True))
        return popen

    # ------------------------------------------------------------------ waiting

    def wait_for(self, predicate: Callable[[], T], timeout: float = 30.0,
                 interval: float = 0.05, what: str = "condition") -> T:
        """Call ``predicate`` until it returns a truthy value, and return that value.

        Raises ``TimeoutError("timed out waiting for <what>")`` after ``timeout`` seconds,
        with the last value, the state of every process and the tail of their logs.
        Exceptions raised by ``predicate`` propagate.
        """
        start = time.monotonic()
        deadline = start + timeout
        while True:
            value = predicate()
            if value:
                return value
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError(
                    f"timed out waiting for {what} after {now - start:.1f} s "
                    f"(last value: {value!r})\n{self._context()}")
            time.sleep(min(interval, max(0.0, deadline - now)))

    def _context(self) -> str:
        """What a timeout message shows: each process's state and its log's tail."""
        lines = [f"desktop: display={self.display} workdir={self.workdir}"]
        for proc in self._daemons + self._spawned:
            lines.append("  " + proc.status())
            tail = proc.log_tail()
            if tail:
                lines.append(tail)
        return "\n".join(lines)

    # ------------------------------------------------------------------ trace

    @staticmethod
    def read_trace(path: Path | str) -> list[dict]:
        """The records of a MICROSESSION_TRACE file ([] if it does not exist yet).

        A last line without its newline is being written: it is left for the next read.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        records = []
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            line = line.strip()
            if line:
                records.append(json.loads(line))
        return records

    def wait_trace(self, path: Path | str, event: str, timeout: float = 30.0,
                   where: Callable[[dict], bool] = lambda rec: True) -> dict:
        """The first record of ``event`` in the trace at ``path`` for which ``where`` is
        true, waiting for it up to ``timeout`` seconds."""
        def find() -> dict | None:
            for rec in self.read_trace(path):
                if rec.get("event") == event and where(rec):
                    return rec
            return None

        try:
            return self.wait_for(find, timeout=timeout, interval=0.02,
                                 what=f"trace event {event!r} in {path}")
        except TimeoutError as exc:
            try:
                seen = self.read_trace(path)
            except (OSError, ValueError) as read_exc:
                seen_text = f"  (trace unreadable: {read_exc!r})"
            else:
                seen_text = "\n".join(f"  {json.dumps(r)}" for r in seen[-10:]) or "  (empty)"
            raise TimeoutError(f"{exc}\nlast trace records:\n{seen_text}") from None

    # ------------------------------------------------------------------ X input / windows

    def _run(self, argv: Sequence[str], check: bool = True, timeout: float = 30.0
             ) -> subprocess.CompletedProcess:
        """Run a short command on this desktop and capture its output."""
        out = subprocess.run(list(argv), env=self.env, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise CommandError(out.returncode, list(argv), out.stdout, out.stderr)
        return out

    def _xdotool(self, args: Sequence[str]) -> str:
        return self._run(["xdotool", *args]).stdout

    def _xdotool_ok(self, args: Sequence[str]) -> bool:
        return self._run(["xdotool", *args], check=False).returncode == 0

    def click(self, x: int, y: int, button: int = 1) -> None:
        """Move the pointer to (x, y) (waiting until it is there) and click ``button``
        (1 left, 2 middle, 3 right)."""
        x, y = int(x), int(y)
        if not (0 <= x < self.width and 0 <= y < self.height):
            # xdotool would clamp the pointer to the screen and then, with --sync, wait
            # ~15 s for a move that never lands.
            raise ValueError(f"({x}, {y}) is outside the {self.width}x{self.height} screen")
        if self.mouse_location() == (x, y):
            # `mousemove --sync` to where the pointer already is blocks ~15 s (xdotool
            # 3.20160805 waits for a motion that never comes): just click.
            self._xdotool(["click", str(button)])
        else:
            self._xdotool(["mousemove", "--sync", str(x), str(y), "click", str(button)])

    def move(self, x: int, y: int) -> None:
        """Move the pointer to (x, y), waiting until it is there."""
        if self.mouse_location() != (int(x), int(y)):
            self._xdotool(["mousemove", "--sync", str(int(x)), str(int(y))])

    def mouse_location(self) -> tuple[int, int]:
        """The pointer's position (``xdotool getmouselocation``)."""
        out = self._xdotool(["getmouselocation", "--shell"])
        vals = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return int(vals["X"]), int(vals["Y"])

    def key(self, *keys: str) -> None:
        """Press keys (xdotool names: ``Return``, ``Down``, ``ctrl+q``...) to the window
        that has the keyboard focus (or a grab, like an open Qt menu)."""
        self._xdotool(["key", "--delay", "20", *keys])

    def type_text(self, text: str) -> None:
        """Type ``text`` into the focused window."""
        self._xdotool(["type", "--delay", "20", "--", text])

    def window_ids(self, name_regex: str, visible_only: bool = True) -> list[str]:
        """Ids of the windows whose title matches ``name_regex`` ([] if none)."""
        args = ["search"] + (["--onlyvisible"] if visible_only else []) + ["--name", name_regex]
        out = self._run(["xdotool", *args], check=False)
        return out.stdout.split() if out.returncode == 0 else []

    def window_geometry(self, wid: str | int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of window ``wid`` in screen coordinates."""
        out = self._xdotool(["getwindowgeometry", "--shell", str(wid)])
        vals = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return int(vals["X"]), int(vals["Y"]), int(vals["WIDTH"]), int(vals["HEIGHT"])

    def activate(self, wid: str | int) -> None:
        """Raise window ``wid`` and give it the keyboard focus, waiting until it has it.

        There is no window manager, so ``xdotool windowactivate`` cannot work (it asks the
        WM through _NET_ACTIVE_WINDOW); ``windowraise`` + ``windowfocus --sync``
        (XSetInputFocus) does the job on a bare X server.
        """
        self._xdotool(["windowraise", str(wid)])
        self._xdotool(["windowfocus", "--sync", str(wid)])

    def focused_window(self) -> str:
        """The id of the window that has the keyboard focus."""
        return self._xdotool(["getwindowfocus"]).strip()

    def screenshot(self, path: Path | str) -> Path:
        """Save the whole screen as an image (format from the suffix, e.g. .png)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._run([IMAGEMAGICK_IMPORT, "-window", "root", str(path)], timeout=60.0)
        return path

    # ------------------------------------------------------------------ notifications

    def notifications_history(self) -> list[dict]:
        """Closed notifications (newest first), as dicts of plain values: ``summary``,
        ``body``, ``appname``, ``id``, ``category``, ``timeout``, ... Notifications still on
        screen are not listed (see ``notifications_displayed_count``)."""
        out = self._run(["dunstctl", "history"]).stdout
        data = json.loads(out)["data"]
        items = data[0] if data else []
        return [{k: (v.get("data") if isinstance(v, dict) else v) for k, v in item.items()}
                for item in items]

    def notifications_displayed_count(self) -> int:
        """How many notifications dunst shows right now."""
        return int(self._run(["dunstctl", "count", "displayed"]).stdout.strip())

    def notification_windows(self) -> list[tuple[int, int, int, int]]:
        """Geometries of dunst's visible notification windows ([] when none is shown).

        dunst counts a notification as displayed a few ms before its window is mapped
        and painted: before a screenshot, wait for this rather than for the count."""
        out = self._run(["xdotool", "search", "--onlyvisible", "--classname", "^Dunst$"],
                        check=False)
        wids = out.stdout.split() if out.returncode == 0 else []
        return [self.window_geometry(wid) for wid in wids]

    def close_all_notifications(self) -> None:
        """Close every displayed notification (they move to the history)."""
        self._run(["dunstctl", "close-all"])

    def invoke_notification_action(self, action_label: str, summary: str | None = None,
                                   timeout: float = 10.0) -> str:
        """Choose the action labelled ``action_label`` of a displayed notification (of the
        one with ``summary``, if given; else the first offering that label), as a user
        would in dunst's context menu. Returns the menu line chosen, e.g.
        ``#Skip (Session done) [2,skip]``, once dunst has sent ``ActionInvoked(2, "skip")``
        (to the D-Bus connection that sent the notification) and closed the notification.

        How: dunst's ``dmenu`` setting names our script; ``dunstctl context`` makes dunst
        pipe the menu to it, and the script prints the line starting with
        ``#<label> (`` (or ``#<label> (<summary>) [``), read from a request file written
        here. Raises LookupError (listing what was offered) when no line matches.

        dunst refuses a new menu while the last one is still being dispatched (50 ms
        after the script answers; it logs "Context menu already running, refusing to
        rerun"), and ``dunstctl context`` returns before the menu runs, so the request is
        re-sent every 0.5 s until the script has taken it.
        """
        start = time.monotonic()
        deadline = start + timeout

        def remaining() -> float:
            return max(0.1, deadline - time.monotonic())

        # With nothing displayed, dunst does not run the menu at all.
        self.wait_for(self.notifications_displayed_count, timeout=timeout,
                      what="a displayed notification")
        prefix = f"#{action_label} (" if summary is None else f"#{action_label} ({summary}) ["
        self._request_id += 1
        rid = str(self._request_id)
        d = self._dmenu_dir
        want = d / "want"
        tmp = d / "want.tmp"
        tmp.write_text(f"{rid}\n{prefix}\n")
        tmp.replace(want)  # atomic: the script sees a whole request or none
        chosen_file = d / f"chosen.{rid}"
        next_kick = 0.0

        def served() -> bool:
            nonlocal next_kick
            if chosen_file.exists():
                return True
            now = time.monotonic()
            if now >= next_kick and want.exists():  # not taken yet: (re)open the menu
                self._run(["dunstctl", "context"])
                next_kick = now + 0.5
            return False

        try:
            self.wait_for(served, timeout=remaining(), interval=0.01,
                          what=f"dunst to run the context-menu (dmenu) script for {prefix!r}"
                               " (is a notification with actions displayed?)")
        finally:
            with contextlib.suppress(FileNotFoundError):
                want.unlink()  # never leave a request for a later menu
        chosen = chosen_file.read_text().strip()
        if not chosen:
            offered = (d / f"offered.{rid}").read_text()
            raise LookupError(f"no notification action matches {prefix!r}...; dunst offered:\n"
                              f"{offered}")
        # Wait until dunst has dispatched it: the notification is then closed, so in the
        # history (the displayed count is no sign: the app may show a new one at once).
        match = re.search(r"\[(\d+),[^\]]*\]$", chosen)
        if match:
            nid = int(match.group(1))
            self.wait_for(lambda: any(n.get("id") == nid for n in self.notifications_history()),
                          timeout=remaining(),
                          what=f"dunst to dispatch {chosen!r} and close notification {nid}")
        return chosen


def _sh_quote(s: str) -> str:
    """Quote ``s`` for a POSIX shell (and for dunst's g_shell_parse_argv)."""
    if re.fullmatch(r"[A-Za-z0-9_./:+-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"
