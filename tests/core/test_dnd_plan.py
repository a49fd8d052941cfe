"""Which do-not-disturb backend fits, and the restore record."""

import pytest

from microsession.core.dnd_plan import Record, choose

ALL = lambda tool: True  # noqa: E731
NONE = lambda tool: False  # noqa: E731


@pytest.mark.parametrize("server, desktop, expected", [
    ("dunst", "", "dunst"), ("mako", "sway", "mako"), ("SwayNotificationCenter", "sway", "swaync"),
    ("Plasma", "KDE", "kde"), ("gnome-shell", "ubuntu:GNOME", "gnome"),
    ("", "ubuntu:GNOME", "gnome"), ("", "KDE", "kde"), ("", "XFCE", None), ("xfce4-notifyd", "XFCE", None),
    ("dunst", "ubuntu:GNOME", "dunst"),  # who serves notifications decides, not the desktop's name
])
def test_the_server_decides_then_the_desktop(server, desktop, expected):
    assert choose(server, desktop, ALL) == expected


def test_a_backend_needs_its_tool_except_kde():
    assert choose("dunst", "", NONE) is None
    assert choose("gnome-shell", "GNOME", NONE) is None
    assert choose("Plasma", "KDE", NONE) == "kde"  # D-Bus only
    assert choose("mako", "", lambda tool: tool == "makoctl") == "mako"


def test_record_round_trip_and_garbage():
    record = Record("dunst", "false")
    assert Record.from_json(record.to_json()) == record
    for bad in ("", "{", "[]", '{"backend": "rm -rf", "before": "x"}', '{"backend": "dunst", "before": 3}'):
        with pytest.raises(ValueError):
            Record.from_json(bad)
