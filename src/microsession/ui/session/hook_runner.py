"""Runs the session hooks with QProcess: never through a shell, never blocking the timer.

Each run gets its own QProcess and a single-shot timer that kills it at hook_timeout_s.
What it printed (stdout and stderr merged) is appended to a size-capped log file in the data
folder, with a header line per run. A hook that cannot start, exits non-zero or is killed is
reported through `on_problem` once per hook command per app run; every outcome goes to the
log. Nothing polls: the event loop is woken only by the process's own signals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from microsession.core import hooks
from microsession.core.settings import Settings

LOG_NAME = "hooks.log"
LOG_MAX_BYTES = 256 * 1024  # then hooks.log becomes hooks.log.1 (one old file kept)
OUTPUT_MAX_BYTES = 64 * 1024  # of one run's output; the rest is counted, not kept


class HookRun(QObject):
    """One running hook. `done(self, problem)`: problem "" when it succeeded, else a phrase.

    Owned by Python (no Qt parent): the runner keeps it until just after it is done.
    """

    done = Signal(object, str)

    def __init__(self, event: str, argv: list[str], env: dict[str, str], timeout_s: float,
                 then: Callable[[str], None]) -> None:
        super().__init__()
        self.then = then
        self.hook_event, self.argv = event, argv  # not `event`: QObject.event() is a virtual
        self.output = bytearray()
        self.dropped = 0
        self.started = time.monotonic()
        self._finished = False
        self._timed_out = False
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.setStandardInputFile(QProcess.nullDevice())
        environment = QProcessEnvironment()
        for key, value in env.items():
            environment.insert(key, value)
        self.process.setProcessEnvironment(environment)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._kill)
        self.timer.start(int(timeout_s * 1000))
        self.timeout_s = timeout_s
        self.process.start(argv[0], argv[1:])

    def _read(self) -> None:
        data = bytes(self.process.readAllStandardOutput())
        room = OUTPUT_MAX_BYTES - len(self.output)
        self.output += data[:max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)

    def _kill(self) -> None:
        self._timed_out = True
        self.process.kill()  # finished follows (or errorOccurred(Crashed))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            reason = self.process.errorString()
            self._finish(f"could not start {self.argv[0]!r} ({reason})")
        # Crashed/Timedout etc.: `finished` follows with the details

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read()
        if self._timed_out:
            self._finish(f"was stopped after {self.timeout_s:g} s (its time-out)")
        elif status == QProcess.ExitStatus.CrashExit:
            self._finish("ended abnormally (crashed or killed)")
        elif code != 0:
            self._finish(f"exited with code {code}")
        else:
            self._finish("")

    def _finish(self, message: str) -> None:
        if self._finished:
            return
        self._finished = True
        self.timer.stop()
        self.done.emit(self, message)


class HookRunner(QObject):
    """Runs the hook set for an event. `finished(event, message)` after each run ("" = fine)."""

    finished = Signal(str, str)

    def __init__(self, settings_getter: Callable[[], Settings], log_path: Path,
                 on_problem: Callable[[str], None], parent: QObject | None = None,
                 base_env: Mapping[str, str] | None = None) -> None:
        super().__init__(parent)
        self.settings_getter = settings_getter
        self.log_path = Path(log_path)
        self.on_problem = on_problem
        self.base_env = base_env
        self.running: set[HookRun] = set()
        self._told: set[tuple[str, str]] = set()  # (event, command) already reported

    def run(self, event: str, facts: Mapping[str, Any]) -> bool:
        """Start the hook set for `event` (a core.hooks event); False when none is set."""
        settings = self.settings_getter()
        command = getattr(settings, hooks.SETTING_OF[event])
        return self._start(event, command, facts, settings.hook_timeout_s,
                           lambda message: self._report(event, command, message))

    def test(self, event: str, command: str, timeout_s: float,
             on_done: Callable[[str], None]) -> bool:
        """Run `command` as the hook of `event` with sample facts (the settings' Test button).

        `on_done` gets every outcome ("" = it worked); nothing goes to `on_problem`.
        """
        return self._start(event, command, hooks.SAMPLE_FACTS, timeout_s, on_done)

    def _start(self, event: str, command: str, facts: Mapping[str, Any], timeout_s: float,
               then: Callable[[str], None]) -> bool:
        label = hooks.LABELS[event]
        try:
            built = hooks.build(command, event, facts, os.environ if self.base_env is None else self.base_env)
        except ValueError as exc:
            message = f"The {label} hook cannot run: {exc}."
            self._log(event, [command], message, b"", 0)
            then(message)
            self.finished.emit(event, message)
            return True
        if built is None:
            return False
        argv, env = built
        hook = HookRun(event, argv, env, timeout_s, then)
        self.running.add(hook)
        hook.done.connect(self._done)
        return True

    def _done(self, hook: HookRun, problem: str) -> None:
        label = hooks.LABELS[hook.hook_event]
        message = f"The {label} hook {problem}; its output is in {self.log_path}." if problem else ""
        self._log(hook.hook_event, hook.argv, problem or "exit 0", bytes(hook.output), hook.dropped,
                  time.monotonic() - hook.started)
        # dropped once its signal has returned: deleting a QObject inside its own emission crashes
        QTimer.singleShot(0, lambda: self.running.discard(hook))
        hook.then(message)
        self.finished.emit(hook.hook_event, message)

    def _report(self, event: str, command: str, message: str) -> None:
        if message and (event, command) not in self._told:
            self._told.add((event, command))
            self.on_problem(message)

    def _log(self, event: str, argv: list[str], result: str, output: bytes, dropped: int,
             seconds: float = 0.0) -> None:
        """Append one run to the log; a log that cannot be written is not worth a failure."""
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        lines = [f"--- {stamp} {event} {argv!r}: {result} ({seconds:.2f} s)\n"]
        if output:
            text = output.decode("utf-8", "replace")
            lines.append(text if text.endswith("\n") else text + "\n")
        if dropped:
            lines.append(f"[{dropped} more bytes of output not kept]\n")
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            if self.log_path.exists() and self.log_path.stat().st_size > LOG_MAX_BYTES:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(self.log_path, flags, 0o600)
            with open(fd, "a", encoding="utf-8") as f:  # the user's only, never through a planted link
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o600)
                f.writelines(lines)
        except OSError:
            pass
