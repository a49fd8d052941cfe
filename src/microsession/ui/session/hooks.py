"""The user's session hooks (F18), run at a focus session's start and end and a break's end.

The runner (QProcess, never a shell) is built only once a hook command is set; with none
set, this costs one string test per event.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from microsession.core.events import Ended, SessionInfo
from microsession.ui.session.controller import Controller

if TYPE_CHECKING:
    from microsession.ui.session.hook_runner import HookRunner

LOG_NAME = "hooks.log"


class SessionHooks(QObject):
    def __init__(self, controller: Controller, folder: Path | None, tell: Callable[[str], None]) -> None:
        super().__init__()
        self.c, self.folder, self._tell = controller, folder, tell
        self._runner: HookRunner | None = None
        controller.started.connect(self._started)
        controller.focus_ended.connect(self._focus_ended)
        controller.break_ended.connect(self._break_ended)

    def runner(self) -> HookRunner:
        if self._runner is None:
            from microsession.ui.session.hook_runner import HookRunner

            log = (self.folder or Path.home()) / LOG_NAME
            self._runner = HookRunner(lambda: self.c.settings, log, self._tell, parent=self)
        return self._runner

    def _started(self, info: SessionInfo) -> None:
        if info.kind.is_focus and self.c.settings.hook_session_start:
            from microsession.core import hooks

            self.runner().run(hooks.SESSION_START, hooks.facts_of_start(info, self.c.label_of(info.id)))

    def _focus_ended(self, ended: Ended) -> None:
        if self.c.settings.hook_session_end:
            from microsession.core import hooks

            self.runner().run(hooks.SESSION_END, hooks.facts_of_end(ended, self.c.label_of(ended.session.id)))

    def _break_ended(self, ended: Ended) -> None:
        if self.c.settings.hook_break_end:
            from microsession.core import hooks

            self.runner().run(hooks.BREAK_END, hooks.facts_of_end(ended))
