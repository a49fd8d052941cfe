"""Esc in an open combo popup, for the windows' tests: it closes the popup, not the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget


def esc_in_the_popup_keeps_the_window(qtbot, window: QWidget, combo: QComboBox) -> None:
    combo.setFocus()
    combo.showPopup()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)
    assert window.isVisible()
    qtbot.keyClick(combo, Qt.Key.Key_Escape)  # the next Esc is the window's
    assert not window.isVisible()
