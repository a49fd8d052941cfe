"""Where the running app listens for commands, who gets to be that app, and one command
sent to it. Imports no Qt.

One app per data folder: the address is derived from a hash of the resolved folder, so apps
on different folders (tests, benchmarks) never meet. POSIX: an AF_UNIX socket in
$XDG_RUNTIME_DIR (a 0700 folder of this user; the socket file itself is 0600), next to the
lock file that makes one process the instance (fcntl.flock: the kernel drops it when the
process dies, even by kill -9, so a crash never blocks the next start). Windows: a
QLocalServer name (a named pipe) and a lock file (msvcrt.locking).
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from microsession import control_protocol as protocol

IS_WINDOWS = sys.platform == "win32"
TIMEOUT_S = 5.0
# sun_path holds 108 bytes on Linux and 104 on macOS, with the final NUL.
MAX_SOCKET_PATH = 103
MAX_CLIENTS = 8  # the listening backlog, and the app's open connections
CLAIM_TIMEOUT_S = 15.0


class ControlError(Exception):
    """The app could not be reached or did not answer; the message is one line for the user."""


def folder_key(data_folder: str | os.PathLike[str]) -> str:
    """16 hex digits naming the data folder (the same folder, however it is spelled)."""
    from hashlib import sha256

    resolved = os.path.normcase(str(Path(data_folder).expanduser().resolve()))
    return sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def runtime_dir(create: bool = False) -> Path:
    """$XDG_RUNTIME_DIR, else the platform's user runtime folder (made 0700 if `create`)."""
    given = os.environ.get("XDG_RUNTIME_DIR", "")
    if given and os.path.isabs(given) and os.path.isdir(given):
        return Path(given)
    import platformdirs

    path = Path(platformdirs.user_runtime_dir("microsession", appauthor=False))
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_tmp_dir(create: bool = False) -> Path:
    """/tmp/microsession-<uid>, 0700 and ours: where a socket goes when the runtime folder's
    path is too long for one."""
    import tempfile

    path = Path(tempfile.gettempdir()) / f"microsession-{os.getuid()}"
    if create:
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path  # a client asking before any app made it: nothing listens there
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise ControlError(f"{path} is not a private folder of this user; remove it and try again")
    return path


def socket_path(data_folder: str | os.PathLike[str], create: bool = False) -> Path:
    """The AF_UNIX socket of the app that uses `data_folder` (POSIX)."""
    name = f"ms-{folder_key(data_folder)}.sock"
    path = runtime_dir(create) / name
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        path = private_tmp_dir(create) / name
    return path


def lock_path(data_folder: str | os.PathLike[str], create: bool = False) -> Path:
    return socket_path(data_folder, create).with_suffix(".lock")


def pipe_name(data_folder: str | os.PathLike[str], user: str | None = None) -> str:
    """The QLocalServer name on Windows (the pipe \\\\.\\pipe\\<name>): per user and folder."""
    from hashlib import sha256

    user = user if user is not None else os.environ.get("USERNAME", "")
    return f"microsession-{sha256(user.casefold().encode('utf-8')).hexdigest()[:8]}-{folder_key(data_folder)}"


