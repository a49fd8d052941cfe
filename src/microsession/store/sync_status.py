"""One round of sync (this device's changes out, the others' in) and what `sync status` tells."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from microsession.core.sync_merge import parse_stamp
from microsession.store import sync_import, sync_journal


@dataclass
class Round:
    written: int = 0
    merged: sync_import.Imported = field(default_factory=sync_import.Imported)
    note: str | None = None  # this data file took a new device id (it had been copied)

    def summary(self) -> str:
        m = self.merged
        text = (f"Wrote {self.written} change{'s' if self.written != 1 else ''} of this computer; read {m.read}"
                f" from the others ({m.applied} newer than what was here)")
        if m.conflicts:
            text += f"; conflict copies merged: {', '.join(Path(c).name for c in m.conflicts)}"
        return text + "." + (f" {self.note}" if self.note else "")


def folder_path(text: str) -> Path:
    return Path(os.path.expanduser(text))


def device_name(setting: str) -> str:
    """The name other computers see: the setting, or the host name."""
    if setting:
        return setting
    try:
        return os.uname().nodename[:60]
    except AttributeError:  # Windows
        return os.environ.get("COMPUTERNAME", "")[:60]


def sync_once(conn: sqlite3.Connection, sync_folder: Path, data_folder: Path, name: str, *, trace=None) -> Round:
    """Export first (so a change made here is stamped before the others' are seen), then import.
    ValueError with one sentence when the folder cannot be used; OSError from the disk."""
    problem = sync_journal.folder_problem(sync_folder)
    if problem:
        raise ValueError(problem)
    sync_journal.enable(conn)
    note = sync_journal.claim(conn, sync_folder, name)
    written = sync_journal.export(conn, sync_folder, trace=trace)
    return Round(written, sync_import.import_folder(conn, sync_folder, data_folder), note)


def _when(stamp_text: str) -> str | None:
    if not stamp_text:
        return None
    try:
        ms = parse_stamp(stamp_text).ms
    except ValueError:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds")


def status(conn: sqlite3.Connection, sync_folder: Path | None, name: str) -> dict:
    """Devices seen, the last change from each, what waits to be written, problems."""
    st = sync_journal.state(conn)
    own_stamp = conn.execute("SELECT max(stamp) FROM sync_rows WHERE stamp LIKE '%.' || ?", (st.device,)).fetchone()[0]
    devices = [{"device": st.device, "name": name, "this": True, "last_change_utc": _when(own_stamp or ""),
                "sessions": _sessions(conn, st.device, mine=True)}]
    for r in conn.execute("SELECT device, name, last_seq, last_stamp, changes, seen_utc FROM sync_peers ORDER BY name, device"):
        devices.append({"device": r[0], "name": r[1], "this": False, "last_change_utc": _when(r[3]),
                        "last_seq": r[2], "read_utc": r[5], "sessions": _sessions(conn, r[0])})
    problems = [f"{p}: {why}" for p, why in conn.execute(
        "SELECT path, problem FROM sync_files WHERE problem IS NOT NULL ORDER BY path")]
    if sync_folder is not None and (why := sync_journal.folder_problem(sync_folder)):
        problems.insert(0, why)
    return {"folder": str(sync_folder) if sync_folder else None, "on": st.capture,
            "pending": sync_journal.pending(conn), "devices": devices, "problems": problems}


def _sessions(conn: sqlite3.Connection, device: str, mine: bool = False) -> int:
    where = "device = ? OR device IS NULL" if mine else "device = ?"
    return conn.execute(f"SELECT count(*) FROM sessions WHERE kind != 'break' AND ({where})", (device,)).fetchone()[0]


def find_device(conn: sqlite3.Connection, text: str, own_name: str) -> str:
    """The id of the device named `text` (its name, or the start of its id); ValueError if none
    or more than one."""
    st = sync_journal.state(conn)
    known = [(st.device, own_name)] + [tuple(r) for r in conn.execute("SELECT device, name FROM sync_peers")]
    wanted = text.strip().lower()
    hits = {d for d, n in known if n.lower() == wanted} or \
           {d for d, _ in known if len(wanted) >= 4 and d.startswith(wanted)}
    if len(hits) == 1:
        return hits.pop()
    names = ", ".join(f"{n or '?'} ({d[:8]})" for d, n in known)
    if hits:
        raise ValueError(f"more than one computer matches {text!r}: {names}")
    raise ValueError(f"no computer is called {text!r}; known: {names}")
