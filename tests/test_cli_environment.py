"""Where the command line runs: a data folder that cannot be one (issue 15 item 7) and no
display for the app (issue 15 item 6). One line, a documented exit code, never a traceback
or Qt's abort (rc 134)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from microsession import display


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "microsession", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if k not in ("MICROSESSION_DATA_DIR", "MICROSESSION_TRACE")}
    return {**base, "XDG_RUNTIME_DIR": str(run_dir)}


def one_line(proc: subprocess.CompletedProcess, code: int, says: str) -> None:
    assert proc.returncode == code, proc
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("microsession: ") and says in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", [["tasks", "list"], ["status"], ["stats", "--week"], ["log"], []])
def test_a_data_dir_that_cannot_be_one_is_refused_with_exit_2(tmp_path, env, command):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    cases = {"": "is empty", "/proc/1": "system folder", str(a_file): "is a file, not a folder",
             str(a_file / "sub"): "is a file"}
    for value, says in cases.items():
        one_line(run(["--data-dir", value, *command], env), 2, says)
    assert a_file.read_text() == "mine"
    one_line(run(command, {**env, "MICROSESSION_DATA_DIR": str(a_file)}), 2, "MICROSESSION_DATA_DIR")


def no_display(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_no_display_is_one_line_not_an_abort(tmp_path, env):
    bare = {**no_display(env), "MICROSESSION_DATA_DIR": str(tmp_path / "data")}
    one_line(run([], bare), 1, "no display")
    one_line(run(["start", "5"], bare), 1, "no display")
    assert run(["status"], bare).returncode == 0  # the commands that need no display still work


def test_a_display_that_does_not_answer_is_named(tmp_path, env):
    dead = {**no_display(env), "DISPLAY": ":59327", "MICROSESSION_DATA_DIR": str(tmp_path / "data")}
    one_line(run([], dead), 1, "cannot connect to the X display ':59327'")


def test_missing_qt_libraries_are_named_with_their_packages():
    fake = [("libmicrosession-absent.so.4", "libabsent4", "absent-util"), ("libc.so.6", "libc6", "glibc")]
    why = display.problem({"DISPLAY": ":0"}, fake)
    assert why.startswith("Qt cannot use the X display: libmicrosession-absent.so.4 missing")
    assert "apt install libabsent4" in why and "dnf install absent-util" in why and "libc6" not in why
    assert display.problem({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, fake) is None  # Qt takes Wayland
    assert display.problem({"QT_QPA_PLATFORM": "offscreen"}, fake) is None
    assert display.problem({"QT_QPA_PLATFORM": "xcb"}, fake).startswith("Qt cannot use the X display")


@pytest.mark.skipif(not Path("/usr/bin/Xvfb").exists() and os.environ.get("CI") != "true", reason="needs Xvfb")
def test_a_real_display_with_every_library_is_fine(tmp_path):
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "320x240x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        assert display.problem({"DISPLAY": f":{number}"}) is None
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
