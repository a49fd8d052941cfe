"""The tray picture: the progress arc at known angles, the plain icon, and the redraw key."""

from __future__ import annotations

import math

import pytest
from PySide6.QtGui import QColor, QImage

from microsession.ui.tray.icon_picture import arc_geometry, icon_key, tray_icon, tray_pixmap
from microsession.ui.palette import colors

SIZE = 64


def pixel_at_angle(image: QImage, degrees: float) -> QColor:
    rect, _ = arc_geometry(SIZE)
    radius = rect.width() / 2
    x = rect.center().x() + radius * math.sin(math.radians(degrees))
    y = rect.center().y() - radius * math.cos(math.radians(degrees))
    return image.pixelColor(int(x), int(y))


def near(a: QColor, b: QColor | str, tol: int = 10) -> bool:
    b = QColor(b)
    return a.alpha() > 240 and all(
        abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3])
    )


@pytest.mark.parametrize("dark", [True, False])
def test_half_left_arc_is_on_the_right(qapp, dark):
    image = tray_pixmap(0.5, "focus", SIZE, dark).toImage()
    arc = colors("focus", dark).arc
    assert near(pixel_at_angle(image, 90), arc)  # 3 o'clock
    assert near(pixel_at_angle(image, 30), arc)
    assert not near(pixel_at_angle(image, 270), arc, tol=40)  # 9 o'clock
    assert pixel_at_angle(image, 270).alpha() < 200  # a faint track only


def test_quarter_left(qapp):
    image = tray_pixmap(0.25, "deep", SIZE, True).toImage()
    arc = colors("deep", True).arc
    assert near(pixel_at_angle(image, 45), arc)
    assert not near(pixel_at_angle(image, 135), arc, tol=40)
    assert not near(pixel_at_angle(image, 315), arc, tol=40)


def test_plain_icon_draws_the_svg(qapp):
    pixmap = tray_pixmap(None, "idle", SIZE)
    assert (pixmap.width(), pixmap.height()) == (SIZE, SIZE)
    image = pixmap.toImage()
    assert near(image.pixelColor(SIZE // 2, SIZE // 2), "#4a9ea8")  # the centre mark
    assert image.pixelColor(1, 1).alpha() == 0


def test_small_sizes_render(qapp):
    for size in (16, 22, 32):
        image = tray_pixmap(0.6, "break", size).toImage()
        opaque = sum(
            image.pixelColor(x, y).alpha() > 128 for x in range(size) for y in range(size)
        )
        assert opaque > size  # something readable, not an empty square


def test_icon_key_quantises():
    assert icon_key(0.5001, "focus") == icon_key(0.5005, "focus")
    assert icon_key(0.50, "focus") != icon_key(0.52, "focus")
    assert icon_key(0.5, "focus") != icon_key(0.5, "break")
    assert icon_key(None, "idle") == ("idle", None)
    assert icon_key(1.7, "focus") == ("focus", 60)
    assert icon_key(-0.2, "focus") == ("focus", 0)
    assert icon_key(0.001, "focus") == ("focus", 1)  # any time left shows a sliver
    assert icon_key(0.5, "focus", steps=4) == icon_key(0.4, "focus", steps=4)


def test_tray_icon_is_cached_per_key(qapp):
    first = tray_icon(0.5001, "focus")
    assert not first.isNull()
    assert tray_icon(0.5005, "focus").cacheKey() == first.cacheKey()
    assert tray_icon(0.40, "focus").cacheKey() != first.cacheKey()


@pytest.mark.parametrize("dark, ink", [(True, "#f2f2f2"), (False, "#2e3436")])
def test_symbolic_icon_is_one_ink(qapp, dark, ink):
    """The symbolic picture: one colour (light on a dark panel, dark on a light one), no
    phase colour; the idle one is a full ring and the dot."""
    for fraction, phase in ((None, "idle"), (0.5, "focus"), (0.5, "break")):
        image = tray_pixmap(fraction, phase, SIZE, dark=dark, symbolic=True).toImage()
        colours = {image.pixelColor(x, y).name() for x in range(SIZE) for y in range(SIZE)
                   if image.pixelColor(x, y).alpha() > 200}
        assert colours and all(near(QColor(c), ink, 3) for c in colours), (fraction, phase, colours)
    idle = tray_pixmap(None, "idle", SIZE, dark=dark, symbolic=True).toImage()
    assert near(pixel_at_angle(idle, 180), ink) and near(idle.pixelColor(SIZE // 2, SIZE // 2), ink)
    running = tray_pixmap(0.5, "focus", SIZE, dark=dark, symbolic=True).toImage()
    assert near(pixel_at_angle(running, 90), ink) and pixel_at_angle(running, 270).alpha() < 120
