"""Render microsession.svg to the PNG sizes the tray and the desktop want.

Run after changing the SVG: python resources/make_icons.py. The tray shows the PNG at
start-up, so the app needs no SVG renderer (and no QtSvg in memory) to show its icon.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QByteArray, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from microsession.resources import ICON_SIZES, icon_png, path  # noqa: E402


def main() -> int:
    _app = QGuiApplication(sys.argv)
    renderer = QSvgRenderer(QByteArray(path("microsession.svg").read_bytes()))
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        image.save(str(icon_png(size)))
    print("wrote", ", ".join(icon_png(s).name for s in ICON_SIZES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
