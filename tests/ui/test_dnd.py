"""Do not disturb while focusing, through the real shell: dunst for real on a private desktop;
GNOME with the real gsettings (its keyfile backend in a temporary folder) and KDE's Inhibit
against fake notification servers on a private bus; mako and swaync through stand-in tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fake_services import notification_server
from microsession.core.dnd_plan import RECORD_NAME, Record
from microsession.core.session import State
from microsession.core.settings import Settings
from microsession.ui.shell import Shell
from shell_kit import build_shell, close_shell


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt: libglib2.0-bin gsettings-desktop-schemas dunst)"
        if in_ci():
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def make_shell(qapp, tmp_path):
    made = []

    def make(**settings) -> Shell:
        made.append(build_shell(qapp, tmp_path, **{"dnd_while_focusing": True, "chime": False, **settings}))
        return made[-1]

    yield make
    for shell in made:
        close_shell(shell)


def finish(shell: Shell) -> None:
    shell.c.clock.advance(shell.c.engine.remaining() + 1)
    shell.c.wake()
    assert shell.c.engine.state is State.FINISHED


def record(tmp_path: Path) -> Record | None:
    path = tmp_path / RECORD_NAME
    return Record.from_json(path.read_text()) if path.exists() else None


# --- dunst, for real ------------------------------------------------------------------

def test_dunst_paused_during_focus_and_our_end_gets_through(desktop, make_shell, tmp_path, qtbot):
    shell = make_shell()
    shell.c.start(25)
    assert desktop.dunstctl("is-paused") == "true"
    assert record(tmp_path) == Record("dunst", "false")  # written before the change
    subprocess.run(["notify-send", "Chat", "someone wrote"], env=desktop.env, check=True, timeout=10)
    qtbot.waitUntil(lambda: desktop.dunstctl("count", "waiting") == "1", timeout=10000)
    assert desktop.displayed() == 0  # held back while focusing

    finish(shell)
    assert desktop.dunstctl("is-paused") == "false"
    assert record(tmp_path) is None
    # ours ("Session done") and the held one both show now
    qtbot.waitUntil(lambda: desktop.displayed() == 2, timeout=10000)


def test_dunst_left_paused_by_the_user_stays_paused(desktop, make_shell, tmp_path):
    desktop.dunstctl("set-paused", "true")
    shell = make_shell()
    shell.c.start(25)
    assert record(tmp_path) is None  # nothing of ours to put back
    shell.c.stop()
    assert desktop.dunstctl("is-paused") == "true"


def test_pause_and_setting_off_give_notifications_back(desktop, make_shell):
    shell = make_shell()
    shell.c.start(25)
    shell.c.pause()
    assert desktop.dunstctl("is-paused") == "false"  # interrupted: not focusing now
    shell.c.resume()
    assert desktop.dunstctl("is-paused") == "true"
    shell.apply_settings(Settings(dnd_while_focusing=False, chime=False))
    assert desktop.dunstctl("is-paused") == "false"


def test_a_leftover_record_is_put_back_at_start(desktop, make_shell, tmp_path):
    desktop.dunstctl("set-paused", "true")  # what a killed app left
    (tmp_path / RECORD_NAME).write_text(Record("dunst", "false").to_json())
    shell = make_shell()
    shell.dnd.restore_leftover()
    assert desktop.dunstctl("is-paused") == "false"
    assert record(tmp_path) is None


def test_chime_held_while_the_desktop_is_in_do_not_disturb(desktop, make_shell):
    desktop.dunstctl("set-paused", "true")
    shell = make_shell(dnd_while_focusing=False, quiet_hours=False)
    shell.c.set_settings(Settings(chime=True, quiet_hours=False))
    shell.chime()
    assert shell._chime is None  # no player was even made
    desktop.dunstctl("set-paused", "false")
    shell.chime()
    assert shell._chime is not None


# --- GNOME, KDE, mako, swaync ---------------------------------------------------------

def test_gnome_show_banners_off_during_focus(private_bus, make_shell, tmp_path, monkeypatch):
    need("gsettings")
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    get = ["gsettings", "get", "org.gnome.desktop.notifications", "show-banners"]
    assert subprocess.run(get, capture_output=True, text=True, check=True).stdout.strip() == "true"
    server = notification_server(private_bus, "gnome-shell")
    try:
        shell = make_shell()
        shell.c.start(25)
        assert subprocess.run(get, capture_output=True, text=True, check=True).stdout.strip() == "false"
        assert record(tmp_path) == Record("gnome", "true")
        finish(shell)
        assert subprocess.run(get, capture_output=True, text=True, check=True).stdout.strip() == "true"
        assert record(tmp_path) is None
    finally:
        server.stop()


def test_kde_inhibit_during_focus(private_bus, make_shell, tmp_path, qtbot):
    inhibited = []
    server = notification_server(private_bus, "Plasma", {
        "Get:Inhibited": ("v", lambda body: (("b", bool(inhibited)),)),
        "Inhibit": ("u", lambda body: (inhibited.append(body) or 42,)),
        "UnInhibit": (None, lambda body: inhibited.clear() or ()),
    })
    try:
        shell = make_shell()
        shell.c.start(25)
        assert [body[0] for body in inhibited] == ["io.github.microsession.MicroSession"]
        assert record(tmp_path) == Record("kde", "false")
        shell.c.stop()
        assert inhibited == []
        assert ("UnInhibit", (42,)) in server.calls
    finally:
        server.stop()


STATEFUL_TOOL = """#!/bin/sh
# a stand-in for {name}: keeps its do-not-disturb state in a file, logs its arguments
echo "$*" >> "{dir}/{name}.log"
state=$(cat "{dir}/{name}.state" 2>/dev/null || echo false)
case "$*" in
  "--get-dnd --skip-wait") echo "$state" ;;
  "--dnd-on --skip-wait"|"mode -a do-not-disturb") echo true > "{dir}/{name}.state" ;;
  "--dnd-off --skip-wait"|"mode -r do-not-disturb") echo false > "{dir}/{name}.state" ;;
  "mode") echo default; [ "$state" = true ] && echo do-not-disturb ;;
  *) exit 2 ;;
