"""Where our files live: the platform's user data folder, or an override."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "microsession"
DB_NAME = "microsession.sqlite3"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else $MICROSESSION_DATA_DIR, else the platform's user data folder."""
    chosen = override or os.environ.get("MICROSESSION_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def db_path(folder: Path) -> Path:
    return folder / DB_NAME


SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


class DataDirError(ValueError):
    """The data folder given cannot be one: the message is one line for the user."""


def check_data_dir(override: str | None) -> None:
    """--data-dir (or $MICROSESSION_DATA_DIR) checked before anything uses it: DataDirError
    (one line) when it is empty, a file (or under one), or a system folder (/proc, /sys, /dev)."""
    if override is not None and not str(override).strip():
        raise DataDirError("--data-dir is empty: give a folder")
    chosen = override or os.environ.get("MICROSESSION_DATA_DIR")
    if not chosen:
        return
    path = Path(chosen).expanduser()
    where = "--data-dir" if override else "MICROSESSION_DATA_DIR"
    real = os.path.realpath(path)
    if any(real == top or real.startswith(top + "/") for top in SYSTEM_FOLDERS):
        raise DataDirError(f"{where} {chosen} is a system folder, not one for your data")
    if os.path.lexists(path) and not path.is_dir():
        raise DataDirError(f"{where} {chosen} is a file, not a folder")
    for parent in path.parents:  # a folder that cannot be made: a file on the way
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise DataDirError(f"{where} {chosen} cannot be a folder: {parent} is a file")
            break
