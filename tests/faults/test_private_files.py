"""Issue 14 items 3 and 4: what the app writes is the user's alone, and a temporary name
never leads through a link someone planted.

* Permissions: with the usual umask 022 the data folder, the database with its WAL and
  SHM, backups, exports (a file, a zip, a CSV folder) and hooks.log are 0700 / 0600; an
  older install left 0755 / 0644 is fixed at start.
* Planted links: the names the older code used (`.<name>.tmp-<pid>`, `.<db>.restoring-<pid>`,
  `.<backup>.partial-<pid>`) are planted as links to a victim file; export, restore and
  backup leave the victim as it was, and the live data file stays a regular file.
"""

from __future__ import annotations

import os
import stat
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from microsession.cli import main
from microsession.paths import db_path
from microsession.store import backup, db, files

NOW = datetime(2026, 3, 22, 12, tzinfo=timezone.utc)


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def make_data(folder: Path) -> Path:
    from microsession.journal import Journal
    from microsession.core.clock import FakeClock
    from microsession.core.events import Kind
    from microsession.core.session import Engine

    conn, _ = db.open_or_set_aside(db_path(folder))
    engine = Engine(FakeClock())
    Journal(conn).record(engine.start(600, Kind.MICRO))
    conn.close()
    return db_path(folder)


def test_data_folder_database_and_its_sidecars_are_private(tmp_path, umask022):
    folder = tmp_path / "data"
    conn, _ = db.open_or_set_aside(db_path(folder))
    conn.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")  # the WAL and SHM exist now
    assert Path(f"{db_path(folder)}-wal").exists() and Path(f"{db_path(folder)}-shm").exists()
    assert mode(folder) == 0o700
    for suffix in ("", "-wal", "-shm"):
        assert mode(Path(f"{db_path(folder)}{suffix}")) == 0o600, suffix
    conn.close()


def test_an_older_install_left_readable_is_fixed_at_start(tmp_path, umask022):
    folder = tmp_path / "data"
    os.umask(0o022)
    path = make_data(folder)
    (folder / "backups").mkdir(exist_ok=True)
    old_backup = folder / "backups" / "microsession-2026-03-01.sqlite3"
    old_backup.write_bytes(b"x")
    (folder / "hooks.log").write_text("old")
    for p, m in ((folder, 0o755), (folder / "backups", 0o755), (old_backup, 0o644), (path, 0o644),
                 (folder / "hooks.log", 0o644)):
        os.chmod(p, m)
    conn, message = db.open_or_set_aside(path)
    conn.close()
    assert message is None
    assert [mode(folder), mode(folder / "backups")] == [0o700, 0o700]
    assert [mode(old_backup), mode(path), mode(folder / "hooks.log")] == [0o600] * 3


def test_backups_and_exports_are_private(tmp_path, umask022, monkeypatch, capsys):
    folder = tmp_path / "data"
    path = make_data(folder)
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    made = backup.backup_now(path, backup.backup_folder(folder), 7, NOW)
    assert mode(made.parent) == 0o700 and mode(made) == 0o600
    out = tmp_path / "out"
    out.mkdir()
    for args in (["--out", str(out / "e.json")], ["--out", str(out / "e.zip")], ["--format", "csv", "--out", str(out / "csv")]):
        assert main(["export", *args]) == 0, capsys.readouterr().err
    assert mode(out / "e.json") == 0o600 and mode(out / "e.zip") == 0o600
    assert mode(out / "csv") == 0o700 and {mode(p) for p in (out / "csv").iterdir()} == {0o600}


def plant(link: Path, victim: Path) -> None:
    link.symlink_to(victim)


@pytest.fixture
def victim(tmp_path) -> Path:
    v = tmp_path / "victim"
    v.write_bytes(b"root's precious file")
    return v


def test_export_never_writes_through_a_planted_temporary_name(tmp_path, victim, monkeypatch, capsys):
    folder = tmp_path / "data"
    make_data(folder)
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(folder))
    out = tmp_path / "shared"
    out.mkdir()
    for name in ("e.json", "e.zip", "csv"):
        plant(out / f".{name}.tmp-{os.getpid()}", victim)
    for args in (["--out", str(out / "e.json")], ["--out", str(out / "e.zip")], ["--format", "csv", "--out", str(out / "csv")]):
        assert main(["export", *args]) == 0, capsys.readouterr().err
    assert victim.read_bytes() == b"root's precious file"
    assert (out / "e.json").is_file() and not (out / "e.json").is_symlink()


def test_restore_never_writes_through_a_planted_temporary_name(tmp_path, victim):
    folder = tmp_path / "data"
    path = make_data(folder)
    made = backup.backup_now(path, backup.backup_folder(folder), 7, NOW)
    planted = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    plant(planted, victim)
    for suffix in ("-wal", "-journal"):
        plant(Path(f"{planted}{suffix}"), victim)
    backup.restore(path, made, NOW)
    assert victim.read_bytes() == b"root's precious file"
    assert stat.S_ISREG(os.lstat(path).st_mode), "the live data file must not become a link"
    with closing(db.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_backup_never_writes_through_a_planted_partial_name(tmp_path, victim):
    folder = tmp_path / "data"
    path = make_data(folder)
    target_folder = backup.backup_folder(folder)
    target_folder.mkdir(mode=0o700)
    local = NOW.astimezone()
    for name in (f"microsession-{local:%Y-%m-%d}.sqlite3", f"microsession-{local:%Y-%m-%d-%H%M%S}.sqlite3"):
        plant(target_folder / f".{name}{backup.PARTIAL_SUFFIX}-{os.getpid()}", victim)
    made = backup.backup_now(path, target_folder, 7, NOW, daily=True)
    assert victim.read_bytes() == b"root's precious file"
    assert stat.S_ISREG(os.lstat(made).st_mode)


def test_a_new_file_is_never_opened_through_a_link(tmp_path, victim):
    plant(tmp_path / "link", victim)
    with pytest.raises(FileExistsError):
        files.create_new(tmp_path / "link")
    with pytest.raises(FileExistsError):
        files.copy_new(victim, tmp_path / "link")
    assert victim.read_bytes() == b"root's precious file"


def test_only_the_apps_own_files_are_tightened_and_never_a_shared_folder(tmp_path, umask022, monkeypatch):
    """A --data-dir pointing at /tmp, the home folder or a folder of the user's own files must
    not close /tmp, the home folder, or take the exec bit off the user's scripts."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    for folder in (shared, home):
        script = folder / "backup.sh"
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
        (folder / "bin").mkdir()
        (folder / "bin" / "tool").write_text("x")
        (folder / "bin" / "tool").chmod(0o755)
        conn, _ = db.open_or_set_aside(db_path(folder))
        conn.close()
        assert mode(db_path(folder)) == 0o600
        assert [mode(script), mode(folder / "bin"), mode(folder / "bin" / "tool")] == [0o755, 0o755, 0o755]
    assert mode(shared) == 0o1777 and mode(home) == 0o755
