"""Where the running app listens for commands, and one command sent to it. Imports no Qt.

One app per data folder: the address is derived from a hash of the resolved folder, so apps
on different folders (tests, benchmarks) never meet. POSIX: an AF_UNIX socket in
$XDG_RUNTIME_DIR (a 0700 folder of this user; the socket file itself is 0600), next to the
lock file that makes one process the instance (control_instance.py). Windows: a
QLocalServer name (a named pipe).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# The app imports this module at start-up, so it loads little: the protocol and `socket`
# only when a command is sent (the CLI, or a second launch that is about to exit).

IS_WINDOWS = sys.platform == "win32"
TIMEOUT_S = 5.0
# sun_path holds 108 bytes on Linux and 104 on macOS, with the final NUL.
MAX_SOCKET_PATH = 103


class ControlError(Exception):
    """The app could not be reached or did not answer; the message is one line for the user."""


def fnv1a64(data: bytes) -> str:
    """FNV-1a, 64 bits, as 16 hex digits: a name, not a secret (the folder's and the file's
    permissions keep others out). hashlib would load OpenSSL: +3.7 MB in the app at start-up."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def folder_key(data_folder: str | os.PathLike[str]) -> str:
    """16 hex digits naming the data folder (the same folder, however it is spelled)."""
    resolved = os.path.normcase(str(Path(data_folder).expanduser().resolve()))
    return fnv1a64(resolved.encode("utf-8", "surrogateescape"))


def runtime_dir(create: bool = False) -> Path:
    """$XDG_RUNTIME_DIR if it is a private folder of this user (ours, 0700: what the spec
    asks), else the platform's user runtime folder, else /tmp/microsession-<uid> (made 0700
    if `create`). A shared or foreign runtime folder is never used: another user's lock or
    socket there could stop or fool the app."""
    given = os.environ.get("XDG_RUNTIME_DIR", "")
    if given and os.path.isabs(given) and _private(given):
        return Path(given)
    import warnings

    import platformdirs

    with warnings.catch_warnings():  # "XDG_RUNTIME_DIR not set": we know, and cope
        warnings.simplefilter("ignore")
        path = Path(platformdirs.user_runtime_dir("microsession", appauthor=False))
    if given == "" and _private(path.parent):  # e.g. /run/user/<uid> without the variable
        if create:
            path.mkdir(mode=0o700, exist_ok=True)
        return path
    return private_tmp_dir(create)


def _private(folder: str | os.PathLike[str]) -> bool:
    import stat

    try:
        st = os.stat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


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
    user = user if user is not None else os.environ.get("USERNAME", "")
    return f"microsession-{fnv1a64(user.casefold().encode('utf-8'))[:8]}-{folder_key(data_folder)}"


def send(data_folder: str | os.PathLike[str], message: dict[str, Any],
         timeout: float = TIMEOUT_S) -> dict[str, Any] | None:
    """The app's checked reply to one request; None when no app listens for `data_folder`.
    ControlError when one listens but does not answer in `timeout` seconds, or answers nonsense."""
    from microsession.control import protocol as protocol

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
    import socket

    import time

    path = socket_path(data_folder)
    deadline, pause = time.monotonic() + timeout, 0.005
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        while True:
            try:
                sock.connect(os.fsencode(path))
                break
            except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
                return None  # no socket, or a stale one that a crash left behind
            except BlockingIOError:  # EAGAIN: the app's backlog is full for now; it is busy, not gone
                if time.monotonic() + pause > deadline:
                    raise TimeoutError from None
                time.sleep(pause)
                pause = min(0.1, pause * 2)
        sock.settimeout(max(0.05, deadline - time.monotonic()))
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
    from microsession.control import protocol as protocol

    data = b""
    while b"\n" not in data and len(data) <= protocol.MAX_LINE:
        chunk = read(protocol.MAX_LINE + 1 - len(data))
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]
