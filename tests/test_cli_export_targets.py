"""`export --out` never destroys what it would write over (issue 15 item 4), a full disk
and a data file that is a folder are named (issue 14 item 8).

Only a previous export (or an empty file) is replaced without --force; a link, a FIFO or a
device is refused with one line and left as it was; `--out -` writes to standard output.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli_data import cli, data  # noqa: F401 (the fixture)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def test_a_link_at_out_is_refused_and_kept(data, tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "e.json"
    link.symlink_to(victim)
    code, out, err = cli(capsys, "export", "--out", str(link))
    assert code == 2 and "symbolic link" in err and err.count("\n") == 1, err
    assert link.is_symlink() and victim.read_text() == "precious"
    code, _, err = cli(capsys, "export", "--out", str(link), "--force")  # where it points, when asked
    assert code == 0, err
    assert link.is_symlink() and json.loads(victim.read_text())["format"] == "microsession-export"


def test_a_fifo_is_refused_without_waiting_and_kept(data, tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, _, err = cli(capsys, "export", "--out", str(fifo))
    assert code == 2 and "FIFO" in err and "--out -" in err, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_file_that_is_not_an_export_is_kept_unless_forced(data, tmp_path, capsys):
    thesis = tmp_path / "thesis.json"
    thesis.write_text('{"chapters": 12}')
    code, _, err = cli(capsys, "export", "--out", str(thesis))
    assert code == 2 and "not an export" in err and "--force" in err, err
    assert thesis.read_text() == '{"chapters": 12}'
    zipped = tmp_path / "photos.zip"
    zipped.write_bytes(b"PK\x03\x04 not ours")
    assert cli(capsys, "export", "--out", str(zipped))[0] == 2 and zipped.read_bytes() == b"PK\x03\x04 not ours"
    assert cli(capsys, "export", "--out", str(thesis), "--force")[0] == 0
    assert json.loads(thesis.read_text())["format"] == "microsession-export"


def test_a_previous_export_is_replaced(data, tmp_path, capsys):
    for name in ("e.json", "e.zip"):
        assert cli(capsys, "export", "--out", str(tmp_path / name))[0] == 0
        assert cli(capsys, "export", "--out", str(tmp_path / name), "--stamp")[0] == 0, capsys.readouterr()


def test_out_dash_writes_json_to_standard_output(data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an old build wrote a folder named "-" here
    code, out, err = cli(capsys, "export", "--out", "-")
    assert code == 0 and json.loads(out)["format"] == "microsession-export"
    assert err.startswith("Exported ") and "standard output" in err
    code, out, err = cli(capsys, "export", "--out", "-", "--format", "csv")
    assert code == 2 and out == "" and "JSON only" in err


def test_a_device_is_never_replaced(data, tmp_path, capsys):
    """A private copy of /dev/full (never the machine's own: an old build would replace it)."""
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("making a device node needs root -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip("making a device node needs root")
    dev = tmp_path / "full"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    code, _, err = cli(capsys, "export", "--format", "json", "--out", str(dev))
    assert code == 2 and "a device" in err, err
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    code, _, err = cli(capsys, "export", "--format", "json", "--out", str(dev), "--force")  # written into: it is full
    assert code == 2 and f"cannot write {dev}" in err and err.count("\n") == 1, err
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_data_file_that_is_a_folder_is_named(tmp_path, capsys):
    (tmp_path / "d" / "microsession.sqlite3").mkdir(parents=True)
    code, _, err = cli(capsys, "export", "--out", str(tmp_path / "e.json"), data_dir=tmp_path / "d")
    assert code == 2 and "is a folder, not a data file" in err and "no data file" not in err, err


def _private_mounts() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=64k probe /tmp"], capture_output=True)
    return probe.returncode == 0


def test_export_on_a_full_disk_names_the_file_and_leaves_no_half(data, tmp_path):
    if not _private_mounts():
        reason = "a private mount namespace is needed (root, unshare)"
        if in_ci():
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)
    full = tmp_path / "full"
    full.mkdir()
    script = ('mount -t tmpfs -o size=64k full "$0" && (cat /dev/zero > "$0/filler") 2>/dev/null;'
              ' exec "$@"')
    for out in ("e.json", "e.zip"):
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(full),
                               sys.executable, "-m", "microsession", "export", "--out", str(full / out)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc
        assert proc.stderr.count("\n") == 1 and f"cannot write {full / out}" in proc.stderr, proc.stderr
        assert "No space left" in proc.stderr and "Traceback" not in proc.stderr
