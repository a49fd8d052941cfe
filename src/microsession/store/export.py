"""Rows read for an export, an export's rows merged back, and export files written atomically.

The columns and their order are core.export_format's. Reading happens in one read
transaction (one snapshot); merging in one write transaction (all or nothing).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from microsession.core import export_format as fmt
from microsession.core.export_format import BY_NAME, TABLES, Row
from microsession.store import db, files
from microsession.store.backup import fsync_dir
from microsession.store.stacks import SEEDED_KEY

MIN_SCHEMA = 2  # the first schema with every table of format version 1

_IN_RANGE = "session_id IN (SELECT id FROM sessions WHERE started_utc >= :since)"
_SINCE: dict[str, str] = {  # a table's rows that belong to an export --since a moment
    "tasks": "created_utc >= :since OR finished_utc >= :since OR deleted_utc >= :since"
             " OR id IN (SELECT task_id FROM sessions WHERE started_utc >= :since)"
             f" OR id IN (SELECT task_id FROM session_tasks WHERE {_IN_RANGE})",
    "stack_runs": "started_utc >= :since OR id IN (SELECT stack_run_id FROM sessions WHERE started_utc >= :since)",
    "sessions": "started_utc >= :since",
    "session_tasks": _IN_RANGE,
    "session_logs": _IN_RANGE,
    "interruptions": _IN_RANGE,
}


class ImportRefused(Exception):
    """One line for the user: the import changed nothing."""


def open_read_only(path: Path) -> sqlite3.Connection:
    """The data file for reading only: no upgrade, no write, and a schema we can export."""
    db.refuse_emptied(path)
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0, isolation_level=None)
    try:
        version = db.check_version(conn)
        if version < MIN_SCHEMA:
            raise db.DatabaseError(f"{path} is from an older Micro-Session: start the app once to upgrade it")
        return conn
    except BaseException:
        conn.close()
        raise


def read_tables(conn: sqlite3.Connection, since_utc: str | None = None) -> dict[str, list[Row]]:
    """Every table of the format, rows in a fixed order; with `since_utc` (canonical UTC text),
    the sessions started since then and the rows they need (task types and stacks in full)."""
    out: dict[str, list[Row]] = {}
    conn.execute("BEGIN")
    try:
        for table in TABLES:
            where = f" WHERE {_SINCE[table.name]}" if since_utc is not None and table.name in _SINCE else ""
            sql = f"SELECT {', '.join(table.names)} FROM {table.name}{where} ORDER BY {table.order}"
            out[table.name] = [tuple(r) for r in conn.execute(sql, {"since": since_utc})]
    finally:
        conn.execute("COMMIT")
    return out


@dataclass
class Merged:
    """What an import did: rows added per table, rows already there (the same, or different:
    the row in the data file is kept as it is)."""

    added: dict[str, int] = field(default_factory=dict)
    same: int = 0
    differ: dict[str, int] = field(default_factory=dict)

    @property
    def total_added(self) -> int:
        return sum(self.added.values())

    def summary(self) -> str:
        from microsession.core.format import count_text

        def each(counts: dict[str, int]) -> str:  # "1 task type, 4 tasks"
            return ", ".join(count_text(n, name.replace("_", " ").removesuffix("s")) for name, n in counts.items() if n)

        parts = each(self.added)
        line = f"Imported {count_text(self.total_added, 'new row')}" + (f" ({parts})" if parts else "")
        there = self.same + sum(self.differ.values())
        line += f"; {there} {'was' if there == 1 else 'were'} there already"
        ndiff = sum(self.differ.values())
        if ndiff:
            line += f", {ndiff} of them different in the file ({each(self.differ)}): yours were kept"
        return line + "."


def _why(exc: sqlite3.IntegrityError) -> str:
    text = str(exc)
    if "FOREIGN KEY" in text:
        return "it refers to a row that is neither in the file nor in your data"
    return f"the data file refuses it ({text})"


def merge(conn: sqlite3.Connection, tables: Mapping[str, Sequence[Row]],
          began: Callable[[], None] | None = None, bulk: bool = True) -> Merged:
    """Insert the rows whose key is new, in one transaction; rows already there stay as they
    are. ImportRefused (nothing written) when a row cannot go in. `began` is called once the
    write transaction is open (a test hook: the kill -9 harness). A table that has no rows yet
    takes store/bulk_insert.py's path, unless `bulk` is False (the tests' reference).

    Per table: the keys already in the file are read once; the new rows go in with one
    executemany (ten years: 231,788 rows in ~1 s instead of ~3 s row by row), or into an empty
    table through store/bulk_insert.py (ten years into an empty file: ~4 s -> ~1.8 s); only
    when that fails are they tried one by one, inside a savepoint, to name the row that cannot
    go in."""
    from microsession.store import summary

    result = Merged()
    conn.execute("BEGIN IMMEDIATE")
    try:
        if began is not None:
            began()
        with summary.bulk_writes(conn):
            for table in TABLES:
                added, same, differ = _merge_table(conn, table, tables.get(table.name, ()), bulk)
                result.added[table.name], result.differ[table.name] = added, differ
                result.same += same
        builtin = BY_NAME["stacks"].names.index("builtin")
        if any(row[builtin] for row in tables.get("stacks", ())):  # the templates came with the data
            conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, 'true')", (SEEDED_KEY,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return result


def _merge_table(conn: sqlite3.Connection, table, rows: Sequence[Row], bulk: bool) -> tuple[int, int, int]:
    """(added, the same as in the file, different from it) for one table's rows."""
    from microsession.store import bulk_insert

    if rows and bulk and bulk_insert.is_empty(conn, table.name):  # every row is new: the fast path
        with bulk_insert.standing_aside(conn, table) as aside:
            added = _insert_new(conn, table, rows, rows, lambda: bulk_insert.insert_all(conn, table, rows, aside))
        return added, 0, 0
    cols = ", ".join(table.names)
    keys = ", ".join(table.key)
    key_at = [table.names.index(k) for k in table.key]
    existing = {tuple(r) for r in conn.execute(f"SELECT {keys} FROM {table.name}")} if rows else set()
    new_rows, old_rows = [], []
    for row in rows:
        (old_rows if tuple(row[k] for k in key_at) in existing else new_rows).append(row)
    added = _insert_new(conn, table, rows, new_rows,
                        lambda: conn.executemany(_insert_sql(table), new_rows).rowcount if new_rows else 0)
    lookup = f"SELECT {cols} FROM {table.name} WHERE " + " AND ".join(f"{k} = ?" for k in table.key)
    same = sum(1 for row in old_rows if tuple(conn.execute(lookup, [row[k] for k in key_at]).fetchone()) == tuple(row))
    return added, same, len(old_rows) - same


