"""The shell's windows and submenus, each built on first use and kept (a mixin of Shell).

The tray menu's "Start on task ▸", "Batch ▸" and "Stack ▸" lines come from menu_picks; the
windows (Tasks…, Projects…, Stacks…, Weekly review…, Triggers…, Settings…, Custom…) from
windows/opener. Importing either waits for the first opening (start-up memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from microsession import memory
from microsession.trace import trace

if TYPE_CHECKING:
    from microsession.ui.tray import menu as menus


class ShellWindows:
    """Needs from the shell: conn, c (the controller), _windows (a dict) and start_sprint."""

    def _picks(self, what: str) -> list[menus.Pick]:
        from microsession.ui.tray import menu_picks  # when a menu first opens (start-up memory)

        return getattr(menu_picks, what)(self)

    def _window_picks(self) -> list[menus.Pick]:
        if self.conn is None:
            return []
        # & marks the key that opens each from the open menu (t, p, k, r)
        return [(text, lambda n=name: self.open_window(n)) for text, name in (
            ("&Tasks…", "tasks"), ("&Projects…", "projects"), ("Stac&ks…", "stacks"), ("Weekly &review…", "review"),
            ("Tri&ggers…", "triggers"), ("&Settings…", "settings"))]

    def open_window(self, name: str) -> QWidget:
        """A window built on first use and kept (tasks, projects, stacks, ...)."""
        window = self._windows.get(name)
        if window is not None and name == "settings":
            window.load(self.c.settings)  # what is stored now, not an unsaved draft
        if window is None:
            from microsession.ui.windows import opener as windows

            self.scheme.follow()
            window = self._windows[name] = windows.build(name, self)
        window.show()
        window.raise_()
        window.activateWindow()
        trace("window_shown", name=name)
        memory.release(trim_heap=False)
        return window

    def ask_custom(self) -> QWidget:
        """The menu's Custom…: a length with its range said, every digit shown (custom_length)."""
        dialog = self._windows.get("custom")
        if dialog is None:
            from microsession.ui.session.custom_length import CustomLength

            self.scheme.follow()
            dialog = self._windows["custom"] = CustomLength()
            dialog.chosen.connect(self.start_sprint)
        dialog.ask(self.c.last_minutes)
        return dialog
