"""Small fake D-Bus services for tests: a thread that owns a name on a private bus and
answers method calls from a table of handlers (member -> (signature, handler(body) -> tuple)),
and can emit signals. Calls are recorded in order."""

from __future__ import annotations

import os
import select
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def read_line(fd: int, timeout: float, what: str) -> str:
    """Read one line from a pipe, waiting at most ``timeout`` seconds."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"{what} did not start within {timeout} s")
        chunk = os.read(fd, 1)
        if not chunk:
            raise RuntimeError(f"{what} exited before it was ready")
        data += chunk
    return data.decode().strip()


def start_bus(folder: Path, services: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A private bus (its own config: no system service directories, so nothing installed gets
    D-Bus-activated behind the test's back); ``--nofork`` keeps dbus-daemon our child, so the
    caller can reap it. Returns the process and the address."""
    folder.mkdir(parents=True, exist_ok=True)
    if services is None:
        services = folder / "bus-services"
        services.mkdir(exist_ok=True)
    config = folder / "bus.conf"
    config.write_text(BUS_CONFIG.format(services=services))
    proc = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        return proc, read_line(proc.stdout.fileno(), 10, "dbus-daemon")
    except BaseException:
        proc.kill()
        proc.wait()
        raise


class FakeService(threading.Thread):
    def __init__(self, address: str, name: str,
                 methods: dict[str, tuple[str | None, Callable[[tuple], tuple]]]) -> None:
        from jeepney import message_bus
        from jeepney.io.blocking import open_dbus_connection

        super().__init__(daemon=True)
        self.conn = open_dbus_connection(bus=address)
        reply = self.conn.send_and_get_reply(message_bus.RequestName(name), timeout=5)
        assert reply.body == (1,), f"could not own {name}"
        self.methods = methods
        self.calls: list[tuple[str, tuple]] = []  # (member, body)
        self.notifies: list[tuple[str, tuple]] = []  # (signature, body) of each Notify
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        while not self._halt.is_set():
            try:
                msg = self.conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            except OSError:
                return
            if msg.header.message_type is not MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "Get":  # org.freedesktop.DBus.Properties.Get(interface, name)
                member = f"Get:{msg.body[1]}"
            self.calls.append((member, msg.body))
            if member == "Notify":
                self.notifies.append((msg.header.fields.get(HeaderFields.signature), msg.body))
            handler = self.methods.get(member)
            with self._lock:
                if handler is None:
                    self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (member,)))
                else:
                    signature, fn = handler
                    out = fn(msg.body)
                    self.conn.send(new_method_return(msg, signature, out) if signature else new_method_return(msg))

    def emit(self, path: str, interface: str, member: str, signature: str | None = None, body: tuple = ()) -> None:
        from jeepney import DBusAddress, new_signal

        with self._lock:
            self.conn.send(new_signal(DBusAddress(path, interface=interface), member, signature, body))

    def stop(self) -> None:
        self._halt.set()
        self.join(5)
        self.conn.close()


def notification_server(address: str, server_name: str, extra: dict | None = None) -> FakeService:
    """org.freedesktop.Notifications that says it is `server_name` and accepts Notify."""
    methods = {
        "GetServerInformation": ("ssss", lambda body: (server_name, "test", "1.0", "1.2")),
        "GetCapabilities": ("as", lambda body: (["actions", "body"],)),
        "Notify": ("u", lambda body: (7,)),
        "CloseNotification": (None, lambda body: ()),
        **(extra or {}),
    }
    service = FakeService(address, "org.freedesktop.Notifications", methods)
    service.start()
    return service


SESSION_PATH = "/org/freedesktop/login1/session/_31"


def fake_logind(address: str) -> FakeService:
    """org.freedesktop.login1 on a (system-like) private bus: our session is SESSION_PATH.
    `sleep(b)` and `lock()` / `unlock()` emit what logind emits."""
    service = FakeService(address, "org.freedesktop.login1", {
        "GetSessionByPID": ("o", lambda body: (SESSION_PATH,)),
        "GetSession": ("o", lambda body: (SESSION_PATH,)),
    })
    service.start()
    return service


def login1_sleep(service: FakeService, going: bool) -> None:
    service.emit("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep", "b", (going,))


def login1_lock(service: FakeService, locked: bool, path: str = SESSION_PATH) -> None:
    service.emit(path, "org.freedesktop.login1.Session", "Lock" if locked else "Unlock")
