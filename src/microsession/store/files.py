"""Files of ours, private and never through a planted link.

Everything the app writes is this user's alone: folders 0700, files 0600, whatever the
umask (the modes are given at creation, and `secure_folder` fixes what older versions
left readable, touching only the app's own files). A temporary name is always created new (O_CREAT|O_EXCL|O_NOFOLLOW, or
mkstemp in the target folder): a file or link another user planted under it is never
opened, written or renamed into place.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_EXCL = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def create_new(path: Path | str, mode: int = FILE_MODE) -> int:
    """A new file at `path`, opened for writing (FileExistsError if anything, a link too, is there)."""
    return os.open(path, _EXCL | getattr(os, "O_BINARY", 0), mode)


def temp_beside(path: Path, what: str) -> tuple[int, Path]:
    """A new, private, hidden temporary file in `path`'s folder (fd, path): `.<name>.<what>-XXXX`."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{what}-", dir=path.parent)
    return fd, Path(name)


def temp_dir_beside(path: Path, what: str) -> Path:
    """A new, private, hidden temporary folder in `path`'s folder."""
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.{what}-", dir=path.parent))


def copy_new(src: Path | str, dst: Path | str) -> None:
    """Copy `src` into a file made new at `dst` (private; never through a link at `dst`), synced."""
    _copy_into(src, create_new(dst), Path(dst))


def temp_copy(src: Path | str, beside: Path, what: str) -> Path:
    """A synced copy of `src` in a new hidden temporary file next to `beside` (see temp_beside)."""
    fd, tmp = temp_beside(beside, what)
    _copy_into(src, fd, tmp)
    return tmp


def _copy_into(src: Path | str, fd: int, dst: Path) -> None:
    try:
        with open(src, "rb") as fin, os.fdopen(fd, "wb", closefd=False) as fout:
            while chunk := fin.read(1 << 20):
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
    except BaseException:
        os.close(fd)
        dst.unlink(missing_ok=True)
        raise
    os.close(fd)


def make_folder(path: Path) -> None:
    """`path` and missing parents as folders (new ones 0700); ours made 0700 if it was not
    (never a shared one: see _tighten)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)


def _tighten(path: Path, mode: int) -> None:
    """chmod `path` down to `mode`: only a regular file or folder of this user, never through
    a link, and never a folder that is shared by design (sticky or writable by all, like
    /tmp), the home folder or the root: a --data-dir pointing there must not close it."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if st.st_uid != os.getuid() or stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) & ~mode == 0:
        return
    if stat.S_ISDIR(st.st_mode):
        if st.st_mode & (stat.S_ISVTX | stat.S_IWOTH) or _is_home_or_root(path):
            return
    elif not stat.S_ISREG(st.st_mode):
        return
    try:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass  # a read-only mount: nothing to fix there now


def _is_home_or_root(path: Path) -> bool:
    try:
        real = path.resolve()
        return real == Path(real.anchor) or real == Path.home().resolve()
    except (OSError, RuntimeError):
        return True


# What the app writes in its data folder (and nothing else there is touched): the database
# and its sidecars, files set aside, hooks.log, the pending writes, and the backups folder.
OURS = ("microsession.sqlite3", "hooks.log", "pending-writes.jsonl", ".microsession.sqlite3.")
BACKUPS = "backups"


def secure_folder(folder: Path) -> None:
    """Make the data folder 0700 and the app's own files in it 0600 (the backups folder 0700,
    its backups 0600); links, others' files and anything the app did not write stay as they are."""
    if not folder.is_dir():
        return
    _tighten(folder, DIR_MODE)
    for entry in _entries(folder):
        if entry.name == BACKUPS and entry.is_dir(follow_symlinks=False):
            _tighten(Path(entry.path), DIR_MODE)
            for inner in _entries(Path(entry.path)):
                if inner.name.startswith(("microsession-", ".microsession-")):
                    _tighten(Path(inner.path), FILE_MODE)
        elif entry.name.startswith(OURS):
            _tighten(Path(entry.path), FILE_MODE)


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []
