"""This device's side of sync: what changed here since the last export, written to its own files.

The SQLite file itself is never synced (its WAL and the copies sync engines make of it break
it). Instead, each device appends the rows that changed here (found in `sync_dirty`, which
triggers fill while sync is on) to `devices/<device-id>/<yyyy-mm>.jsonl` in the sync folder,
one JSON object a line: a per-device sequence number, a hybrid-clock stamp, the table, the
row's key and the whole row (null: deleted). A file is rewritten whole through a synced
temporary file and a rename, so another device never reads half of it.

The order is: write the file, then commit. A kill -9 between them leaves the rows marked
changed, so the next export writes them again (with later stamps); the lines already written
are harmless, as importing is idempotent.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from microsession.core.sync_merge import HybridClock, parse_stamp

# Synced tables and the columns of their key. Settings (they hold hook commands) are not.
SYNCED: dict[str, tuple[str, ...]] = {
    "task_types": ("slug",),
    "tasks": ("id",),
    "stacks": ("name",),
    "stack_runs": ("id",),
    "sessions": ("id",),
    "session_tasks": ("session_id", "task_id"),
    "session_logs": ("id",),
    "interruptions": ("id",),
    "triggers": ("id",),
}
FORMAT = 1
PART_BYTES = 4 * 1024 * 1024  # a month's file grows to about this, then a new part begins
DEVICES = "devices"


@dataclass(frozen=True)
class State:
    device: str
    capture: bool
    seq: int
    hlc_ms: int
    hlc_counter: int


def state(conn: sqlite3.Connection) -> State:
    r = conn.execute("SELECT device_id, capture, seq, hlc_ms, hlc_counter FROM sync_state").fetchone()
    return State(r[0], bool(r[1]), r[2], r[3], r[4])


def now_ms() -> int:
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def key_of(table: str, row: dict) -> str:
    return ":".join(str(row[c]) for c in SYNCED[table])


def read_row(conn: sqlite3.Connection, table: str, key: str) -> dict | None:
    cols = SYNCED[table]
    parts = key.split(":", len(cols) - 1) if len(cols) > 1 else [key]
    if len(parts) != len(cols):
        return None
    where = " AND ".join(f"{c} = ?" for c in cols)
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", parts)
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], tuple(row)))


_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"


def _triggers(table: str, cols: tuple[str, ...]) -> list[str]:
    """The three triggers that mark a table's changed rows (not those an import writes)."""
    def mark(which: str) -> str:
        key = " || ':' || ".join(f"{which}.{c}" for c in cols)
        return (f"INSERT INTO sync_dirty (tbl, key, wall_ms) VALUES ('{table}', {key}, {_NOW_MS})"
                " ON CONFLICT (tbl, key) DO UPDATE SET wall_ms = excluded.wall_ms;")
    when = "WHEN (SELECT applying FROM sync_state) = 0"
    return [f"CREATE TRIGGER IF NOT EXISTS sync_{table}_ins AFTER INSERT ON {table} {when} BEGIN {mark('NEW')} END",
            f"CREATE TRIGGER IF NOT EXISTS sync_{table}_upd AFTER UPDATE ON {table} {when}"
            f" BEGIN {mark('NEW')} {mark('OLD')} END",
            f"CREATE TRIGGER IF NOT EXISTS sync_{table}_del AFTER DELETE ON {table} {when} BEGIN {mark('OLD')} END"]


