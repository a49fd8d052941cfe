"""The tray as a StatusNotifierItem, on a real SNI host (tests/e2e/sni_host.py: a watcher and
host on the desktop's private D-Bus session, no XEmbed tray): the app registers, its
IconPixmap and ToolTip change as a session runs, Activate starts a sprint, the whole menu
is reachable through com.canonical.dbusmenu with stable ids, a click on "Start 5 min"
starts one, and `microsession status --json` agrees."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_runner import RunningApp, app_windows
from desktop import Desktop
from sni_host import ITEM_IFACE, SniHost, find_label, walk


@pytest.fixture
def sni_desktop(tmp_path: Path, desktop_programs: None) -> Iterator[Desktop]:
    with Desktop(tmp_path / "desktop", xembed_tray=False) as desk:
        yield desk


def labels(root: dict) -> dict[str, dict]:
    return {str(n["props"].get("label", "")).replace("_", ""): n for n in walk(root) if n["props"].get("label")}


def test_sni_item_icon_tooltip_activate_and_menu(sni_desktop: Desktop, tmp_path: Path) -> None:
    desk = sni_desktop
    with SniHost(desk.bus_address) as host:
        app = RunningApp(desk, tmp_path, scale=60, tray="sni")
        item = host.item()
        assert host.prop(item, "Status") == "Active" and host.prop(item, "Title") == "Micro-Session"
        assert host.prop(item, "ToolTip")[2] == "Micro-Session — Ready"
        idle_pixmap = host.prop(item, "IconPixmap")
        assert idle_pixmap and all(w == h and len(data) == 4 * w * h for w, h, data in idle_pixmap)

        # Left click (Activate) starts the default sprint.
        host.activate(item, 10, 10)
        assert app.wait("session_started", kind="micro")["planned_s"] == 900
        app.wait("ring_shown")
        host.activate(item, 10, 10)  # while it runs: hides the ring, and shows it again
        app.wait("ring_hidden")
        host.activate(item, 10, 10)
        desk.wait_for(lambda: [r["event"] for r in app.records()].count("ring_shown") == 2, timeout=20,
                      what="the ring shown again")
        desk.wait_for(lambda: "min left" in host.prop(item, "ToolTip")[2], timeout=20, what="the tooltip")
        started = host.signals_of("NewIcon")[-1][0] if host.signals_of("NewIcon") else 0.0
        desk.wait_for(lambda: host.signals_of("NewIcon", since=started + 1e-6), timeout=20,
                      what="the progress arc's next step (NewIcon)")
        running_pixmap = host.prop(item, "IconPixmap")
        assert running_pixmap != idle_pixmap
        tip = host.prop(item, "ToolTip")[2]
        desk.wait_for(lambda: host.prop(item, "ToolTip")[2] != tip, timeout=30,
                      what="the tooltip's next minute")

        # The menu: read before opening, then opened; the same ids, in place.
        _rev, before = host.layout(item)
        first_open = len(host.signals_of("LayoutUpdated"))
        host.about_to_show(item, 0)
        _rev, root = host.layout(item)
        ids_before = {n["id"] for n in walk(before)}
        assert ids_before <= {n["id"] for n in walk(root)}
        lines = labels(root)
        assert lines["Stop"]["props"].get("enabled", True) is True
        assert lines["Pause"]["props"].get("enabled", True) is True
        assert lines["Start 5 min"]["props"].get("visible", True) is False  # hidden while running
        status = walk(root).__next__()
        assert status["props"]["label"].startswith("Focus · ") and status["props"]["enabled"] is False
        opened = len(host.signals_of("LayoutUpdated"))
        print(f"LayoutUpdated on the first opening: {opened - first_open}")
        assert 1 <= opened - first_open <= 6  # the "Today" line and the submenus made on first opening
        host.about_to_show(item, 0)
        host.layout(item)
        # A second opening with nothing new sends no layout at all.
        assert len(host.signals_of("LayoutUpdated")) == opened

        # Stop through the id read *before* the opening (stable ids), then start 5 min.
        stop_id = next(n["id"] for n in walk(before) if n["props"].get("label") == "Stop")
        host.click(item, stop_id)
        app.wait("session_ended", where=lambda r: r.get("outcome") == "stopped")
        host.about_to_show(item, 0)
        _rev, root = host.layout(item)
        shown = [(str(n["props"]["label"]).replace("_", ""), n["props"].get("enabled", True))
                 for n in root["children"] if n["props"].get("visible", True) and n["props"].get("label")]
        assert shown[0] == ("Ready", False)
        start_at = shown.index(("Start 5 min", True))
        assert shown[start_at:] == [  # every line of the idle menu, in order, enabled as in the tray's
            *[(f"Start {m} min", True) for m in (5, 10, 15, 20, 25)], ("Custom…", True),
            ("Deep work 90 min", True), ("Deep work 120 min", True),
            ("Start on task", True), ("Batch", True), ("Stack", True),
            ("Pause", False), ("Interrupted", False), ("+5 min", False), ("Stop", False), ("Skip break", False),
            ("Log session…", True),  # the stopped session's popup is waiting
            ("Tasks…", True), ("Projects…", True), ("Stacks…", True), ("Weekly review…", True),
            ("Triggers…", True), ("Settings…", True), ("Hide ring", True), ("Quit", True)], shown
        start5 = find_label(root, "Start 5 min")
        assert start5["props"].get("visible", True) is True and start5["props"].get("enabled", True) is True
        assert start5["id"] in ids_before
        stack_menu = find_label(root, "Stack")  # a submenu, filled when the host opens it
        host.about_to_show(item, stack_menu["id"])
        _rev, root = host.layout(item)
        stacks = [c["props"]["label"] for c in find_label(root, "Stack")["children"]
                  if c["props"].get("visible", True) and c["props"].get("enabled", True)]
        assert any(label.startswith("Research → Write → Edit") for label in stacks), stacks
        host.click(item, start5["id"])
        assert app.wait("session_started", kind="micro", where=lambda r: r["planned_s"] == 300)

        status = app.control("status", "--json")
        fields = json.loads(status.stdout)
        assert status.returncode == 0 and fields["state"] == "running" and fields["phase"] == "focus"
        assert 0 < fields["remaining_s"] <= 300

        # Submenus: filled when the host opens them, every line readable.
        _rev, root = host.layout(item)
        task_menu = find_label(root, "Start on task")
        assert task_menu["props"].get("children-display") == "submenu"
        host.about_to_show(item, task_menu["id"])
        _rev, root = host.layout(item)
        task_menu = find_label(root, "Start on task")
        [empty] = [c for c in task_menu["children"] if c["props"].get("visible", True)]
        assert empty["props"]["label"].startswith("No open tasks") and empty["props"]["enabled"] is False
        for node in walk(root):
            assert node["props"].get("type") == "separator" or node["props"].get("label"), node

        # A host that asks for the menu (ContextMenu) instead of drawing the dbusmenu itself.
        before_windows = set(app_windows(desk))
        host.call(item, ITEM_IFACE, "ContextMenu", "ii", (600, 10))
        desk.wait_for(lambda: set(app_windows(desk)) - before_windows, timeout=10, what="the menu on ContextMenu")
        desk.key("Escape")

        assert app.control("quit").returncode == 0
        assert app.wait_exit() == 0


def test_sni_traffic_is_the_visible_change_rate(sni_desktop: Desktop, tmp_path: Path) -> None:
    """While a session runs with the ring hidden, the app sends the shell only the icon's
    1/60 steps and the tooltip's minutes: no per-second traffic, no menu traffic."""
    desk = sni_desktop
    with SniHost(desk.bus_address) as host:
        app = RunningApp(desk, tmp_path, scale=60, tray="sni")
        item = host.item()
        host.about_to_show(item, 0)
        _rev, root = host.layout(item)
        host.click(item, find_label(root, "Start 5 min")["id"])
        app.wait("session_started", kind="micro")
        app.wait("ring_shown")
        host.about_to_show(item, 0)
        _rev, root = host.layout(item)
        host.click(item, find_label(root, "Hide ring")["id"])
        start = app.wait("ring_hidden")["mono"]
        end = app.wait("session_ended", kind="micro", timeout=60)["mono"]
        during = [s[3] for s in host.signals if start + 0.05 < s[0] < end - 0.05]
        icons, tips = during.count("NewIcon"), during.count("NewToolTip")
        assert 45 <= icons <= 60 and 3 <= tips <= 5, during  # 60 steps, 5 minutes (less its first seconds)
        assert len(during) == icons + tips, sorted(set(during))
        assert app.control("quit").returncode == 0


