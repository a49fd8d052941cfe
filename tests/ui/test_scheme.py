"""Following the desktop's dark or light style: our dark palette while the scheme is dark (the
platform's palette stays light with Qt's GNOME and portal themes), the one before back when it
turns light; the tray icon drawn for its panel (GNOME's top bar is dark in both styles)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette

from microsession.ui.palette import is_dark, light_palette
from microsession.ui.scheme import Scheme, gnome_shell


class Hints(QObject):
    colorSchemeChanged = Signal(Qt.ColorScheme)

    def __init__(self) -> None:
        super().__init__()
        self.scheme = Qt.ColorScheme.Unknown

    def colorScheme(self) -> Qt.ColorScheme:  # noqa: N802 (Qt's name)
        return self.scheme

    def flip(self, scheme: Qt.ColorScheme) -> None:
        self.scheme = scheme
        self.colorSchemeChanged.emit(scheme)


class App:
    """What Scheme uses of a QApplication."""

    def __init__(self) -> None:
        self.hints, self.pal = Hints(), light_palette()

    def styleHints(self) -> Hints:  # noqa: N802
        return self.hints

    def palette(self) -> QPalette:
        return self.pal

    def setPalette(self, palette: QPalette) -> None:  # noqa: N802
        self.pal = palette


def test_dark_palette_while_dark_and_the_old_one_back(qapp, monkeypatch):
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    app = App()
    before = app.pal
    scheme = Scheme(app)
    changes = []
    scheme.changed.connect(lambda: changes.append((scheme.dark(), scheme.panel_dark())))
    assert not scheme.dark() and not scheme.panel_dark()
    app.hints.flip(Qt.ColorScheme.Dark)
    assert is_dark(app.pal) and changes == [(True, True)]
    app.hints.flip(Qt.ColorScheme.Light)
    assert app.pal == before and not is_dark(app.pal) and changes[-1] == (False, False)


def test_a_dark_platform_palette_is_kept(qapp):
    app = App()
    app.hints.scheme = Qt.ColorScheme.Dark
    app.pal = own = QPalette(Qt.GlobalColor.black)
    Scheme(app)
    assert app.pal is own


@pytest.mark.parametrize("desktop, gnome", [("GNOME", True), ("ubuntu:GNOME", True), ("KDE", False), ("", False)])
def test_gnome_top_bar_is_dark_in_both_styles(qapp, monkeypatch, desktop, gnome):
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", desktop)
    app = App()
    assert gnome_shell() is gnome and Scheme(app).panel_dark() is gnome


def test_the_scheme_is_not_read_before_a_window_or_the_menu_needs_it(qapp):
    """Reading it builds PySide6's whole `Qt` enum namespace (~1.3 MB): the idle app does not."""
    app = App()
    app.hints.scheme = Qt.ColorScheme.Dark
    asked = []
    colour_scheme = app.hints.colorScheme
    app.hints.colorScheme = lambda: asked.append(1) or colour_scheme()
    before = app.pal
    scheme = Scheme(app)
    assert asked == [] and app.pal is before  # built: nothing read, nothing changed
    scheme.follow()
    assert asked and is_dark(app.pal)
    scheme.follow()  # once is enough: from then on the changes come by the signal
    assert len(asked) == 1
    app.hints.flip(Qt.ColorScheme.Light)
    assert app.pal == before


def test_a_scheme_change_before_the_first_window_is_followed_too(qapp):
    app = App()
    scheme = Scheme(app)
    app.hints.flip(Qt.ColorScheme.Dark)
    assert is_dark(app.pal)
