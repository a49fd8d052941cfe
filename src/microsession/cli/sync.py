"""`microsession sync folder|now|status`: one log on several computers through a synced folder.

No Qt. `sync folder PATH` sets the folder (a setting: not synced itself); `sync now` writes this
computer's changes there and merges the others'; `sync status` tells the computers seen, the
last change from each, what waits to be written and the files set aside.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from microsession.cli.common import CliError, run_subcommand


def add_parser(sub: Any) -> None:
    p = sub.add_parser("sync", help="one log on several computers through a synced folder (microsession sync --help)")
    cmds = p.add_subparsers(dest="sync_command", metavar="{folder,now,status}")
    folder = cmds.add_parser("folder", help="set (or show) the folder your sync program shares")
    folder.add_argument("path", nargs="?", help="a full path, e.g. ~/Sync/microsession")
    folder.add_argument("--off", action="store_true", help="stop syncing (the folder is left as it is)")
    folder.add_argument("--name", help="this computer's name, as the others show it (default: the host name)")
    cmds.add_parser("now", help="write this computer's changes and merge the others' now")
    status = cmds.add_parser("status", help="computers seen, the last change from each, pending, problems")
    status.add_argument("--json", action="store_true", help="JSON instead of text")


def run(args: argparse.Namespace) -> int:
    return run_subcommand("sync", {"folder": _folder, "now": _now, "status": _status},
                          getattr(args, "sync_command", None), args)


def _open(args: argparse.Namespace):
    from microsession.paths import data_dir, db_path
    from microsession.store import db

    folder = data_dir(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        conn = db.connect(db_path(folder))
    except db.DatabaseError as exc:
        raise CliError(f"cannot use the data file: {exc}") from None
    return conn, folder


def _settings(conn):
    from microsession.core.settings import Settings
    from microsession.store import settings as store

    return Settings.from_values(store.load(conn))[0]


def _folder(args: argparse.Namespace) -> int:
    from microsession.core.settings import SPECS
    from microsession.store import settings as store
    from microsession.store.sync_status import folder_path
    from microsession.store.sync_journal import folder_problem

    conn, _ = _open(args)
    try:
        if args.off:
            store.save(conn, "sync_folder", "")
            print("Sync is off; the folder keeps what was written there.")
            return 0
        if args.name is not None:
            store.save(conn, "device_name", SPECS["device_name"].check(args.name))
        if args.path is None:
            current = _settings(conn).sync_folder
            print(current or "No sync folder is set (microsession sync folder PATH).")
            return 0
        path = folder_path(args.path)
        SPECS["sync_folder"].check(str(path))
        if problem := folder_problem(path):
            raise CliError(problem)
        store.save(conn, "sync_folder", str(path.resolve()))
        print(f"Sync folder: {path.resolve()} (run 'microsession sync now', or let the app do it).")
        return 0
    finally:
        conn.close()


def _now(args: argparse.Namespace) -> int:
    from microsession.store.sync_status import device_name, folder_path, sync_once
    from microsession.trace import enabled as trace_enabled, trace

    conn, data = _open(args)
    try:
        s = _settings(conn)
        if not s.sync_folder:
            raise CliError("no sync folder is set (microsession sync folder PATH)")
        try:
            done = sync_once(conn, folder_path(s.sync_folder), data, device_name(s.device_name),
                             trace=trace if trace_enabled() else None)
        except OSError as exc:
            raise CliError(f"cannot write to the sync folder: {exc.strerror or exc}") from None
        print(done.summary())
        for problem in done.merged.problems:
            print(f"Set aside: {problem}")
        return 0
    finally:
        conn.close()


def _status(args: argparse.Namespace) -> int:
    from microsession.store.sync_status import device_name, folder_path, status

    conn, _ = _open(args)
    try:
        s = _settings(conn)
        data = status(conn, folder_path(s.sync_folder) if s.sync_folder else None, device_name(s.device_name))
    finally:
        conn.close()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"Sync folder: {data['folder'] or 'none (microsession sync folder PATH)'}"
          + ("" if data["on"] or not data["folder"] else " (not synced yet)"))
    print(f"Waiting to be written: {data['pending']} change{'s' if data['pending'] != 1 else ''}")
    for d in data["devices"]:
        who = f"{d['name'] or '(no name)'} [{d['device'][:8]}]" + (" — this computer" if d["this"] else "")
        print(f"  {who}: {d['sessions']} sessions, last change {d['last_change_utc'] or 'none yet'}")
    for p in data["problems"]:
        print(f"Problem: {p}")
    return 0