def arc_top_rgb(pixmaps) -> tuple[int, int, int]:
    """The colour at 12 o'clock on the progress arc of the 64-px IconPixmap (ARGB, big-endian)."""
    [(w, _h, data)] = [p for p in pixmaps if p[0] == 64]
    i = 4 * (6 * w + w // 2)
    return data[i + 1], data[i + 2], data[i + 3]


def ring_card_lightness(desk: Desktop, tmp_path: Path) -> int:
    """The ring window's card colour beside the ring (0..255), from a screenshot."""
    [wid] = desk.window_ids("^Micro-Session$")
    x, y, _w, _h = desk.window_geometry(wid)
    shot = desk.screenshot(tmp_path / "scheme.png")
    out = subprocess.run(["/usr/bin/convert", str(shot), "-crop", f"1x1+{x + 8}+{y + 90}", "txt:-"],
                         capture_output=True, text=True, check=True).stdout
    r, g, b = (int(out.splitlines()[-1].split("#")[1][i:i + 2], 16) for i in (0, 2, 4))
    return max(r, g, b)


LIGHT_PANEL_ARC, DARK_PANEL_ARC = (0x2E, 0x8B, 0x99), (0x5F, 0xB4, 0xBF)  # the focus arc


@pytest.mark.parametrize("desktop_env, arcs", [
    # GNOME: Qt's GNOME theme reads the portal (pinned: with GTK 3 installed Qt would load its
    # gtk3 theme); the top bar is dark in both styles, so the icon keeps its dark-panel colours.
    ({"XDG_CURRENT_DESKTOP": "GNOME", "QT_QPA_PLATFORMTHEME": "gnome"}, (DARK_PANEL_ARC, DARK_PANEL_ARC)),
    # elsewhere (the portal theme, e.g. on sway): the panel follows the style, so does the icon
    ({"QT_QPA_PLATFORMTHEME": "xdgdesktopportal"}, (LIGHT_PANEL_ARC, DARK_PANEL_ARC)),
], ids=["gnome", "portal"])
def test_sni_dark_style_followed(sni_desktop: Desktop, tmp_path: Path, desktop_env, arcs) -> None:
    """The desktop's dark style (the portal's color-scheme, read by Qt through QStyleHints),
    switched while the app runs: the ring turns dark, the icon is drawn for its panel."""
    from fake_portal import FakePortal

    desk = sni_desktop
    with FakePortal(desk.bus_address, scheme=2) as portal, SniHost(desk.bus_address) as host:
        app = RunningApp(desk, tmp_path, scale=1, tray="sni", extra_env=desktop_env)
        item = host.item()
        host.activate(item)  # a session, and its ring
        app.wait("ring_shown")
        desk.wait_for(lambda: arc_top_rgb(host.prop(item, "IconPixmap")) == arcs[0], timeout=20,
                      what=f"the focus arc {arcs[0]}")
        assert portal.reads >= 1 and ring_card_lightness(desk, tmp_path) > 200
        portal.set_scheme(1)
        app.wait("color_scheme", dark=True, timeout=20)
        desk.wait_for(lambda: arc_top_rgb(host.prop(item, "IconPixmap")) == arcs[1], timeout=20,
                      what=f"the focus arc {arcs[1]}")
        desk.wait_for(lambda: ring_card_lightness(desk, tmp_path) < 80, timeout=20, what="a dark ring")
        portal.set_scheme(2)
        desk.wait_for(lambda: ring_card_lightness(desk, tmp_path) > 200, timeout=20, what="a light ring again")
        assert app.control("quit").returncode == 0
