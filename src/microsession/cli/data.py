"""`microsession export | import | backup | restore`: your data out, back in, and kept safe (F16).

Imports no Qt. Every problem is one line and exit 2, and changes nothing: an import is
checked whole before the data file is opened, and written in one transaction.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

from microsession.cli.common import CliError, date_arg, path_arg

MAX_IMPORT_BYTES = 256 << 20  # ten years of heavy use is 80 MB as JSON (and 450 MB in memory)


def add_parser(sub: Any) -> None:
    """Register export, import, backup and restore (they share this module)."""
    e = sub.add_parser("export", help="write your data as JSON or CSV (see docs/export-format.md)")
    e.add_argument("--format", choices=("json", "csv"), help="json: one file; csv: a folder of files, or a zip"
                   " when --out ends in .zip (default: json if --out ends in .json, else csv)")
    e.add_argument("--out", metavar="PATH", help="the file, folder or .zip to write (replaced whole;"
                   " only an earlier export is replaced unless --force), or - for standard output")
    e.add_argument("--force", action="store_true", help="replace any file at --out, follow a link there, or write"
                   " into a FIFO or device")
    e.add_argument("--ics", metavar="FILE", help="instead: your focus sessions as a calendar (.ics), one event each")
    e.add_argument("--since", type=date_arg, metavar="YYYY-MM-DD", help="only sessions started on or after this local date")
    e.add_argument("--stamp", action="store_true", help="record the time of the export in it (the same data then"
                   " no longer gives the same bytes)")
    i = sub.add_parser("import", help="merge a JSON export into your data (rows already there are kept)")
    i.add_argument("path", type=path_arg, metavar="PATH.json", help="a file written by `microsession export --format json`")
    b = sub.add_parser("backup", help="back up the data file now; prints the backup's path")
    b.add_argument("--keep", type=int, metavar="N", help="backups to keep (default: the backup_keep setting, 7)")
    b.add_argument("--daily", action="store_true", help="only if today's daily backup is not made yet (what the app runs)")
    r = sub.add_parser("restore", help="replace your data by a backup (quit the app first; the current file is kept)")
    r.add_argument("path", type=path_arg, metavar="BACKUP", help="a backup file, e.g. from the data folder's backups/")


def run(args: argparse.Namespace) -> int:
    from microsession.store import db
    from microsession.store.backup import BackupError
    from microsession.store.export import ImportRefused

    handler = {"export": cmd_export, "import": cmd_import, "backup": cmd_backup, "restore": cmd_restore}[args.command]
    try:
        return handler(args)
    except (BackupError, ImportRefused, db.DatabaseError) as exc:
        raise CliError(str(exc)) from None
    except sqlite3.Error as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise CliError("the data file is busy (another program is writing it); try again") from None
        raise CliError(f"cannot use the data file: {exc}") from None


def _db_file(args: argparse.Namespace) -> Path:
    from microsession.paths import data_dir, db_path

    return db_path(data_dir(args.data_dir))


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- export ----------------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    import sys

    from microsession.core import export_format as fmt
    from microsession.store import export

    if (args.out is None) == (args.ics is None):
        raise CliError("give either --out PATH (JSON or CSV) or --ics FILE (a calendar)")
    if args.ics is not None and args.format is not None:
        raise CliError("--format goes with --out, not --ics")
    to_stdout = args.out == "-"
    out = Path(args.out or args.ics).expanduser()
    kind = "ics" if args.ics is not None else args.format or ("json" if to_stdout or out.suffix.lower() == ".json" else "csv")
    zipped = kind == "csv" and out.suffix.lower() == ".zip"
    if to_stdout and kind == "csv":
        raise CliError("--out - writes JSON only: add --format json, or give a folder or .zip for CSV")
    since = fmt.canonical_utc(datetime.combine(args.since, time()).astimezone()) if args.since else None
    path = _db_file(args)
    if not to_stdout and out.resolve() in {Path(f"{path}{s}").resolve() for s in ("", "-wal", "-shm", "-journal")}:
        raise CliError(f"{out} is the data file itself: choose another place for the export")
    if path.is_dir():
        raise CliError(f"{path} is a folder, not a data file: nothing to export")
    if not path.is_file():
        raise CliError(f"there is no data file at {path} yet: nothing to export")
    if not to_stdout and kind in ("json", "ics") or zipped:
        try:
            export.check_target(out, args.force)  # before the reading: a refusal costs nothing
        except export.TargetRefused as exc:
            raise CliError(str(exc)) from None
    try:
        conn = export.open_read_only(path)
    except sqlite3.Error as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    if kind == "ics":
        return _export_ics(conn, out, since, args.stamp, args.force)
    try:
        tables = export.read_tables(conn, since)
    finally:
        conn.close()
    stamp = fmt.canonical_utc(_now()) if args.stamp else None
    data = export.document_chunks(tables, since, stamp) if kind == "json" else None
    try:
        if to_stdout:
            export.write_stream(sys.stdout.buffer, data)
        elif kind == "json":
            export.write_file(out, data, args.force)
        elif zipped:
            export.write_file(out, export.zip_bytes(export.csv_files(tables, since, stamp)), args.force)
        else:
            export.write_folder(out, export.csv_files(tables, since, stamp))
    except export.TargetRefused as exc:
        raise CliError(str(exc)) from None
    except (IsADirectoryError, FileExistsError):
        raise
    except OSError as exc:
        where = "standard output" if to_stdout else out
        raise CliError(f"cannot write {where}: {exc.strerror or exc}; nothing was written there") from None
    from microsession.core.format import count_text

    counts = ", ".join(count_text(len(tables[t]), t.replace("_", " ")[:-1]) for t in ("sessions", "session_logs", "tasks", "stack_runs"))
    print(f"Exported {counts} to {'standard output' if to_stdout else out}", file=sys.stderr if to_stdout else sys.stdout)
    return 0


def _export_ics(conn: sqlite3.Connection, out: Path, since: str | None, stamped: bool, force: bool) -> int:
    from microsession.store import export, ics_export

    try:
        rows = ics_export.session_rows(conn, since)
    finally:
        conn.close()
    try:
        export.write_file(out, ics_export.calendar_bytes(rows, _now() if stamped else None), force)
    except export.TargetRefused as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}; nothing was written there") from None
    print(f"Exported {len(rows)} focus sessions as a calendar to {out}")
    return 0


# --- import ----------------------------------------------------------------------------------

def read_document(path: Path) -> dict[str, list[tuple]]:
    """The checked rows of an export file; CliError (one line) for anything else."""
    from microsession.core import export_fast
    from microsession.core import export_format as fmt

    if path.is_dir():
        raise CliError(f"{path} is a folder: only a JSON export can be imported (export --format json)")
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise CliError(f"{path.name} is {size >> 20} MB, more than the {MAX_IMPORT_BYTES >> 20} MB an import may be;"
                           " nothing was changed")
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data[:2] == b"PK":
        raise CliError(f"{path.name} is a zip: only a JSON export can be imported (export --format json)")
    try:
        doc = fmt.parse(data.decode("utf-8"))
        tables = export_fast.validate(doc)
    except UnicodeDecodeError:
        raise CliError(f"{path.name} cannot be imported: it is not UTF-8 text; nothing was changed") from None
    except ValueError as exc:
        raise CliError(f"{path.name} cannot be imported: {exc}; nothing was changed") from None
    unknown = fmt.unknown_keys(doc)
    if unknown:  # from a newer version, or edited by hand: what is left out is said, not hidden
        import sys

        shown = ", ".join(repr(k[:40]) for k in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        print(f"microsession: {path.name} holds {shown}, which this version does not import; left out",
              file=sys.stderr)
    return tables


def cmd_import(args: argparse.Namespace) -> int:
    import gc

    # Millions of objects that live to the end: the collector's passes over them find nothing
    # to free, and took ~0.3 s of ten years' import.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(args)
    finally:
        if collecting:
            gc.enable()


def _import(args: argparse.Namespace) -> int:
    from microsession.store import bulk_insert, db
    from microsession.store.export import merge
    from microsession.store.files import make_folder
    from microsession.trace import trace

    tables = read_document(Path(args.path).expanduser())
    path = _db_file(args)
    make_folder(path.parent)
    bulk_insert.remove_leftovers(path)  # of imports killed while building a new file
    began = lambda: trace("import_writing", rows=sum(map(len, tables.values())))  # noqa: E731
    if bulk_insert.fresh(path):  # a first import on a new computer: the file is built aside
        placed, merged = bulk_insert.new_file_aside(path, lambda conn: merge(conn, tables, began=began),
                                                    built=lambda: trace("import_built"))
        if placed:
            trace("import_committed", added=merged.total_added)
            print(merged.summary())
            return 0
    conn = db.connect(path)  # a data file was there (or appeared meanwhile): the rows go into it
    bulk_insert.roomy_cache(conn)
    try:
        merged = merge(conn, tables, began=began)
        trace("import_committed", added=merged.total_added)
    finally:
        conn.close()
    print(merged.summary())
    return 0


def refresh_summaries(conn) -> None:
    """Recompute the summaries the writes made dirty (store/summary.py). Only a speed-up for
    `stats --all`: when the file is busy it is left for later, nothing is lost."""
    import sqlite3

    from microsession.store import summary

    try:
        summary.refresh(conn)
    except sqlite3.Error:
        pass


# --- backup and restore ----------------------------------------------------------------------

def _keep(args: argparse.Namespace, path: Path) -> int:
    """--keep, else the backup_keep setting (its default when unset or unreadable)."""
    from microsession.core.settings import SPECS, Settings

    spec = SPECS["backup_keep"]
    if args.keep is not None:
        if not spec.lo <= args.keep <= spec.hi:
            raise CliError(f"--keep must be from {spec.lo:g} to {spec.hi:g}")
        return args.keep
    from microsession.store import settings
    from microsession.store.export import open_read_only

    try:
        conn = open_read_only(path)
        try:
            values = settings.load(conn)
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the backup itself
        return spec.default
    return Settings.from_values(values)[0].backup_keep


def cmd_backup(args: argparse.Namespace) -> int:
    from microsession.store.backup import backup_folder, backup_now, daily_backup

    path = _db_file(args)
    if args.daily:
        _refresh_daily(path)
        target = daily_backup(path, backup_folder(path.parent), _keep(args, path), _now())
        print(target or "Today's backup is made already.")
        return 0
    target = backup_now(path, backup_folder(path.parent), _keep(args, path), _now())
    print(target)
    return 0


def _refresh_daily(path: Path) -> None:
    """The app's daily process also brings the summaries of `stats --all` up to date (the app
    itself never loads that code: idle memory)."""
    from microsession.store import db

    if not path.exists():
        return
    try:
        conn = db.connect(path)
    except db.DatabaseError:
        return  # the backup tells what is wrong with the file
    try:
        refresh_summaries(conn)
    finally:
        conn.close()


def _hold_instance_lock(folder: Path):
    """The app's single-instance lock for `folder`, held until closed, so that no app starts
    during a restore; CliError when an app holds it."""
    from microsession.control.client import IS_WINDOWS, lock_path
    from microsession.control.instance import locked_by_another

    running = CliError("Micro-Session is running for this data folder: quit it first (microsession quit), then restore")
    if IS_WINDOWS:
        if locked_by_another(folder):
            raise running
        return None
    import fcntl
    import os

    fd = os.open(lock_path(folder, create=True), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise running from None
    return fd


def cmd_restore(args: argparse.Namespace) -> int:
    import os

    from microsession.store.backup import restore

    source = Path(args.path).expanduser()
    path = _db_file(args)
    if source.resolve() == path.resolve():
        raise CliError(f"{source} is the data file itself: give a backup")
    with contextlib.suppress(OSError), open(source, "rb") as f:
        if f.read(1) in (b"{", b"P"):
            raise CliError(f"{source.name} is an export, not a backup: bring it back with `microsession import`")
    lock = _hold_instance_lock(path.parent)
    try:
        aside = restore(path, source, _now())
    finally:
        if lock is not None:
            os.close(lock)
    kept = f"; the data it replaced is kept as {aside}" if aside else ""
    print(f"Restored {path} from {source}{kept}")
    return 0
