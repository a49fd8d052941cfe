"""The app's side of the control socket: the commands, answered on the GUI thread.

control_instance.claim_instance() made this process the instance (the lock) before any tray
icon existed, and app.py loads this module with the first command that comes to the socket
(idle memory); `serve()` answers on it from a QSocketNotifier: nothing
runs while no client connects (no polling), reads never block, a client has
CLIENT_TIMEOUT_MS to send one line of at most MAX_LINE bytes, and a malformed request gets
an error reply. POSIX uses Python's socket module (QtNetwork costs start-up memory);
Windows uses QLocalServer with user-only access.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from microsession.control import protocol as protocol
from microsession.control.client import IS_WINDOWS, pipe_name
from microsession.control.instance import MAX_CLIENTS, Claim, accept_unix, peer_uid
from microsession.core.session import Action
from microsession.trace import trace

CLIENT_TIMEOUT_MS = 2000
REFUSALS = {  # (action, state) -> why not; else by action alone
    (Action.PAUSE, "paused"): "the session is paused already",
    (Action.PAUSE, "break"): "a break cannot be paused (skip it, or stop)",
    (Action.RESUME, "running"): "the session is running already",
    Action.PAUSE: "no session is running",
    Action.RESUME: "nothing is paused",
    Action.STOP: "no session to stop",
    Action.SKIP_BREAK: "no break to skip",
}
STARTS = {"task": "start_task", "type": "start_batch", "stack": "start_stack"}


def serve(claimed: Claim, shell: Any) -> QObject:
    """Answer commands for `shell` on the claimed socket (opened here if it is not yet); the
    server is a child of `shell`. OSError if the socket cannot be opened."""
    parent = shell if isinstance(shell, QObject) else None
    if IS_WINDOWS:
        return LocalControlServer(claimed, shell, parent)
    claimed.listen()
    return ControlServer(claimed, shell, parent)


# --- answering ---------------------------------------------------------------------------------
def status_of(shell: Any) -> dict[str, Any]:
    s = shell.c.snapshot()
    state = s.state.value
    preparing = getattr(getattr(shell, "starts", None), "preparing", None)
    if state == "idle" and callable(preparing) and preparing():
        state = "preparing"
    remaining = s.time_text if s.phase not in ("idle", "done") else ""
    return protocol.status(state, s.phase, s.remaining_s, remaining, s.fraction_left, s.title, s.task,
                           getattr(s, "step_text", ""))


def answer(shell: Any, line: bytes) -> tuple[dict[str, Any], bool]:
    """The reply to one request line, and whether the app should quit once it is sent."""
    try:
        message = protocol.check_request(protocol.decode(line))
    except protocol.ProtocolError as exc:
        return protocol.error(str(exc)), False
    cmd = message["cmd"]
    try:
        reply = _do(shell, message)
    except ValueError as exc:  # the shell's "cannot start now", with its sentence
        reply = protocol.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug must not take the app down with it
        reply = protocol.error(f"the app could not do that ({type(exc).__name__}: {exc})")
    trace("control", cmd=cmd, ok=reply["ok"])
    return reply, cmd == "quit" and reply["ok"]


def _do(shell: Any, message: dict[str, Any]) -> dict[str, Any]:
    cmd, c = message["cmd"], shell.c
    if cmd == "start":
        target = next((k for k in STARTS if k in message), None)
        if target is None:
            shell.start_minutes(message.get("minutes", c.settings.default_minutes))
        else:
            start = getattr(shell, STARTS[target], None)
            if start is None:
                return protocol.error(f"starting on a {target} is not available in this version")
            start(message[target], *([message["minutes"]] if "minutes" in message else []))  # a batch's length
    elif cmd in ("pause", "resume", "stop", "skip-break"):
        action = Action(cmd.replace("-", "_"))
        if not c.can(action):
            return protocol.error(REFUSALS.get((action, c.engine.state.value), REFUSALS[action]))
        if cmd == "stop" and c.in_stack():
            c.stop_all()
        else:
            getattr(c, action.value)()
    elif cmd == "show":
        shell.show_ring()
    elif cmd == "quit":
        return protocol.ok()
    return protocol.ok(status_of(shell))


# --- POSIX: Python sockets on the GUI thread -------------------------------------------------
class _Client:
    def __init__(self, fd: int, notifier: QSocketNotifier, timer: QTimer) -> None:
        self.fd, self.notifier, self.timer, self.data = fd, notifier, timer, b""


class ControlServer(QObject):
    def __init__(self, claimed: Claim, shell: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        assert claimed.listen_fd >= 0
        self.claimed, self.shell = claimed, shell
        self._clients: dict[int, _Client] = {}
        self._notifier = QSocketNotifier(claimed.listen_fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        for client in list(self._clients.values()):
            self._drop(client)

    def _accept(self) -> None:
        for _ in range(MAX_CLIENTS):
            try:
                fd = accept_unix(self.claimed.listen_fd)
            except OSError:
                return
            if fd is None:
                return
            if len(self._clients) >= MAX_CLIENTS or peer_uid(fd) not in (None, os.getuid()):
                os.close(fd)
                continue
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            timer = QTimer(self)
            timer.setSingleShot(True)
            client = _Client(fd, notifier, timer)
            self._clients[id(client)] = client
            notifier.activated.connect(lambda *_a, cl=client: self._read(cl))
            timer.timeout.connect(lambda cl=client: self._drop(cl))
            timer.start(CLIENT_TIMEOUT_MS)

    def _read(self, client: _Client) -> None:
        try:
            chunk = os.read(client.fd, protocol.MAX_LINE + 1 - len(client.data))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(client)
            return
        client.data += chunk
        if b"\n" in client.data or (not chunk and client.data):
            self._reply(client, client.data.split(b"\n", 1)[0])
        elif not chunk:
            self._drop(client)  # closed without a word
        elif len(client.data) >= protocol.MAX_LINE:
            self._reply(client, None)

    def _reply(self, client: _Client, line: bytes | None) -> None:
        client.notifier.setEnabled(False)
        if line is None:
            _drain(client.fd)  # closing on unread bytes would reset the line before it is read
            reply, quit_after = protocol.error(f"a request is longer than {protocol.MAX_LINE} bytes"), False
        else:
            reply, quit_after = answer(self.shell, line)
        try:
            os.write(client.fd, protocol.encode(reply))  # a few hundred bytes: fits the socket buffer
        except OSError:
            pass
        self._drop(client)
        if quit_after:
            QTimer.singleShot(0, self.shell.quit)

    def _drop(self, client: _Client) -> None:
        if self._clients.pop(id(client), None) is None:
            return
        client.timer.stop()
        client.notifier.setEnabled(False)
        os.close(client.fd)
        client.notifier.deleteLater()
        client.timer.deleteLater()


def _drain(fd: int, limit: int = 1 << 20) -> None:
    """Read (and drop) what has arrived already, at most `limit` bytes; never waits."""
    for _ in range(limit // 65536):
        try:
            if not os.read(fd, 65536):
                return
        except OSError:  # BlockingIOError: nothing more yet
            return


# --- Windows: QLocalServer, reachable by this user only ---------------------------------------
class LocalControlServer(QObject):
    def __init__(self, claimed: Claim, shell: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self.shell = shell
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.setMaxPendingConnections(MAX_CLIENTS)
        if not self.server.listen(pipe_name(claimed.folder)):
            print(f"microsession: no control from outside ({self.server.errorString()})", file=sys.stderr)
        self.server.newConnection.connect(self._accept)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            conn = self.server.nextPendingConnection()
            QTimer.singleShot(CLIENT_TIMEOUT_MS, conn, conn.abort)
            conn.readyRead.connect(lambda c=conn: self._read(c))

    def _read(self, conn) -> None:
        if not conn.canReadLine() and conn.bytesAvailable() < protocol.MAX_LINE:
            return
        line = bytes(conn.readLine(protocol.MAX_LINE + 1)).split(b"\n", 1)[0]
        reply, quit_after = answer(self.shell, line) if len(line) < protocol.MAX_LINE else (
            protocol.error(f"a request is longer than {protocol.MAX_LINE} bytes"), False)
        conn.write(protocol.encode(reply))
        conn.flush()
        conn.disconnectFromServer()
        conn.deleteLater()
        if quit_after:
            QTimer.singleShot(0, self.shell.quit)
