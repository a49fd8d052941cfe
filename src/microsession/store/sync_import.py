"""Other devices' side of sync: read their journals from the sync folder, merge by key.

All files are applied in one transaction. Every line is checked before it touches a table
(known table, known columns, the column types, the key matching the row, a stamp of the
device whose folder holds it, not from the far future); SQLite's own constraints check the
rest. A file with a bad line is set aside as a whole: its changes are rolled back (a
savepoint per file), a copy goes to `sync-set-aside/` in the data folder, one sentence says
why, and it is read again only when it changes. The local database is never left half-merged.

Applying is idempotent (core.sync_merge: the greatest stamp wins, deletes are tombstones),
so a file read twice, a conflict copy holding the same lines, or files read in any order give
the same rows. Only what was appended since the last read is parsed again.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from microsession.core.sync_merge import DEVICE_ID, HybridClock, is_conflict_copy, parse_stamp, wins
from microsession.store.sync_journal import DEVICES, SYNCED, key_of, now_ms, part_key, state

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_KEY = 200
ASIDE = "sync-set-aside"


class BadFile(Exception):
    """One sentence: why a file was set aside. `waits`: the file may be fine, this computer's
    clock is behind it: it is read again at every round, and no copy is set aside."""

    def __init__(self, why: str, waits: bool = False) -> None:
        super().__init__(why)
        self.waits = waits


@dataclass
class Imported:
    applied: int = 0  # changes that won and were written
    read: int = 0  # changes read
    files: int = 0  # files read (new or grown)
    conflicts: list[str] = field(default_factory=list)  # conflict copies merged
    problems: list[str] = field(default_factory=list)  # files set aside, one sentence each


def _types(conn: sqlite3.Connection) -> dict[str, dict[str, tuple[str, bool]]]:
    """For each synced table: column -> (declared type, NOT NULL)."""
    return {t: {r[1]: (r[2].upper(), bool(r[3]) or bool(r[5])) for r in conn.execute(f"PRAGMA table_info({t})")}
            for t in SYNCED}


def _check_value(table: str, column: str, kind: str, value: object) -> None:
    if value is None:
        return
    if kind == "TEXT" and isinstance(value, str) and len(value) <= 100_000:
        return
    if kind == "INTEGER" and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62:
        return
    if kind == "REAL" and isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e15:
        return
    raise BadFile(f"a change to {table} has a wrong value for {column}")


def _parse(line: bytes, device: str, types: dict, clock: HybridClock, wall: int) -> tuple:
    if len(line) > MAX_LINE_BYTES:
        raise BadFile("a line is longer than any change can be")
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        raise BadFile("a line is not JSON (the file is damaged or not a journal)") from None
    if not isinstance(obj, dict) or not {"seq", "stamp", "table", "key", "row"} <= obj.keys():
        raise BadFile("a line is not a change (seq, stamp, table, key, row)")
    table, key, row, seq = obj["table"], obj["key"], obj["row"], obj["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise BadFile("a change has no valid sequence number")
    try:
        stamp = parse_stamp(obj["stamp"])
        if stamp.device != device:
            raise ValueError("a change is stamped by another device than the folder it is in")
    except ValueError as exc:
        raise BadFile(str(exc)) from None
    try:  # this device's own stamps are trusted even when its clock was set back since
        clock.receive(stamp, max(wall, stamp.ms) if device == clock.device else wall)
    except ValueError as exc:
        raise BadFile(f"{exc} (is this computer's clock right?)", waits=True) from None
    if table not in SYNCED:
        raise BadFile(f"a change names a table that is never synced ({str(table)[:40]!r})")
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
        raise BadFile(f"a change to {table} has no valid key")
    if row is not None:
        if not isinstance(row, dict):
            raise BadFile(f"a change to {table} holds no row")
        cols = types[table]
        row = {c: v for c, v in row.items() if c in cols}  # a newer version's columns are left out
        for c, v in row.items():
            _check_value(table, c, cols[c][0], v)
        if any(c not in row for c in SYNCED[table]) or key_of(table, row) != key:
            raise BadFile(f"a change to {table} has a key that does not match its row")
    return seq, stamp, table, key, row


def _write(conn: sqlite3.Connection, table: str, key: str, row: dict | None) -> None:
    pk = SYNCED[table]
    if row is None:
        parts = key.split(":", len(pk) - 1) if len(pk) > 1 else [key]
        if len(parts) == len(pk):
            conn.execute(f"DELETE FROM {table} WHERE " + " AND ".join(f"{c} = ?" for c in pk), parts)
        return
    cols = list(row)
    rest = [c for c in cols if c not in pk]
    action = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in rest)) if rest else "DO NOTHING"
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
           f" ON CONFLICT ({', '.join(pk)}) {action}")
    conn.execute(sql, [row[c] for c in cols])


def _apply_file(conn, data: bytes, device: str, me: str, types: dict, clock: HybridClock, wall: int,
                out: Imported) -> tuple[int, str]:
    """Apply the complete lines of `data`; (last seq, last stamp text) seen."""
    last_seq, last_stamp = 0, ""
    for line in data.splitlines():
        if not line.strip():
            continue
        seq, stamp, table, key, row = _parse(line, device, types, clock, wall)
        out.read += 1
        last_seq, last_stamp = max(last_seq, seq), max(last_stamp, stamp.text())
        held = conn.execute("SELECT stamp FROM sync_rows WHERE tbl = ? AND key = ?", (table, key)).fetchone()
        if not wins(stamp, parse_stamp(held[0]) if held else None):
            continue
        if device != me and _open_here(table, row, me):
            continue  # only this computer says what its running session is (recovery trusts it)
        try:
            _write(conn, table, key, row)
        except sqlite3.IntegrityError as exc:
            raise BadFile(f"a change to {table} breaks a rule of the data ({exc})") from None
        conn.execute("INSERT INTO sync_rows (tbl, key, stamp) VALUES (?, ?, ?)"
                     " ON CONFLICT (tbl, key) DO UPDATE SET stamp = excluded.stamp", (table, key, stamp.text()))
        out.applied += 1
    return last_seq, last_stamp


def _open_here(table: str, row: dict | None, me: str) -> bool:
    return (table in ("sessions", "stack_runs") and row is not None and row.get("device") == me
            and row.get("ended_utc") is None)


def _journal_files(sync_folder: Path) -> list[tuple[str, Path, bool]]:
    """(device, file, is a conflict copy) of every journal to read: the other devices' files,
    conflict copies, and this device's own files too where they hold lines the data file has not
    taken in (a backup restored, a kill after writing): what this device wrote is never lost."""
    found = []
    root = sync_folder / DEVICES
    if not root.is_dir():
        return found
    for folder in sorted(root.iterdir()):
        if not DEVICE_ID.fullmatch(folder.name) or not folder.is_dir():
            continue
        if folder.is_symlink():
            continue  # a device's folder is a folder, not a way out of the sync folder
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.startswith((".", "~")) or not name.endswith(".jsonl") or path.is_symlink() or not path.is_file():
                continue  # temporary files of sync engines, links, pipes: never opened
            conflict = is_conflict_copy(name)
            if not conflict and part_key(name) is None:
                continue
            found.append((folder.name, path, conflict))
    return found


def _device_name(folder: Path) -> str:
    try:
        name = json.loads((folder / "device.json").read_text(encoding="utf-8")).get("name", "")
    except (OSError, ValueError, AttributeError, RecursionError):
        return ""
    if not isinstance(name, str):
        return ""
    return "".join(c for c in name[:80] if c.isprintable())  # no terminal escapes in `sync status`


def import_folder(conn: sqlite3.Connection, sync_folder: Path, data_folder: Path, *,
                  wall_ms: int | None = None) -> Imported:
    """Merge every other device's new changes from `sync_folder` in one transaction.

    Foreign keys are not enforced while merging: a session may arrive before the task it
    points at (another device's journal still on its way); the row waits for it.
    """
    run = _Run(conn, sync_folder, data_folder, now_ms() if wall_ms is None else wall_ms)
    files = _journal_files(sync_folder)
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("UPDATE sync_state SET applying = 1")
            for device, path, conflict in files:
                run.one_file(device, path, conflict)
            conn.execute("UPDATE sync_state SET applying = 0, hlc_ms = ?, hlc_counter = ?",
                         (run.clock.ms, run.clock.counter))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return run.out


class _Run:
    def __init__(self, conn: sqlite3.Connection, sync_folder: Path, data_folder: Path, wall: int) -> None:
        st = state(conn)
        self.conn, self.sync_folder, self.data_folder, self.wall = conn, sync_folder, data_folder, wall
        self.me, self.types, self.out = st.device, _types(conn), Imported()
        self.clock = HybridClock(st.device, st.hlc_ms, st.hlc_counter)

    def apply(self, data: bytes, device: str) -> tuple[bytes, int, str]:
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        return (complete, *_apply_file(self.conn, complete, device, self.me, self.types, self.clock, self.wall,
                                        self.out))

    def one_file(self, device: str, path: Path, conflict: bool) -> None:
        conn, out = self.conn, self.out
        rel = path.relative_to(self.sync_folder).as_posix()
        try:
            info = path.stat()
        except OSError:
            return  # gone meanwhile (the sync engine replaced it): read at the next round
        known = conn.execute("SELECT size, mtime_ns, done, problem FROM sync_files WHERE path = ?", (rel,)).fetchone()
        if known and known[0] == info.st_size and known[1] == info.st_mtime_ns:
            if known[3]:
                out.problems.append(f"{rel}: {known[3]}")
            return
        start = known[2] if known and not known[3] and known[2] <= info.st_size else 0
        conn.execute("SAVEPOINT one_file")
        try:
            if info.st_size > MAX_FILE_BYTES:
                raise BadFile("it is larger than any journal can be")
            try:
                with open(path, "rb") as f:
                    f.seek(start)
                    data = f.read(MAX_FILE_BYTES)
            except OSError as exc:
                raise BadFile(f"it cannot be read ({exc.strerror})") from None
            try:
                complete, seq, stamp = self.apply(data, device)
            except BadFile:
                if start == 0:
                    raise
                conn.execute("ROLLBACK TO one_file")  # not just appended to: read it all again
                start = 0
                complete, seq, stamp = self.apply(path.read_bytes(), device)
            conn.execute("RELEASE one_file")
        except BadFile as exc:
            conn.execute("ROLLBACK TO one_file")
            conn.execute("RELEASE one_file")
            _set_aside(conn, path, rel, info, self.data_folder, str(exc), out, exc.waits)
            return
        out.files += 1
        if conflict:
            out.conflicts.append(rel)
        conn.execute("INSERT INTO sync_files (path, size, mtime_ns, done, problem) VALUES (?, ?, ?, ?, NULL)"
                     " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
                     " done = excluded.done, problem = NULL",
                     (rel, info.st_size, info.st_mtime_ns, start + len(complete)))
        if device != self.me and seq:
            conn.execute(
                "INSERT INTO sync_peers (device, name, last_seq, last_stamp, changes, seen_utc)"
                " VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ON CONFLICT (device) DO UPDATE SET"
                " name = excluded.name, last_seq = max(last_seq, excluded.last_seq),"
                " last_stamp = max(last_stamp, excluded.last_stamp), changes = changes + excluded.changes,"
                " seen_utc = excluded.seen_utc",
                (device, _device_name(path.parent), seq, stamp, complete.count(b"\n")))


def _set_aside(conn, path: Path, rel: str, info, data_folder: Path, why: str, out: Imported,
               waits: bool = False) -> None:
    """Keep a copy of a refused file in the data folder (the synced one stays where it is: moving
    it would move it on every device) and remember why, until the file changes (or, when it only
    waits for this computer's clock, until the next round)."""
    if not waits:
        aside = data_folder / ASIDE
        try:
            aside.mkdir(exist_ok=True)
            shutil.copyfile(path, aside / rel.replace("/", "_"))
        except OSError:
            pass  # the sentence below is what counts; the original is still in the sync folder
    conn.execute("INSERT INTO sync_files (path, size, mtime_ns, done, problem) VALUES (?, ?, ?, 0, ?)"
                 " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
                 " done = 0, problem = excluded.problem", (rel, info.st_size, -1 if waits else info.st_mtime_ns, why))
    out.problems.append(f"{rel}: {why}")
