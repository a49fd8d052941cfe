"""Following the desktop's dark or light style (GNOME's and KDE's preference; on GNOME it
reaches Qt through the portal's ``color-scheme``), read from ``QStyleHints.colorScheme()``.

Qt tells the scheme but, with its GNOME and portal themes and the Fusion style, keeps a light
palette: so the app's windows get our calm dark palette while the scheme is dark (and the
palette they had back when it turns light). The tray icon is drawn for its *panel*: GNOME
Shell's top bar is dark in both styles; elsewhere the panel follows the scheme.

Read on first need, not at start-up: the scheme comes back as a ``Qt.ColorScheme``, and the
first ``Qt`` enum PySide6 hands out builds all 93 of that namespace (~1.3 MB, ~14 ms) — which
the idle app, showing only its tray icon, has no use for. `follow()` is called before the
first window or menu shows; from then on the scheme's changes are followed as they come.
"""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtGui import QPalette


def gnome_shell() -> bool:
    desktops = os.environ.get("XDG_CURRENT_DESKTOP", "").lower().split(":")
    return any(d in ("gnome", "ubuntu", "unity", "pantheon") for d in desktops)


class Scheme(QObject):
    changed = Signal()  # the scheme changed: read dark() and panel_dark() again

    def __init__(self, app, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._before: QPalette | None = None  # the palette we replaced while dark
        self._following = False
        app.styleHints().colorSchemeChanged.connect(self._follow)

    def follow(self) -> None:
        """The windows' palette for the scheme now (before the first window or menu shows)."""
        if not self._following:
            self._follow(emit=False)

    def dark(self) -> bool:
        """The app's windows are dark (by the scheme, or by a dark palette of the platform)."""
        from PySide6.QtCore import Qt

        from microsession.ui.palette import is_dark

        scheme = self.app.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Unknown:
            return is_dark(self.app.palette())
        return scheme == Qt.ColorScheme.Dark

    def panel_dark(self) -> bool:
        return gnome_shell() or self.dark()

    def _follow(self, _scheme=None, emit: bool = True) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QPalette

        from microsession.ui.palette import dark_palette, is_dark

        self._following = True
        scheme = self.app.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Dark and self._before is None and not is_dark(self.app.palette()):
            self._before = QPalette(self.app.palette())
            self.app.setPalette(dark_palette())
        elif scheme != Qt.ColorScheme.Dark and self._before is not None:
            self.app.setPalette(self._before)
            self._before = None
        if emit:
            self.changed.emit()