def _insert_sql(table) -> str:
    return (f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({', '.join('?' * len(table.names))})"
            f" ON CONFLICT ({', '.join(table.key)}) DO NOTHING")


def _insert_new(conn: sqlite3.Connection, table, rows: Sequence[Row], new_rows: Sequence[Row],
                insert: Callable[[], int]) -> int:
    """`insert()` the new rows inside a savepoint; when that fails they are tried one by one,
    to name the row that cannot go in (ImportRefused)."""
    conn.execute("SAVEPOINT merge_table")
    try:
        return insert()
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO merge_table")
        for row in new_rows:  # which one: its index in the file's list
            try:
                conn.execute(_insert_sql(table), row)
            except sqlite3.IntegrityError as exc:
                raise ImportRefused(f"{table.name}[{list(rows).index(row)}]: {_why(exc)}") from None
        raise  # not reached: one of them failed before
    finally:
        conn.execute("RELEASE merge_table")


# --- the files' text --------------------------------------------------------------------------

def document_chunks(tables: Mapping[str, Iterable[Row]], since: str | None = None,
                    exported_utc: str | None = None) -> Iterator[str]:
    """The JSON document in pieces: the header, then each table as a list, one row object a line."""
    dump = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    yield "{\n" + ",\n".join(f" {dump(k)}: {dump(v)}" for k, v in fmt.header(since, exported_utc).items())
    for table in TABLES:
        yield f",\n {dump(table.name)}: ["
        sep = "\n  "
        for row in tables.get(table.name, ()):
            yield sep + dump(fmt.json_row(table, row))
            sep = ",\n  "
        yield "]" if sep == "\n  " else "\n ]"
    yield "\n}\n"


def document_text(tables: Mapping[str, Iterable[Row]], since: str | None = None,
                  exported_utc: str | None = None) -> str:
    return "".join(document_chunks(tables, since, exported_utc))


def csv_files(tables: Mapping[str, Iterable[Row]], since: str | None = None,
              exported_utc: str | None = None) -> dict[str, str]:
    """File name -> CSV text: meta.csv (key,value: the header) and one file per table."""
    files = {"meta.csv": _csv([("key", "value")] + [(k, fmt.csv_cell(v)) for k, v in fmt.header(since, exported_utc).items()])}
    for table in TABLES:
        files[f"{table.name}.csv"] = _csv([table.names] + [tuple(map(fmt.csv_cell, row)) for row in tables.get(table.name, ())])
    return files


