"""Start at login: what to write per platform, and writing or removing it. No Qt.

- Linux (and other XDG desktops): $XDG_CONFIG_HOME/autostart/<APP_ID>.desktop
- macOS: ~/Library/LaunchAgents/<APP_ID>.plist (RunAtLoad; launchd reads it at next login)
- Windows: HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, value "Micro-Session"

The command is absolute (a login session's PATH may lack ~/.local/bin or a venv): the frozen
app itself, else the `microsession` script beside this interpreter or on PATH, else this
interpreter with -m microsession. A data folder other than the platform's default is passed
as --data-dir: the setting lives in that folder's database, and an app started at login on
another folder would not know it was asked for (MICROSESSION_DATA_DIR is not set at login).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

APP_ID = "io.github.microsession.MicroSession"
APP_NAME = "Micro-Session"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Micro-Session"


class AutostartError(Exception):
    """Start at login could not be set or cleared: one line for the user."""


def platform_name(raw: str | None = None) -> str:
    raw = raw or sys.platform
    if raw.startswith("win"):
        return "windows"
    if raw == "darwin":
        return "macos"
    return "linux"  # Linux, the BSDs: freedesktop autostart


def launch_argv(data_folder: Path | None = None) -> list[str]:
    """The command that starts this installation of the app, absolute."""
    if getattr(sys, "frozen", False):  # PyInstaller: the executable is the app
        argv = [str(Path(sys.executable).resolve())]
    else:
        beside = Path(sys.executable).with_name("microsession.exe" if os.name == "nt" else "microsession")
        script = str(beside) if beside.is_file() else shutil.which("microsession")
        argv = [str(Path(script).absolute())] if script else [str(Path(sys.executable).absolute()), "-m", "microsession"]
    if data_folder is not None and not _is_default(data_folder):
        argv += ["--data-dir", str(Path(data_folder).expanduser().absolute())]
    return argv


def _is_default(folder: Path) -> bool:
    import platformdirs

    from microsession.paths import APP_NAME as DIR_NAME

    default = Path(platformdirs.user_data_dir(DIR_NAME, appauthor=False))
    try:
        return Path(folder).expanduser().resolve() == default.resolve()
    except OSError:
        return False


# --- What would be written --------------------------------------------------------------------

def exec_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key (freedesktop Desktop Entry spec, "Exec")."""
    if any(ord(c) < 32 for c in arg):
        raise ValueError(f"a line break or control character cannot go in a desktop entry: {arg!r}")
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in " \"'\\><~|&;$*?#()`"):
        return arg
    inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    # the value is also a desktop-entry string: its backslashes are escaped once more
    return '"' + inner.replace("\\", "\\\\") + '"'


def desktop_entry(argv: Sequence[str]) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={APP_NAME}",
        "Comment=A calm tray timer for focused micro-sessions",
        "Exec=" + " ".join(exec_quote(a) for a in argv),
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Utility;",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


def launch_agent(argv: Sequence[str]) -> str:
    import plistlib

    return plistlib.dumps({
        "Label": APP_ID,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }).decode("utf-8")


def entry_for(platform: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              home: Path | None = None) -> tuple[str, str]:
    """(where, content) for `platform` ("linux", "macos", "windows"): a file path, or for
    Windows the registry value's full name and the command line it would hold."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform == "windows":
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}", subprocess.list2cmdline(list(argv))
    if platform == "macos":
        return str(home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"), launch_agent(argv)
    config = env.get("XDG_CONFIG_HOME") or ""
    base = Path(config) if os.path.isabs(config) else home / ".config"  # the spec ignores relative ones
    return str(base / "autostart" / f"{APP_ID}.desktop"), desktop_entry(argv)


# --- Doing it ---------------------------------------------------------------------------------

def enable(data_folder: Path | None = None, platform: str | None = None) -> str:
    """Start at login from now on; returns where it was written. AutostartError on failure."""
    platform = platform or platform_name()
    try:
        where, content = entry_for(platform, launch_argv(data_folder))
    except ValueError as exc:
        raise AutostartError(f"Could not set up start at login: {exc}") from None
    try:
        if platform == "windows":
            _set_run_value(content)
        else:
            _write_file(Path(where), content)
    except OSError as exc:
        raise AutostartError(f"Could not set up start at login ({where}): {exc.strerror or exc}") from None
    return where


def disable(platform: str | None = None) -> None:
    """No start at login (nothing to do when it was not set). AutostartError on failure."""
    platform = platform or platform_name()
    where, _ = entry_for(platform, [])
    try:
        if platform == "windows":
            _delete_run_value()
        else:
            Path(where).unlink(missing_ok=True)
    except OSError as exc:
        raise AutostartError(f"Could not turn off start at login ({where}): {exc.strerror or exc}") from None


def is_enabled(platform: str | None = None) -> bool:
    platform = platform or platform_name()
    where, _ = entry_for(platform, [])
    if platform == "windows":
        try:
            return _get_run_value() is not None
        except OSError:
            return False
    return Path(where).is_file()


def _write_file(path: Path, content: str) -> None:
    """Written whole or not at all: a temporary file beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _set_run_value(command: str) -> None:  # pragma: no cover - Windows only
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, command)


def _delete_run_value() -> None:  # pragma: no cover - Windows only
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, RUN_VALUE)
    except FileNotFoundError:
        pass


def _get_run_value() -> str | None:  # pragma: no cover - Windows only
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            return winreg.QueryValueEx(key, RUN_VALUE)[0]
    except FileNotFoundError:
        return None
