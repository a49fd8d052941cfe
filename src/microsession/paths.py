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
