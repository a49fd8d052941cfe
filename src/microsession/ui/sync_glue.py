"""Sync in the running app: a round (this computer's changes out, the others' in) shortly after
a session starts or ends, when the sync folder changes (a QFileSystemWatcher on the devices'
folders), and every few minutes for edits made elsewhere (task and stack windows).

Nothing exists until a sync folder is set (no watcher, no timer, no import of the sync code).
A round runs on a thread of its own with its own connection, so merging a year of another
computer's history never freezes the ring; one round at a time, a request meanwhile runs
once after it. A file set aside is told once, in one sentence.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from microsession.trace import trace

if TYPE_CHECKING:
    from PySide6.QtCore import QFileSystemWatcher

    from microsession.ui.shell_api import ShellApi

SOON_MS = 1000  # after a change here or in the folder: changes come in bursts
EVERY_MS = 5 * 60 * 1000  # edits that no session signal tells of


class SyncGlue(QObject):
    finished = Signal(object)  # from the worker: a sync_status.Round, or one sentence

    def __init__(self, shell: ShellApi) -> None:
        super().__init__()
        self.shell, self.c = shell, shell.c
        self.folder: Path | None = None
        self._watcher: QFileSystemWatcher | None = None
        self._soon: QTimer | None = None
        self._every: QTimer | None = None
        self._busy = self._again = False
        self._conn = None  # the worker's connection, made by its first round
        self._told: set[str] = set()
        self.finished.connect(self._done)
        self.c.changed.connect(self.soon)
        self.c.focus_ended.connect(lambda _ended: self.soon())

    def start(self) -> None:
        """Begin (or follow a changed setting, or end) syncing with the folder in the settings."""
        text = self.c.settings.sync_folder
        if not text or self.shell.conn is None:
            self.stop()
            return
        from PySide6.QtCore import QFileSystemWatcher

        from microsession.store.sync_status import folder_path

        folder = folder_path(text)
        if folder == self.folder:
            return
        self.stop()
        self.folder = folder
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self.soon())
        self._soon = QTimer(self, singleShot=True, interval=SOON_MS, timeout=self.run)
        self._every = QTimer(self, interval=EVERY_MS, timeout=self.run)
        self._every.start()
        self._watch()
        self.run()

    def stop(self) -> None:
        for part in (self._watcher, self._soon, self._every):
            if part is not None:
                part.deleteLater()
        self._watcher = self._soon = self._every = None
        self.folder = None
        if self._conn is not None and not self._busy:
            self._conn.close()
            self._conn = None

    def soon(self) -> None:
        if self._soon is not None:
            self._soon.start()

    def _watch(self) -> None:
        """Watch the folder, its devices/ and every device's folder (new ones as they come)."""
        if self._watcher is None or self.folder is None:
            return
        root = self.folder / "devices"
        wanted = [self.folder, root] + (sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else [])
        have = set(self._watcher.directories())
        new = [str(p) for p in wanted if str(p) not in have and p.is_dir()]
        if new:
            self._watcher.addPaths(new)

    def run(self) -> None:
        if self.folder is None:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        db_file = Path(self.shell.conn.execute("PRAGMA database_list").fetchone()[2])
        threading.Thread(target=self._work, args=(self.folder, db_file, self.c.settings.device_name),
                         name="sync", daemon=True).start()

    def _work(self, folder: Path, db_file: Path, name: str) -> None:
        """One round on the worker thread, on a connection of its own (kept between rounds: one
        round at a time uses it; opening checks the whole file)."""
        import sqlite3

        from microsession.store import db
        from microsession.store.sync_status import device_name, sync_once

        try:
            if self._conn is None:
                self._conn = db.connect(db_file, timeout=10.0)
        except (db.DatabaseError, sqlite3.Error) as exc:
            self.finished.emit(f"Sync could not open the data file ({exc}); it will try again.")
            return
        try:
            self.finished.emit(sync_once(self._conn, folder, db_file.parent, device_name(name), trace=trace))
        except ValueError as exc:
            self.finished.emit(f"Sync is waiting: {exc}.")
        except OSError as exc:
            self.finished.emit(f"Sync could not write to {folder} ({exc.strerror or exc}); "
                               "nothing is lost, it will try again.")
        except sqlite3.Error as exc:  # e.g. the file busy for longer than the wait
            self.finished.emit(f"Sync could not use the data file just now ({exc}); nothing is lost,"
                               " it will try again.")

    def _done(self, result: object) -> None:
        self._busy = False
        if self.folder is None and self._conn is not None:  # stopped during the round
            self._conn.close()
            self._conn = None
        if isinstance(result, str):
            trace("sync_failed", message=result)
            self._tell(result)
        else:
            m = result.merged
            trace("sync_done", written=result.written, read=m.read, applied=m.applied, files=m.files,
                  conflicts=m.conflicts, problems=m.problems)
            if result.note:
                self._tell(result.note)
            for problem in m.problems:  # (the menu reads the merged rows when it next opens)
                self._tell(f"A file in the sync folder was set aside and not merged: {problem}.")
        self._watch()
        if self._again:
            self._again = False
            self.soon()

    def _tell(self, sentence: str) -> None:
        if sentence not in self._told:
            self._told.add(sentence)
            self.shell.tell(sentence)
