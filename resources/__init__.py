"""Packaged resources: the app icon (SVG, and PNGs rendered from it), the chime."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def path(name: str) -> Path:
    """A packaged resource file (cheaper at start-up than importlib.resources)."""
    return HERE / name


def icon_png(size: int = 64) -> Path:
    """The app icon rendered at `size` px by resources/make_icons.py."""
    return HERE / f"microsession-{size}.png"
