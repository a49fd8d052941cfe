"""Start at login: the XDG autostart file for real (appears, disappears, valid, launches),
the macOS LaunchAgent and the Windows Run value as what would be written."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microsession import autostart
from microsession.autostart import APP_ID, entry_for, exec_quote


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    return tmp_path


def exec_argv(desktop_text: str) -> list[str]:
    """The Exec key decoded as the spec says: string escapes first, then the quoting rule
    (inside double quotes a backslash escapes " ` $ and itself), then %% -> %."""
    line = next(l for l in desktop_text.splitlines() if l.startswith("Exec="))[5:]
    line = line.replace("\\\\", "\\")
    args, current, quoted, i, started = [], "", False, 0, False
    while i < len(line):
        c = line[i]
        if quoted and c == "\\" and line[i + 1] in '"`$\\':
            current, i = current + line[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started or current:
                args.append(current)
            current, started = "", False
        else:
            current += c
        i += 1
    if started or current:
        args.append(current)
    return [a.replace("%%", "%") for a in args]


def test_linux_file_appears_and_disappears(xdg):
    assert not autostart.is_enabled("linux")
    where = autostart.enable(platform="linux")
    path = xdg / "config" / "autostart" / f"{APP_ID}.desktop"
    assert where == str(path) and path.is_file() and autostart.is_enabled("linux")
    assert not list(path.parent.glob("*.tmp"))
    autostart.enable(platform="linux")  # again: still one file
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    autostart.disable("linux")
    assert not path.exists() and not autostart.is_enabled("linux")
    autostart.disable("linux")  # nothing to do: no error


def test_linux_entry_launches_this_installation(xdg):
    folder = xdg / "my data $HOME \"quoted\" 100%"
    autostart.enable(folder, platform="linux")
    text = (xdg / "config" / "autostart" / f"{APP_ID}.desktop").read_text()
    argv = exec_argv(text)
    assert argv[-2:] == ["--data-dir", str(folder)]
    assert Path(argv[0]).is_absolute()
    done = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("microsession "), done.stderr


def test_default_data_folder_is_not_passed(xdg):
    default = xdg / "share" / "microsession"
    assert "--data-dir" not in autostart.launch_argv(default)
    assert "--data-dir" not in autostart.launch_argv(None)
    assert "--data-dir" in autostart.launch_argv(xdg / "elsewhere")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="needs desktop-file-validate (apt: desktop-file-utils)")
def test_linux_entry_is_valid(xdg):
    autostart.enable(xdg / "a b\\c", platform="linux")
    path = xdg / "config" / "autostart" / f"{APP_ID}.desktop"
    done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_unwritable_folder_is_one_clear_error(xdg):
    (xdg / "config").mkdir()
    (xdg / "config" / "autostart").write_text("a file where the folder should be")
    with pytest.raises(autostart.AutostartError, match="Could not set up start at login"):
        autostart.enable(platform="linux")


def test_line_breaks_cannot_reach_the_desktop_file(xdg):
    with pytest.raises(autostart.AutostartError):
        autostart.enable(xdg / "two\nlines", platform="linux")
    assert not autostart.is_enabled("linux")


def test_xdg_config_home_unset_or_relative_means_dot_config(tmp_path):
    for env in ({}, {"XDG_CONFIG_HOME": "relative/dir"}):
        where, _ = entry_for("linux", ["/usr/bin/microsession"], env=env, home=tmp_path)
        assert where == str(tmp_path / ".config" / "autostart" / f"{APP_ID}.desktop")


def test_exec_quoting():
    assert exec_quote("/usr/bin/microsession") == "/usr/bin/microsession"
    assert exec_quote("a b") == '"a b"'
    assert exec_quote('say "hi" $x') == '"say \\\\"hi\\\\" \\\\$x"'
    assert exec_quote("50%") == "50%%"


def test_macos_launch_agent(tmp_path):
    argv = ["/Applications/Micro-Session.app/Contents/MacOS/microsession", "--data-dir", "/Users/a/d"]
    where, content = entry_for("macos", argv, home=tmp_path)
    assert where == str(tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist")
    plist = plistlib.loads(content.encode())
    assert plist["Label"] == APP_ID and plist["ProgramArguments"] == argv and plist["RunAtLoad"] is True


def test_windows_run_value():
    where, content = entry_for("windows", [r"C:\Program Files\Micro-Session\microsession.exe", "--data-dir", r"D:\my data"])
    assert where == r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\Micro-Session"
    assert content == r'"C:\Program Files\Micro-Session\microsession.exe" --data-dir "D:\my data"'


def test_platform_names():
    assert [autostart.platform_name(p) for p in ("linux", "darwin", "win32", "freebsd13")] == [
        "linux", "macos", "windows", "linux"]


def test_frozen_app_launches_itself(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "microsession"))
    assert autostart.launch_argv() == [str(tmp_path / "microsession")]