esac
exit 0
"""


@pytest.mark.parametrize("server_name, tool", [("mako", "makoctl"), ("SwayNotificationCenter", "swaync-client")])
def test_mako_and_swaync_through_their_tools(private_bus, make_shell, tmp_path, monkeypatch, server_name, tool):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / tool).write_text(STATEFUL_TOOL.format(name=tool, dir=tmp_path))
    (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    server = notification_server(private_bus, server_name)
    try:
        shell = make_shell()
        shell.c.start(25)
        assert (tmp_path / f"{tool}.state").read_text().strip() == "true"
        finish(shell)
        assert (tmp_path / f"{tool}.state").read_text().strip() == "false"
    finally:
        server.stop()


def test_no_backend_is_told_once(private_bus, make_shell, monkeypatch):
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "XFCE")
    shell = make_shell()
    told = []
    shell.tell = told.append
    shell.c.start(25)
    shell.c.stop()
    shell.c.start(25)
    assert told == ["Do not disturb is not available on this desktop (GNOME, KDE, dunst, mako, swaync)."]


BROKEN_DUNSTCTL = """#!/bin/sh
echo "$*" >> "{dir}/dunstctl.log"
case "$1" in is-paused) echo false ;; *) echo "cannot connect" >&2; exit 1 ;; esac
"""


def test_a_failing_tool_is_told_once_and_changes_nothing(private_bus, make_shell, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dunstctl").write_text(BROKEN_DUNSTCTL.format(dir=tmp_path))
    (bin_dir / "dunstctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    server = notification_server(private_bus, "dunst")
    try:
        shell = make_shell()
        told = []
        shell.tell = told.append
        shell.c.start(25)
        shell.c.stop()
        shell.c.start(25)
        assert len(told) == 1 and told[0].startswith("Do not disturb could not be switched (dunstctl set-paused failed")
        # putting back failed as well: the record stays, for the next start to try again
        assert record(tmp_path) == Record("dunst", "false")
        assert not shell.dnd.on and not shell.dnd.desktop_quiet()  # the chime is not held by it
        assert (tmp_path / "dunstctl.log").read_text().count("set-paused") == 2  # on, put back; not again
    finally:
        server.stop()
