"""The tray menu is refreshed in place: the same QAction for a line from one opening to the
next (stable dbusmenu ids for StatusNotifier hosts), lines not wanted hidden, new ones in
their place (with the controller: tests/ui/test_controller.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from microsession.ui.tray import menu as menus


def shown(menu: QMenu) -> list[str]:
    return [a.text() or "—" for a in menus.visible_actions(menu)]


def test_lines_keep_their_actions_and_order(qapp):
    menu = QMenu()
    lines = menus.lines_of(menu)

    def fill(keys: list[str]) -> None:
        lines.begin()
        for key in keys:
            lines.line(key, key.upper(), lambda: None)
        lines.finish()

    fill(["a", "d", "e"])  # keys sort in menu order
    first = dict(lines.actions)
    fill(["a", "b", "e"])  # d hidden, b new: between a and e
    fill(["a", "b", "d", "e"])  # d back where it belongs (after b), with its old action
    assert shown(menu) == ["A", "B", "D", "E"]
    assert all(lines.actions[k] is first[k] for k in "ade")
    assert len(menu.actions()) == 4


def test_submenu_picks_in_place(qapp):
    menu = QMenu()
    picked = []
    menus.fill_picks(menu, [("One", lambda: picked.append(1)), ("Two", lambda: picked.append(2))], "None")
    one = menu.actions()[0]
    menus.fill_picks(menu, [("Uno", lambda: picked.append(11))], "None")
    assert shown(menu) == ["Uno"] and menu.actions()[0] is one
    one.trigger()
    menus.fill_picks(menu, [], "Nothing here")
    assert shown(menu) == ["Nothing here"] and not menus.visible_actions(menu)[0].isEnabled()
    assert picked == [11]
