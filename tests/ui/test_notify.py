"""Notifications against a real private session bus and a real dunst, plus the fallbacks."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import fake_services
import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from microsession.ui.session import notify as notify_mod
from microsession.ui.session.notify import Notifier, make_notifier

ACTIONS = [("start_break", "Start break"), ("skip", "Skip")]


class RecordingTray(QSystemTrayIcon):
    """A tray whose showMessage only records its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title: str, msg: str, *rest: object) -> None:  # noqa: N802
        self.messages.append((title, msg))


class FakeService(fake_services.FakeService):
    """Owns org.freedesktop.Notifications on a private bus, answers, and records Notify calls."""

    def __init__(self, address: str, capabilities: list[str]) -> None:
        super().__init__(address, "org.freedesktop.Notifications", {
            "GetCapabilities": ("as", lambda body: (capabilities,)),
            "Notify": ("u", lambda body: (7,)),
            "CloseNotification": (None, lambda body: ())})


def tray_backend() -> str:
    return "tray" if QSystemTrayIcon.supportsMessages() else "none"


@pytest.fixture
def notifier(desktop, qtbot):
    n = make_notifier(None)
    yield n
    n.shutdown()


def test_clicked_action_reaches_the_app(desktop, notifier: Notifier, qtbot) -> None:
    from jeepney import DBusAddress, new_signal
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    assert notifier.backend == "freedesktop"
    got: list[str] = []
    notifier.action_invoked.connect(got.append)
    with qtbot.waitSignal(notifier.delivered, timeout=10000):
        notifier.notify("Session done", "Time for a short break.", ACTIONS)
    qtbot.waitUntil(lambda: desktop.displayed() == 1, timeout=10000)

    # Someone else's notification id, and a malformed signal: both must be ignored. The GetId
    # round trip makes sure the bus has passed them on before dunst's real one.
    with open_dbus_connection(bus=desktop.address) as other:
        emitter = DBusAddress("/org/freedesktop/Notifications",
                              interface="org.freedesktop.Notifications")
        other.send(new_signal(emitter, "ActionInvoked", "us", (987654, "start_break")))
        other.send(new_signal(emitter, "ActionInvoked"))  # no arguments at all
        other.send_and_get_reply(message_bus.GetId(), timeout=5)

    desktop.pick("skip")
    with qtbot.waitSignal(notifier.action_invoked, timeout=10000) as blocker:
        desktop.context()
    assert blocker.args == ["skip"]
    assert got == ["skip"]
    assert ",start_break]" in (desktop.dir / "dmenu-input").read_text()  # both were offered


def test_a_second_notification_replaces_the_first(desktop, notifier: Notifier, qtbot) -> None:
    with qtbot.waitSignal(notifier.delivered, timeout=10000) as first:
        notifier.notify("First", "one", ACTIONS)
    qtbot.waitUntil(lambda: desktop.displayed() == 1, timeout=10000)
    with qtbot.waitSignal(notifier.delivered, timeout=10000) as second:
        notifier.notify("Second", "two", ACTIONS)
    assert second.args == first.args  # same server id: replaced, not added
    assert desktop.displayed() == 1
    assert desktop.dunstctl("count", "waiting") == "0"
    desktop.dunstctl("close-all")
    qtbot.waitUntil(lambda: desktop.displayed() == 0, timeout=10000)
    history = desktop.dunstctl("history")
    assert '"Second"' in history and '"First"' not in history


def test_back_to_back_notifications_never_pile_up(desktop, notifier: Notifier, qtbot) -> None:
    """notify() while the previous Notify awaits its reply is queued, then replaces it."""
    with qtbot.waitSignal(notifier.delivered, timeout=10000):  # past the capabilities' reply
        notifier.notify("Before", "body", ACTIONS)
    ids: list[int] = []
    notifier.delivered.connect(ids.append)
    for n in range(5):
        notifier.notify(f"Burst {n}", "body", ACTIONS)
    qtbot.waitUntil(lambda: len(ids) == 2, timeout=10000)  # the first, then the latest
    assert ids[0] == ids[1]
    assert desktop.displayed() == 1
    desktop.dunstctl("close-all")
    qtbot.waitUntil(lambda: desktop.displayed() == 0, timeout=10000)
    assert '"Burst 4"' in desktop.dunstctl("history")
    assert '"Burst 1"' not in desktop.dunstctl("history")


