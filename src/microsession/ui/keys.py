"""Esc closes a window (or runs its own action), written once for every window.

Not a window-wide QShortcut: Qt matches a shortcut before the focused widget sees the key,
so Esc in an open completer popup closed the whole window (item editors claim their Esc
first). This filter sees Esc only when no widget inside took it: an open cell editor (its
delegate closes it), an open combo or completer popup (a window of its own) keep their Esc,
and the next Esc reaches the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget


class _EscapeFilter(QObject):
    def __init__(self, widget: QWidget, action: Callable[[], object]) -> None:
        super().__init__(widget)
        self._widget, self._action = widget, action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if (watched is self._widget and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self._action()
            return True
        return False


def close_on_escape(widget: QWidget, action: Callable[[], object] | None = None) -> QObject:
    """Esc that no child of `widget` took runs `action` (by default, closes `widget`).

    The key comes to the window after its focused child let it pass (Qt hands an unused key
    up to the parents); the returned filter lives as long as `widget`."""
    spy = _EscapeFilter(widget, action or widget.close)
    widget.installEventFilter(spy)
    return spy
