"""A calendar file of your focus sessions kept current (the sessions_ics_file setting): when
a session or break starts and when a focus session ends, `microsession export --ics FILE`
runs in a process of its own (icalendar never loads in the app, which stays small). One at a
time; a request while one runs makes one more run after it. A failure is told once a run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from microsession.core.settings import Settings
from microsession.trace import trace
from microsession.ui.session.reminders import Spawned, command_line


class IcsKeeper(QObject):
    def __init__(self, folder: Path, settings: Callable[[], Settings], tell: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder, self._settings, self._tell = folder, settings, tell
        self._running: Spawned | None = None
        self._again = self._told = False

    def update(self, *_args: object) -> None:
        target = self._settings().sessions_ics_file.strip()
        if not target:
            return
        if self._running is not None:
            self._again = True
            return
        program, args = command_line()
        argv = [program, *args, "--data-dir", str(self.folder), "export", "--ics", str(Path(target).expanduser())]
        try:
            self._running = Spawned(argv, self._finished, self)
        except (OSError, AttributeError) as exc:  # AttributeError: no posix_spawn (Windows): not kept there yet
            self._fail(str(getattr(exc, "strerror", None) or exc))

    def _finished(self, code: int, output: bytes) -> None:
        self._running = None
        if code != 0:
            line = (output.decode(errors="replace").strip().splitlines() or ["it stopped unexpectedly"])[-1]
            self._fail(line.removeprefix("microsession: "))
        else:
            trace("sessions_ics_written")
        if self._again:
            self._again = False
            self.update()

    def _fail(self, why: str) -> None:
        trace("sessions_ics_failed", message=why)
        if not self._told:
            self._told = True
            self._tell(f"Your sessions' calendar file could not be written: {why}")