def test_close_takes_the_notification_away(desktop, notifier: Notifier, qtbot) -> None:
    with qtbot.waitSignal(notifier.delivered, timeout=10000):
        notifier.notify("Break over", "Back to it <when> you're ready & rested.", ACTIONS)
    qtbot.waitUntil(lambda: desktop.displayed() == 1, timeout=10000)
    notifier.close()
    qtbot.waitUntil(lambda: desktop.displayed() == 0, timeout=10000)
    # dunst does not list "body-markup" in its capabilities: the body goes out as typed.
    assert "Back to it <when> you're ready & rested." in desktop.dunstctl("history")


def test_dead_socket_falls_back_quickly(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    tray = RecordingTray()
    start = time.monotonic()
    n = make_notifier(tray)
    assert time.monotonic() - start < 2.0
    assert n.backend == tray_backend()
    n.notify("Session done", "Time for a short break.", ACTIONS)
    n.close()
    n.shutdown()
    if n.backend == "tray":
        assert tray.messages == [("Session done", "Time for a short break.")]
    assert make_notifier(None).backend == "none"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix domain sockets")
def test_silent_bus_falls_back_within_2_s(qtbot, tmp_path: Path, monkeypatch) -> None:
    """A socket that accepts but never answers (hung bus) must not hang the app."""
    path = tmp_path / "silent"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(1)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
        start = time.monotonic()
        n = make_notifier(None)
        assert time.monotonic() - start < 2.0
    assert n.backend == "none"
    n.notify("a", "b", ACTIONS)


def test_no_session_bus_at_all(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert make_notifier(None).backend == "none"


def test_bus_without_notification_service(private_bus: str, qtbot) -> None:
    tray = RecordingTray()
    start = time.monotonic()
    n = make_notifier(tray)
    assert time.monotonic() - start < 2.0
    assert n.backend == tray_backend()


def test_unanswered_notify_falls_back(private_bus: str, qtbot, monkeypatch) -> None:
    """A service that owns the name but never answers: fall back, and show the message there."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    monkeypatch.setattr(notify_mod.FreedesktopNotifier, "REPLY_TIMEOUT_MS", 300)
    with open_dbus_connection(bus=private_bus) as squatter:
        squatter.send_and_get_reply(
            message_bus.RequestName("org.freedesktop.Notifications"), timeout=5
        )
        tray = RecordingTray()
        n = make_notifier(tray)
        assert n.backend == "freedesktop"
        n.notify("Session done", "Time for a short break.", ACTIONS)
        qtbot.waitUntil(lambda: n.backend != "freedesktop", timeout=5000)
    assert n.backend == tray_backend()
    if n.backend == "tray":
        assert tray.messages == [("Session done", "Time for a short break.")]
        n.notify("Again", "via the tray")
        assert tray.messages[-1] == ("Again", "via the tray")
    n.shutdown()
    assert n.backend == "none"


def test_activatable_but_broken_service_falls_back_on_first_notify(
    private_bus: str, bus_services: Path, qtbot
) -> None:
    """No owner yet but D-Bus-activatable counts as available; a failed start falls back."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    (bus_services / "fake-notifications.service").write_text(
        "[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=/bin/false\n"
    )
    with open_dbus_connection(bus=private_bus) as conn:
        conn.send_and_get_reply(message_bus.ReloadConfig(), timeout=5)
    tray = RecordingTray()
    n = make_notifier(tray)
    assert n.backend == "freedesktop"
    n.notify("Session done", "Time for a short break.")
    qtbot.waitUntil(lambda: n.backend != "freedesktop", timeout=10000)
    assert n.backend == tray_backend()
    n.shutdown()


def test_wire_format_and_markup_escaping(private_bus: str, qtbot) -> None:
    """What goes over the wire; the body is escaped only for a server that reads markup."""
    service = FakeService(private_bus, ["actions", "body", "body-markup"])
    service.start()
    try:
        n = make_notifier(None)
        assert n.backend == "freedesktop"
        with qtbot.waitSignal(n.delivered, timeout=10000) as first:
            n.notify("Session done", "Time for a break.", ACTIONS)
        assert first.args == [7]
        # The capabilities reply came before the Notify reply (same sender, same order).
        with qtbot.waitSignal(n.delivered, timeout=10000):
            n.notify("Break", "R&D <later>")
        n.shutdown()
    finally:
        service.stop()
    (sig1, body1), (sig2, body2) = service.notifies
    assert sig1 == sig2 == "susssasa{sv}i"
    app, replaces, icon, summary, body, actions, hints, expire = body1
    assert (app, replaces, summary, body) == ("Micro-Session", 0, "Session done", "Time for a break.")
    assert icon == "" or (icon.startswith("file:///") and icon.endswith("microsession-64.png"))
    assert actions == ["start_break", "Start break", "skip", "Skip"]
    assert hints == {
        "category": ("s", "x-microsession.timer"),
        "urgency": ("y", 1),
        "desktop-entry": ("s", "io.github.microsession.MicroSession"),  # the desktop file's id
        "suppress-sound": ("b", True),  # the chime is ours (or off): the server stays silent
    }
    assert expire == -1
    assert body2[1] == 7  # replaces the first
    assert body2[4] == "R&amp;D &lt;later&gt;"
    assert body2[5] == []


def test_a_restarted_service_is_used_again(private_bus: str, qtbot, monkeypatch) -> None:
    """One failed Notify (the service went away) does not turn D-Bus notifications off for
    the rest of the run: the next notification connects again and reaches the new service
    (at once: the bus answered, so it does not hang)."""
    service = FakeService(private_bus, ["actions", "body"])
    service.start()
    n = make_notifier(None)
    try:
        with qtbot.waitSignal(n.delivered, timeout=10000):
            n.notify("First", "one", ACTIONS)
        service.stop()  # the service quits: the bus answers the next Notify with an error
        n.notify("While it is gone", "two", ACTIONS)
        qtbot.waitUntil(lambda: n.backend != "freedesktop", timeout=10000)
        service = FakeService(private_bus, ["actions", "body"])  # it comes back
        service.start()
        with qtbot.waitSignal(n.delivered, timeout=10000):
            n.notify("Back", "three", ACTIONS)
        assert n.backend == "freedesktop"
        assert [body[3] for _sig, body in service.notifies] == ["Back"]
    finally:
        n.shutdown()
        service.stop()


def test_no_buttons_for_a_server_without_actions_and_sound_when_asked(private_bus: str, qtbot) -> None:
    service = FakeService(private_bus, ["body"])  # no "actions" capability
    service.start()
    n = make_notifier(None)
    try:
        with qtbot.waitSignal(n.delivered, timeout=10000):
            n.notify("Session done", "Time for a break.", ACTIONS, sound=True)
    finally:
        n.shutdown()
        service.stop()
    [(_sig, body)] = service.notifies
    assert body[5] == []
    assert body[6]["sound-name"] == ("s", "complete") and "suppress-sound" not in body[6]


def test_icon_by_name_once_installed_in_the_icon_theme(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "none"))
    assert notify_mod.icon_ref().startswith("file:///")  # not installed: the packaged file
    icon = tmp_path / "icons/hicolor/64x64/apps/io.github.microsession.MicroSession.png"
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"png")
    assert notify_mod.icon_ref() == "io.github.microsession.MicroSession"