def send(data_folder: str | os.PathLike[str], message: dict[str, Any],
         timeout: float = TIMEOUT_S) -> dict[str, Any] | None:
    """The app's checked reply to one request; None when no app listens for `data_folder`.
    ControlError when one listens but does not answer in `timeout` seconds, or answers nonsense."""
    line = protocol.encode(protocol.check_request(dict(message)))
    try:
        raw = _exchange_pipe(data_folder, line) if IS_WINDOWS else _exchange_unix(data_folder, line, timeout)
    except TimeoutError:
        raise ControlError(f"Micro-Session did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise ControlError(f"cannot talk to Micro-Session: {exc.strerror or exc}") from None
    if raw is None:
        return None
    if not raw:
        raise ControlError("Micro-Session closed the connection without an answer")
    try:
        return protocol.check_reply(protocol.decode(raw))
    except protocol.ProtocolError as exc:
        raise ControlError(str(exc)) from None


def _exchange_unix(data_folder: str | os.PathLike[str], line: bytes, timeout: float) -> bytes | None:
    path = socket_path(data_folder)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(os.fsencode(path))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            return None  # no socket, or a stale one that a crash left behind
        sock.sendall(line)
        return _read_line(sock.recv)


def _exchange_pipe(data_folder: str | os.PathLike[str], line: bytes) -> bytes | None:
    try:
        pipe = open(r"\\.\pipe" + "\\" + pipe_name(data_folder), "r+b", buffering=0)  # noqa: SIM115
    except FileNotFoundError:
        return None
    with pipe:
        pipe.write(line)
        return _read_line(pipe.read)


def _read_line(read) -> bytes:
    data = b""
    while b"\n" not in data and len(data) <= protocol.MAX_LINE:
        chunk = read(protocol.MAX_LINE + 1 - len(data))
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


def hand_over(data_dir_arg: str | None) -> bool:
    """A second launch: True if a running app for this data folder answered "show"."""
    from microsession.paths import data_dir

    try:
        return send(data_dir(data_dir_arg), {"cmd": "show"}) is not None
    except (ControlError, OSError):
        return False  # the new process claims the instance itself, and waits there


# --- the instance: claimed at app start, before any tray icon exists ---------------------------
class Claim:
    """This process is the instance for a data folder: the lock, and the listening socket."""

    def __init__(self, folder: Path, lock_fd: int, listener: socket.socket | None, path: Path | None) -> None:
        self.folder, self.lock_fd, self.listener, self.path = folder, lock_fd, listener, path
        self._inode = os.stat(path).st_ino if path is not None else None

    def close(self) -> None:
        """Remove our socket file (not a newer one), close it, then let the lock go."""
        if self.path is not None:
            try:
                if os.stat(self.path).st_ino == self._inode:
                    os.unlink(self.path)
            except OSError:
                pass
        if self.listener is not None:
            self.listener.close()
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1


class HandedOver(Exception):
    """Another instance runs for this data folder (it was told to show itself): exit with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def claim_instance(data_dir_arg: str | None) -> Claim | None:
    """At app start, before any tray icon: the Claim to serve on (None: run without control
    from outside, said on stderr), or HandedOver when another instance runs for this folder."""
    from microsession.paths import data_dir

    try:
        claimed = claim(data_dir(data_dir_arg))
    except ControlError as exc:
        print(f"microsession: {exc}", file=sys.stderr)
        raise HandedOver(1) from None
    except OSError as exc:
        print(f"microsession: no control from outside ({exc.strerror or exc})", file=sys.stderr)
        return None
    if claimed is None:
        from microsession.trace import trace

        trace("handed_over")
        raise HandedOver(0)
    return claimed


def claim(folder: Path, timeout: float = CLAIM_TIMEOUT_S) -> Claim | None:
    """Become the instance for `folder`, or return None once the instance answered "show".
    ControlError if another process holds the lock and does not answer within `timeout` s;
    OSError if the socket cannot be made (the app then runs without control)."""
    lock = lock_path(folder, create=True) if not IS_WINDOWS else Path(_windows_lock(folder))
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    deadline = time.monotonic() + timeout
    try:
        while not _try_lock(fd):
            try:
                wait = min(2.0, max(0.1, deadline - time.monotonic()))
                if send(folder, {"cmd": "show"}, timeout=wait) is not None:
                    os.close(fd)
                    return None
            except ControlError:
                pass  # starting up, or hung: wait for it, up to the deadline
            if time.monotonic() > deadline:
                raise ControlError("another Micro-Session uses this data folder but does not answer")
            time.sleep(0.05)
        if IS_WINDOWS:
            return Claim(folder, fd, None, None)
        return _listen(folder, fd)
    except BaseException:
        os.close(fd)
        raise


def _try_lock(fd: int) -> bool:
    if IS_WINDOWS:
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _windows_lock(folder: Path) -> str:
    import tempfile

    return os.path.join(tempfile.gettempdir(), pipe_name(folder) + ".lock")


def _listen(folder: Path, fd: int) -> Claim:
    path = socket_path(folder, create=True)
    try:  # we hold the lock: a socket file here is one a crash left behind
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)  # born 0600: no moment where another user could connect
    try:
        listener.bind(os.fsencode(path))
    except OSError:
        listener.close()
        raise
    finally:
        os.umask(old_mask)
    os.chmod(path, 0o600)
    listener.listen(MAX_CLIENTS)
    listener.setblocking(False)
    return Claim(folder, fd, listener, path)
