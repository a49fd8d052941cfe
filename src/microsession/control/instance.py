"""The instance: one app per data folder, and its listening socket. Imports no Qt.

`claim()` runs at app start before any tray icon exists: it takes the lock (fcntl.flock on
a file next to the socket; the kernel drops it when the process dies, even by kill -9, so a
crash never blocks the next start), or hands "show" to the process that holds it. The
holder opens its socket later (`Claim.listen()`, once its icon shows); a stale socket file
left by a crash is removed first. Windows: msvcrt.locking, and the server is a QLocalServer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from microsession.control.client import IS_WINDOWS, ControlError, lock_path, pipe_name, send, socket_path

MAX_CLIENTS = 64  # connections the app holds open at once (then the oldest silent one is dropped)
BACKLOG = 128  # connections the kernel keeps waiting to be accepted
CLAIM_TIMEOUT_S = 15.0


class Claim:
    """This process is the instance for a data folder: it holds the lock; `listen()` then
    opens the socket (a file descriptor, see `listen_unix`)."""

    def __init__(self, folder: Path, lock_fd: int, path: Path | None) -> None:
        self.folder, self.lock_fd, self.path = folder, lock_fd, path
        self.listen_fd, self._inode = -1, None

    def listen(self) -> None:
        """Open the socket, 0600 from birth (POSIX; on Windows the server listens itself)."""
        if self.path is None or self.listen_fd >= 0:
            return
        old_mask = os.umask(0o177)
        try:
            self.listen_fd = listen_unix(self.path, BACKLOG)
        finally:
            os.umask(old_mask)
        os.chmod(self.path, 0o600)
        self._inode = os.stat(self.path).st_ino

    def close(self) -> None:
        """Remove our socket file (not a newer one), close it, then let the lock go."""
        if self._inode is not None:
            try:
                if os.stat(self.path).st_ino == self._inode:
                    os.unlink(self.path)
            except OSError:
                pass
        for fd in (self.listen_fd, self.lock_fd):
            if fd >= 0:
                os.close(fd)
        self.listen_fd = self.lock_fd = -1


class HandedOver(Exception):
    """Another instance runs for this data folder (it was told to show itself): exit with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def claim_instance(data_dir_arg: str | None) -> Claim | None:
    """At app start, before any tray icon: the Claim (None: run without control from outside,
    said on stderr), or HandedOver when another instance runs for this folder."""
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
    """Take the lock for `folder` (a Claim), or return None once its holder answered "show".
    ControlError if the holder does not answer within `timeout` s (it may still be starting:
    it opens its socket once its tray icon shows)."""
    import time

    lock = Path(_windows_lock(folder)) if IS_WINDOWS else lock_path(folder, create=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0), 0o600)
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
            return Claim(folder, fd, None)
        path = socket_path(folder, create=True)
        try:  # we hold the lock: a socket file here is one a crash left behind
            os.unlink(path)
        except FileNotFoundError:
            pass
        return Claim(folder, fd, path)
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


def locked_by_another(folder: Path) -> bool:
    """Another process holds the lock for `folder` (probed without keeping it)."""
    path = Path(_windows_lock(folder)) if IS_WINDOWS else lock_path(folder)
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return False
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)  # closing the file lets a lock of ours go


# --- the listening socket as plain file descriptors ---------------------------------------------
# On Linux through ctypes, which the app has loaded anyway (malloc_trim): the `socket` module
# would cost its idle memory ~0.25 MB, a sixth of what the 1.15x budget had left.
_LINUX = sys.platform.startswith("linux")
_NONBLOCK_CLOEXEC = 0o4000 | 0o2000000  # SOCK_NONBLOCK | SOCK_CLOEXEC (Linux)


def _libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def _raise_errno(ctypes, what: str) -> None:
    errno = ctypes.get_errno()
    raise OSError(errno, f"{what}: {os.strerror(errno)}")


def listen_unix(path: Path, backlog: int) -> int:
    """A non-blocking, close-on-exec AF_UNIX listening socket bound to `path`: its descriptor."""
    raw = os.fsencode(path)
    if not _LINUX:
        import _socket

        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            sock.bind(raw)
            sock.listen(backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock.detach()
    ctypes, libc = _libc()

    class SockaddrUn(ctypes.Structure):
        _fields_ = [("sun_family", ctypes.c_ushort), ("sun_path", ctypes.c_char * 108)]

    if len(raw) >= 108:
        raise OSError(36, f"socket path too long: {path}")
    fd = libc.socket(1, 1 | _NONBLOCK_CLOEXEC, 0)  # AF_UNIX, SOCK_STREAM
    if fd < 0:
        _raise_errno(ctypes, "socket")
    addr = SockaddrUn(1, raw)
    if libc.bind(fd, ctypes.byref(addr), ctypes.sizeof(addr)) != 0 or libc.listen(fd, backlog) != 0:
        try:
            _raise_errno(ctypes, "bind")
        finally:
            os.close(fd)
    return fd


def accept_unix(listen_fd: int) -> int | None:
    """A waiting connection (non-blocking, close-on-exec), or None when none waits."""
    if not _LINUX:
        import _socket

        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, listen_fd)
        try:
            fd, _addr = sock._accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return None
        finally:
            sock.detach()  # the listener stays open
        os.set_blocking(fd, False)
        return fd
    ctypes, libc = _libc()
    fd = libc.accept4(listen_fd, None, None, _NONBLOCK_CLOEXEC)
    if fd < 0:
        if ctypes.get_errno() in (11, 4, 103):  # EAGAIN, EINTR, ECONNABORTED
            return None
        _raise_errno(ctypes, "accept")
    return fd


def peer_uid(fd: int) -> int | None:
    """The user id of the process at the other end (Linux: SO_PEERCRED; -1 if it cannot be
    read); None elsewhere, where the socket file's 0600 decides."""
    if not _LINUX:
        return None
    ctypes, libc = _libc()
    cred = (ctypes.c_int * 3)()  # struct ucred: pid, uid, gid
    size = ctypes.c_uint32(ctypes.sizeof(cred))
    if libc.getsockopt(fd, 1, 17, ctypes.byref(cred), ctypes.byref(size)) != 0:  # SOL_SOCKET, SO_PEERCRED
        return -1  # unknown on Linux: refused
    return cred[1]


def hand_over(data_dir_arg: str | None) -> bool:
    """A second launch, before Qt is loaded: True if a running app for this data folder
    answered "show". The lock is probed first, so a first launch sends nothing."""
    from microsession.paths import data_dir

    folder = data_dir(data_dir_arg)
    try:
        if not locked_by_another(folder):
            return False
        return send(folder, {"cmd": "show"}) is not None
    except (ControlError, OSError):
        return False  # the new process claims the instance itself, and waits there
