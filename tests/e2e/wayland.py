"""A private, real Wayland desktop for end-to-end tests and benchmarks: headless sway.

``Sway`` starts, in a work directory of its own, sway with wlroots' headless backend
(``WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman``, no Xwayland, so a
window that shows is a Wayland window) and a private D-Bus session bus. sway refuses to run
as root ("Unable to drop root"): as root it runs as ``nobody`` (setpriv) in a runtime folder
of that user; programs on this desktop keep a runtime folder of their own and reach the
compositor by the socket's absolute path (``WAYLAND_DISPLAY=/…/wayland-1``).

Input: a virtual pointer of our own clicks (zwlr_virtual_pointer_v1, as the headless
seat has no pointer),
``wtype`` types (a virtual keyboard), ``swaymsg -t get_tree`` tells which window has the
keyboard, ``grim`` takes screenshots. Every wait polls a condition with a time-out.
``serve_watcher`` stands in for a Wayland bar's tray (a StatusNotifierWatcher on the
private bus), so Qt makes a StatusNotifierItem and the app runs as a tray app.
No pytest import here, so benchmarks can use it too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from desktop import _Proc, Desktop
from microsession.schedule.wayland_idle import _message, _string

T = TypeVar("T")
REQUIRED = ("sway", "swaymsg", "wtype", "grim", "dbus-daemon")
NOBODY = 65534
APT = "sway wtype grim dbus (and Qt's libwayland-client0 libwayland-cursor0 libxkbcommon0)"


def missing() -> list[str]:
    return [name for name in REQUIRED if shutil.which(name) is None]


def walk(node: dict):
    yield node
    for child in node.get("nodes", []) + node.get("floating_nodes", []):
        yield from walk(child)


class VirtualPointer:
    """A pointer device of our own (zwlr_virtual_pointer_v1): the headless seat has none,
    and without one no client gets a wl_pointer. Kept for the desktop's life, so the seat's
    pointer does not come and go."""

    BUTTONS = {"button1": 0x110, "button3": 0x111}  # BTN_LEFT, BTN_RIGHT

    def __init__(self, socket_path: str, width: int, height: int) -> None:
        self.width, self.height, self._next = width, height, 2
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(30)
        self._sock.connect(socket_path)
        self._buf = b""
        registry = self._new()
        self._sock.sendall(_message(1, 1, struct.pack("=I", registry)))
        globals_ = {}
        for obj, opcode, args in self._roundtrip():
            if obj == registry and opcode == 0:
                name, length = struct.unpack_from("=II", args)
                globals_[args[8:8 + length - 1].decode()] = name
        manager, self._pointer = self._new(), self._new()
        bind = lambda name, iface, new: _message(registry, 0, struct.pack("=I", name) + _string(iface)
                                                  + struct.pack("=II", 1, new))
        self._sock.sendall(bind(globals_["zwlr_virtual_pointer_manager_v1"], "zwlr_virtual_pointer_manager_v1",
                                manager)
                           + _message(manager, 0, struct.pack("=II", 0, self._pointer)))  # seat: default
        list(self._roundtrip())

    def _new(self) -> int:
        self._next += 1
        return self._next - 1

    def _roundtrip(self):
        callback = self._new()
        self._sock.sendall(_message(1, 0, struct.pack("=I", callback)))
        while True:
            while len(self._buf) < 8 or len(self._buf) < struct.unpack_from("=II", self._buf)[1] >> 16:
                chunk = self._sock.recv(4096)
                if not chunk:
                    raise OSError("the compositor closed the virtual pointer's connection")
                self._buf += chunk
            obj, word = struct.unpack_from("=II", self._buf)
            args, self._buf = self._buf[8:word >> 16], self._buf[word >> 16:]
            if obj == 1 and word & 0xFFFF == 0:
                raise RuntimeError(f"Wayland protocol error: {args[12:]!r}")
            if obj == callback:
                return
            yield obj, word & 0xFFFF, args

    def _send(self, opcode: int, *values: int) -> None:
        ms = int(time.monotonic() * 1000) & 0xFFFFFFFF
        self._sock.sendall(_message(self._pointer, opcode, struct.pack("=I" + "I" * len(values), ms, *values))
                           + _message(self._pointer, 4))  # frame

    def move(self, x: int, y: int) -> None:
        self._send(1, x, y, self.width, self.height)  # motion_absolute
        list(self._roundtrip())

    def button(self, button: str, pressed: bool) -> None:
        self._send(2, self.BUTTONS[button], int(pressed))
        list(self._roundtrip())

    def click(self, x: int, y: int, button: str = "button1") -> None:
        self.move(x, y)
        self.button(button, True)
        self.button(button, False)

    def close(self) -> None:
        self._sock.close()


class Sway:
    """Headless sway + a private bus. ``env``: the environment for programs on it."""

    def __init__(self, workdir: Path, width: int = 1280, height: int = 800) -> None:
        self.workdir = Path(workdir)
        self.width, self.height = width, height
        self._daemons: list[_Proc] = []
        self._spawned: list[_Proc] = []
        self.env: dict[str, str] = {}
        self.socket = self.ipc = ""
        self._sway_dir: Path | None = None
        self.pointer: VirtualPointer | None = None

    def __enter__(self) -> "Sway":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- start and stop ------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> "Sway":
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        root = os.geteuid() == 0
        # sway's own folder: under /tmp, as `nobody` cannot pass pytest's 0700 tmp folders
        sway_runtime = self._sway_dir = Path(tempfile.mkdtemp(prefix="ms-sway-"))
        if root:
            os.chown(sway_runtime, NOBODY, NOBODY)
        config = sway_runtime / "sway.cfg"
        config.write_text(f"output HEADLESS-1 resolution {self.width}x{self.height}\n"
                          "xwayland disable\nfocus_follows_mouse no\n")
        config.chmod(0o644)
        base = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK", "DBUS_SESSION_BUS_ADDRESS",
                             "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")}
        sway_env = {**base, "XDG_RUNTIME_DIR": str(sway_runtime), "HOME": str(sway_runtime),
                    "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman"}
        argv = ["sway", "-c", str(config)]
        if root:
            argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]
        self._daemons.append(self._popen("sway", argv, sway_env))
        deadline = time.monotonic() + timeout

        def sockets() -> tuple[str, str] | None:
            if self._daemons[0].popen.poll() is not None:
                raise RuntimeError(f"sway did not start\n{self.context()}")
            names = os.listdir(sway_runtime)
            way = [n for n in names if n.startswith("wayland-") and not n.endswith(".lock")]
            ipc = [n for n in names if n.startswith("sway-ipc.")]
            return (str(sway_runtime / way[0]), str(sway_runtime / ipc[0])) if way and ipc else None

        self.socket, self.ipc = self.wait_for(sockets, deadline - time.monotonic(), what="sway's sockets")
        runtime = self.workdir / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {**base, "XDG_RUNTIME_DIR": str(runtime), "WAYLAND_DISPLAY": self.socket, "SWAYSOCK": self.ipc,
               "XDG_SESSION_TYPE": "wayland", "NO_AT_BRIDGE": "1"}
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
            (self.workdir / "home" / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.workdir / "home" / sub)
        self.env = env
        bus = self._popen("dbus", ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env,
                          stdout=subprocess.PIPE)
        self._daemons.append(bus)
        address = bus.popen.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError(f"dbus-daemon gave no address\n{self.context()}")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        self.wait_for(lambda: self.tree() is not None, deadline - time.monotonic(), what="sway's IPC")
        self.pointer = VirtualPointer(self.socket, self.width, self.height)

    def _popen(self, name: str, argv: Sequence[str], env: Mapping[str, str], stdout=None) -> _Proc:
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(list(argv), env=dict(env), stdin=subprocess.DEVNULL,
                                     stdout=log if stdout is None else stdout, stderr=log,
                                     start_new_session=True, cwd=self.workdir)
        return _Proc(name, popen, log_path, own_group=True)

    def spawn(self, argv: Sequence[str], extra_env: Mapping[str, str] | None = None,
              log_path: Path | None = None) -> subprocess.Popen:
        """Run a program on this desktop; stopped by ``stop`` (newest first)."""
        name = Path(argv[0]).name if len(argv) == 1 else Path(argv[-1]).stem
        proc = self._popen(f"spawn-{len(self._spawned) + 1}-{name}", argv, {**self.env, **(extra_env or {})})
        if log_path is not None:
            proc.log_path.rename(log_path)
            proc.log_path = log_path
        self._spawned.append(proc)
        return proc.popen

    def stop(self) -> None:
        if self.pointer is not None:
            self.pointer.close()
            self.pointer = None
        for proc in list(reversed(self._spawned)) + list(reversed(self._daemons)):
            Desktop._terminate(proc)
        self._spawned.clear()
        self._daemons.clear()
        if self._sway_dir is not None:
            shutil.rmtree(self._sway_dir, ignore_errors=True)
            self._sway_dir = None

    # ---- waiting and looking --------------------------------------------------------
    def wait_for(self, predicate: Callable[[], T], timeout: float = 30.0, what: str = "condition",
                 interval: float = 0.05) -> T:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.context()}")
            time.sleep(interval)

    def context(self) -> str:
        lines = [f"sway: socket={self.socket} workdir={self.workdir}"]
        for proc in self._daemons + self._spawned:
            lines += ["  " + proc.status(), proc.log_tail()]
        return "\n".join(line for line in lines if line)

    def swaymsg(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(["swaymsg", "-s", self.ipc, *args], capture_output=True, text=True, timeout=30)
        if check and out.returncode != 0:
            raise RuntimeError(f"swaymsg {args}: {out.stdout}{out.stderr}")
        return out.stdout

    def tree(self) -> dict | None:
        out = subprocess.run(["swaymsg", "-s", self.ipc, "-t", "get_tree"], capture_output=True, text=True,
                             timeout=30)
        return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else None

    def windows(self) -> list[dict]:
        """Every window (view) on screen: name, app_id, focused, rect, shell."""
        return [n for n in walk(self.tree() or {}) if n.get("type") in ("con", "floating_con")
                and (n.get("app_id") is not None or n.get("shell"))]

    def window(self, name: str) -> dict | None:
        return next((w for w in self.windows() if w.get("name") == name), None)

    def focused(self) -> str | None:
        """The title of the window that has the keyboard."""
        return next((w.get("name") for w in self.windows() if w.get("focused")), None)

    def focus(self, title: str) -> None:
        self.swaymsg(f'[title="^{title}$"] focus')
        self.wait_for(lambda: self.focused() == title, 10, what=f"{title!r} focused")

    def click(self, x: int, y: int, button: str = "button1") -> None:
        """A real pointer click (our virtual pointer, through the compositor's seat)."""
        self.pointer.click(x, y, button)

    def type(self, *args: str) -> None:
        """``wtype ARGS`` on this compositor. A new virtual keyboard's first key can reach a
        client before its keymap does and be dropped, so a Shift goes first, and wtype
        itself waits 100 ms after it (-s) and 10 ms between keys (-d)."""
        subprocess.run(["wtype", "-d", "10", "-k", "Shift_L", "-s", "100", *args], env=self.env,
                       check=True, timeout=60)

    def screenshot(self, path: Path | str, rect: dict | None = None) -> Path:
        """The screen (or `rect` of it) as a PNG, the pointer moved out of the way first."""
        if self.pointer is not None:
            self.pointer.move(self.width - 1, self.height - 1)
        argv = ["grim"]
        if rect is not None:
            argv += ["-g", f"{rect['x']},{rect['y']} {rect['width']}x{rect['height']}"]
        subprocess.run([*argv, str(path)], env=self.env, check=True, timeout=30)
        return Path(path)

    @staticmethod
    def read_trace(path: Path) -> list[dict]:
        return Desktop.read_trace(path)


def serve_watcher(address: str) -> list[str]:
    """A StatusNotifierWatcher that says a host is there and accepts every item (the SNI
    host of tests/e2e/sni_host.py, serving until the bus stops). Returns the items registered
    so far, a list it keeps filling (each program's icon registers one)."""
    from sni_host import SniHost

    return SniHost(address).start().items

