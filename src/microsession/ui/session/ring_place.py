"""Where the ring opens the first time (until the user drags it somewhere else).

Desktop notifications appear beside the tray: top right under GNOME, dunst, mako, XFCE and
macOS (the tray at the top), bottom right on KDE Plasma and Windows (the tray at the bottom).
The ring opens at the right edge on the other side, so a notification never covers it and
it never covers one; the end-of-session popup, placed next to the ring, follows it there.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize

EDGE = 16        # px from the screen's right edge
CLEARANCE = 48   # px from the top or bottom edge (panels, docks)


def default_place(screen: QRect, tray: QRect | None, size: QSize) -> QPoint:
    """The top-left corner of the ring on `screen` (available geometry), given the tray icon's
    geometry if known (an invalid or off-screen one counts as unknown: a tray at the top)."""
    known = tray is not None and tray.isValid() and screen.contains(tray.center())
    tray_at_top = not known or tray.center().y() < screen.center().y()
    x = screen.right() - EDGE - size.width() + 1
    y = screen.bottom() - CLEARANCE - size.height() + 1 if tray_at_top else screen.top() + CLEARANCE
    return QPoint(max(screen.left(), x), max(screen.top(), y))