def _csv(lines: Iterable[Sequence[str]]) -> str:
    import csv
    import io

    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue()


# --- files, written whole or not at all ----------------------------------------------------------

class TargetRefused(Exception):
    """One line for the user: the export's target is not one to write over; nothing was written."""


def _check_parent(path: Path) -> None:
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "no such folder", str(path.parent))


def _is_export_file(path: Path) -> bool:
    """An empty file, or one an export wrote (JSON with our header, or a zip with meta.csv)."""
    try:
        with open(path, "rb") as f:
            head = f.read(200)
        if not head:
            return True
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as zf:
                return "meta.csv" in zf.namelist()
        if head.startswith(b"BEGIN:VCALENDAR"):  # export --ics (store/ics_export.py's PRODID)
            return b"-//Micro-Session//focus sessions//EN" in head
        return head.startswith(b"{") and f'"format": "{fmt.FORMAT}"'.encode() in head
    except (OSError, zipfile.BadZipFile):
        return False


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def check_target(path: Path, force: bool = False) -> tuple[bool, Path]:
    """Where an export may go: (False, path) to replace the file there whole (absent, a
    previous export, or any regular file with `force`); (True, path) to write into it in
    place (a FIFO or a device, with `force`). With `force` a link is followed (the file it
    leads to is the one written). TargetRefused otherwise: nothing is written."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False, path
    if stat.S_ISLNK(st.st_mode):
        if not force:
            raise TargetRefused(f"{path} is a symbolic link: give the file itself, or --force to write where it points")
        return check_target(Path(os.path.realpath(path)), force)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    if stat.S_ISREG(st.st_mode):
        if force or _is_export_file(path):
            return False, path
        raise TargetRefused(f"{path} exists and is not an export: choose another name, or --force to replace it")
    what = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
    if not force:
        raise TargetRefused(f"{path} is {what}, not a file: use --out - for standard output, or --force to write into it")
    return True, path


def _pieces(data: bytes | Iterable[str]) -> Iterator[bytes]:
    if isinstance(data, bytes):
        yield data
    else:
        for piece in data:
            yield piece.encode("utf-8")


def write_stream(out, data: bytes | Iterable[str]) -> None:
    """`data` into an open binary stream (standard output, a FIFO), as it comes."""
    for piece in _pieces(data):
        out.write(piece)
    out.flush()


def write_file(path: Path, data: bytes | Iterable[str], force: bool = False) -> None:
    """`data` (bytes, or text in pieces written as UTF-8) at `path` via a synced temporary file
    (private, made new) and one rename; see check_target() for what may be there before."""
    into, path = check_target(path, force)
    if into:  # a FIFO or a device the user chose with --force
        with open(path, "wb", buffering=0) as f:
            write_stream(f, data)
        return
    write_atomic(path, data)


def write_atomic(path: Path, data: bytes | Iterable[str]) -> None:
    """Replace the app's own file at `path` whole (a calendar cache, a sync journal) via a
    synced, private temporary file made new and one rename; no check of what was there."""
    _check_parent(path)
    fd, tmp = files.temp_beside(path, "tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write_stream(f, data)
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def zip_bytes(files: Mapping[str, str]) -> bytes:
    """A zip of the text files, the same bytes for the same files (fixed dates and modes)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def _is_export_folder(path: Path) -> bool:
    entries = list(path.iterdir())
    return any(e.name == "meta.csv" for e in entries) and all(e.is_file() and e.suffix == ".csv" for e in entries)


def write_folder(path: Path, contents: Mapping[str, str]) -> None:
    """The files in a folder at `path`, which appears whole: written in a temporary folder,
    synced, then renamed. An earlier export folder there is replaced; any other folder is not."""
    if os.path.lexists(path) and (path.is_symlink() or not (path.is_dir() and _is_export_folder(path))):
        raise FileExistsError(17, "exists and is not an export folder; choose another place", str(path))
    _check_parent(path)
    tmp, old = files.temp_dir_beside(path, "tmp"), None  # private (0700), made new
    try:
        for name, text in contents.items():
            with os.fdopen(files.create_new(tmp / name), "wb") as f:
                f.write(text.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
        fsync_dir(tmp)
        if path.exists():
            old = files.temp_dir_beside(path, "old")
            os.replace(path, old)  # over the empty folder just made
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
