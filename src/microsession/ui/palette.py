"""Calm phase colours for the ring and the tray icon, for dark and light surroundings."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

PHASES = ("idle", "focus", "deep", "break", "paused", "done")

# phase -> (arc colour on a dark surface, arc colour on a light surface)
_ARC: dict[str, tuple[str, str]] = {
    "idle": ("#8c9aa5", "#7d8a94"),     # slate grey
    "focus": ("#5fb4bf", "#2e8b99"),    # muted teal-blue
    "deep": ("#8d92e0", "#5057b0"),     # deeper indigo
    "break": ("#84c59a", "#3f9a66"),    # soft green
    "paused": ("#cfad72", "#a9853f"),   # muted amber
    "done": ("#a9c97c", "#6c9a3c"),     # sage
}

# (dark, light)
_TRACK = ("#3a4249", "#dde3e7")
_TEXT = ("#e9eef1", "#1e2a31")
_MUTED = ("#9aa6ae", "#66737c")


@dataclass(frozen=True)
class PhaseColors:
    """Colours for one phase on one kind of surface (hex strings; see the q* helpers)."""

    arc: str
    track: str
    text: str
    muted: str

    def q(self, name: str, alpha: int = 255) -> QColor:
        """The named field as a QColor, optionally with alpha (0..255)."""
        color = QColor(getattr(self, name))
        color.setAlpha(alpha)
        return color


def colors(phase: str, dark: bool) -> PhaseColors:
    """Colours for `phase` ("idle", "focus", ...); unknown phases fall back to "idle"."""
    i = 0 if dark else 1
    arc = _ARC.get(phase, _ARC["idle"])[i]
    return PhaseColors(arc=arc, track=_TRACK[i], text=_TEXT[i], muted=_MUTED[i])


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window colour is dark."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def dark_palette() -> QPalette:
    """A calm dark palette (used by screenshots and tests)."""
    p = QPalette()
    window, text = QColor("#262b30"), QColor(_TEXT[0])
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, QColor("#1e2226"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor("#30363c"))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#252a2f"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a939b"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#3d7f8c"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#30363c"))
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b737a"))
    return p


def light_palette() -> QPalette:
    """A calm light palette (used by screenshots and tests)."""
    p = QPalette()
    window, text = QColor("#f6f7f8"), QColor(_TEXT[1])
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor("#eceff1"))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a939b"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a3abb2"))
    return p