def enable(conn: sqlite3.Connection) -> bool:
    """Start keeping track of changes; the first time, every row counts as changed (so the
    history before sync goes out too). True when it was switched on now."""
    if state(conn).capture:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE sync_state SET capture = 1")
        for table, cols in SYNCED.items():
            for sql in _triggers(table, cols):
                conn.execute(sql)
        wall = now_ms()
        for table, cols in SYNCED.items():
            key = " || ':' || ".join(cols)
            conn.execute(f"INSERT INTO sync_dirty (tbl, key, wall_ms) SELECT ?, {key}, ? FROM {table}"
                         " WHERE true ON CONFLICT (tbl, key) DO NOTHING", (table, wall))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def pending(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM sync_dirty").fetchone()[0]


# --- the device's files ---------------------------------------------------------------------------

def part_key(name: str) -> tuple[str, int] | None:
    """('2026-12', 1) for '2026-12.jsonl', ('2026-12', 3) for '2026-12.3.jsonl'; None otherwise."""
    if not name.endswith(".jsonl"):
        return None
    stem = name[: -len(".jsonl")]
    month, _, part = stem.partition(".")
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        return None
    if part == "":
        return month, 1
    return (month, int(part)) if part.isdigit() and 1 < int(part) < 100000 else None


def own_files(folder: Path) -> list[Path]:
    """This device's journal files, oldest first (conflict copies and others left out)."""
    if not folder.is_dir():
        return []
    found = [(k, p) for p in folder.iterdir() if (k := part_key(p.name)) is not None]
    return [p for _, p in sorted(found)]


def _tail(data: bytes) -> tuple[int, str]:
    """(seq, stamp text) of the last readable line of a journal (0, '' if none)."""
    for line in reversed(data.splitlines()):
        try:
            obj = json.loads(line)
            return int(obj["seq"]), str(obj["stamp"])
        except (ValueError, KeyError, TypeError):
            continue
    return 0, ""


def _last_bytes(path: Path, size: int = 256 * 1024) -> bytes:
    """The end of a journal, from its first whole line (enough for its last change)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        start = max(0, f.tell() - size)
        f.seek(start)
        data = f.read()
    return data if start == 0 else data[data.find(b"\n") + 1:]


def _target(files: list[Path], folder: Path, month: str) -> tuple[Path, bytes]:
    """The file to append to this month and what it holds."""
    current = [p for p in files if part_key(p.name)[0] == month]  # type: ignore[index]
    if current:
        last = current[-1]
        data = last.read_bytes()
        if len(data) < PART_BYTES:
            return last, data
        return folder / f"{month}.{part_key(last.name)[1] + 1}.jsonl", b""  # type: ignore[index]
    return folder / f"{month}.jsonl", b""


def machine_mark(db_file: Path) -> str:
    """What tells this data file on this computer from a copy of it elsewhere (hashed: the
    folder is shared)."""
    import hashlib

    machine = ""
    for source in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine = Path(source).read_text().strip()
            break
        except OSError:
            continue
    machine = machine or (os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", ""))
    return hashlib.sha256(f"{machine}\0{db_file.resolve()}".encode()).hexdigest()[:24]


def claim(conn: sqlite3.Connection, sync_folder: Path, name: str) -> str | None:
    """Write this device's device.json; if the folder says another data file writes under this
    device's id (the data file was copied to another computer), this one takes a new id and
    sends all its rows again under it. One sentence when that happened."""
    from microsession.store.export import write_file

    st = state(conn)
    mark = machine_mark(Path(conn.execute("PRAGMA database_list").fetchone()[2]))
    path = sync_folder / DEVICES / st.device / "device.json"
    note = None
    try:
        said = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        said = None
    if isinstance(said, dict) and said.get("machine") not in (None, mark):
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("UPDATE sync_state SET device_id = lower(hex(randomblob(16))), seq = 0, capture = 0")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        enable(conn)  # every row goes out again under the new id
        note = (f"Another computer writes as this one in the sync folder (was the data file copied?);"
                f" this one is now {state(conn).device[:8]} and sends its rows again.")
        st = state(conn)
        path = sync_folder / DEVICES / st.device / "device.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": FORMAT, "device": st.device, "name": name, "machine": mark},
                      ensure_ascii=False) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return note
    except (OSError, UnicodeDecodeError):
        pass
    write_file(path, text.encode("utf-8"))
    return note


def export(conn: sqlite3.Connection, sync_folder: Path, *, wall_ms: int | None = None, trace=None) -> int:
    """Write every row changed here since the last export to this device's journal; the number
    of changes written. OSError when the folder cannot be written (nothing is lost: the rows
    stay marked changed). Call claim() first."""
    from microsession.store.export import write_file

    wall_ms = now_ms() if wall_ms is None else wall_ms
    st = state(conn)
    mine = sync_folder / DEVICES / st.device
    mine.mkdir(parents=True, exist_ok=True)
    conn.execute("BEGIN IMMEDIATE")
    try:
        dirty = conn.execute("SELECT tbl, key, wall_ms FROM sync_dirty ORDER BY wall_ms, tbl, key").fetchall()
        if not dirty:
            conn.execute("COMMIT")
            return 0
        files = own_files(mine)
        month = datetime.fromtimestamp(wall_ms / 1000, timezone.utc).strftime("%Y-%m")
        target, data = _target(files, mine, month)
        seq, stamp_text = _tail(_last_bytes(files[-1]) if files and files[-1] != target else data)
        clock = HybridClock(st.device, st.hlc_ms, st.hlc_counter)
        try:  # after a kill between the last write and its commit: go on after what is there
            last = parse_stamp(stamp_text)
            clock.receive(last, max(wall_ms, last.ms))  # its own stamps: even from a clock set back
        except ValueError:
            pass  # no stamp there, or a file damaged meanwhile: this device's own clock goes on
        seq = max(seq, st.seq)
        lines = []
        for table, key, changed_ms in dirty:
            if table not in SYNCED:
                continue
            row = read_row(conn, table, key)
            stamp = clock.send(min(changed_ms, wall_ms)).text()
            seq += 1
            lines.append(json.dumps({"seq": seq, "stamp": stamp, "table": table, "key": key, "row": row},
                                    ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n")
            conn.execute("INSERT INTO sync_rows (tbl, key, stamp) VALUES (?, ?, ?)"
                         " ON CONFLICT (tbl, key) DO UPDATE SET stamp = excluded.stamp", (table, key, stamp))
        if data and not data.endswith(b"\n"):
            data += b"\n"
        if trace:
            trace("sync_writing", lines=len(lines))
        out = data + "".join(lines).encode("utf-8")
        write_file(target, out)
        if trace:
            trace("sync_written", lines=len(lines))
        _mark_read(conn, sync_folder, target, len(data), len(out))
        conn.execute("DELETE FROM sync_dirty")
        conn.execute("UPDATE sync_state SET seq = ?, hlc_ms = ?, hlc_counter = ?", (seq, clock.ms, clock.counter))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(lines)


def _mark_read(conn: sqlite3.Connection, sync_folder: Path, path: Path, before: int, after: int) -> None:
    """The lines just written are in the data file already: the import need not read them back
    (unless the file held lines it had not read yet)."""
    rel = path.relative_to(sync_folder).as_posix()
    known = conn.execute("SELECT done FROM sync_files WHERE path = ?", (rel,)).fetchone()
    if (known[0] if known else 0) != before:
        return
    info = path.stat()
    conn.execute("INSERT INTO sync_files (path, size, mtime_ns, done) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
                 " done = excluded.done, problem = NULL", (rel, info.st_size, info.st_mtime_ns, after))


def folder_problem(sync_folder: Path) -> str | None:
    """Why `sync_folder` cannot be used, in one sentence (None: it can)."""
    if not sync_folder.is_absolute():
        return f"the sync folder must be a full path, not {str(sync_folder)!r}"
    if not sync_folder.is_dir():
        return f"the sync folder {sync_folder} does not exist (create it, and share it with your sync program)"
    if not os.access(sync_folder, os.W_OK | os.X_OK):
        return f"the sync folder {sync_folder} cannot be written"
    return None
