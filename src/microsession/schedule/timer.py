"""One QTimer that runs APScheduler triggers' jobs on the main thread.

Why not APScheduler's QtScheduler: its BaseScheduler brings thread pools, multiprocessing,
logging, plugin lookup through importlib.metadata and asyncio, ~+15 MB of RSS for what is
here a few time-of-day rules (benchmarks/trigger_cost.py). The triggers are APScheduler's
own (`get_next_fire_time` does the calendar arithmetic); this class only keeps each job's
next run time and sleeps until the earliest, at most MAX_WAIT_S at a time (Qt timers stop
during suspend, so a wake-up after sleep is at most that late).

The semantics are the QtScheduler's with coalesce=True, max_instances=1: at a wake-up every
job whose next run time has passed runs once (a burst of missed times is one run), unless
even the latest missed time is older than `misfire_grace_s`; its next run time is then the
trigger's next after now. Jobs run on the main thread (nothing to queue, nothing to lock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QObject, QTimer

MAX_WAIT_S = 10 * 60


@dataclass
class Job:
    id: str
    func: Callable[..., Any]
    trigger: Any  # an apscheduler BaseTrigger
    args: tuple = ()
    name: str = ""
    next_run_time: datetime | None = None
    grace: timedelta | None = None  # a job's own misfire grace; None: run however late


_DEFAULT: Any = object()


class OneTimer(QObject):
    def __init__(self, parent: QObject | None = None, *, misfire_grace_s: float = 30 * 60,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        super().__init__(parent)
        self.grace = timedelta(seconds=misfire_grace_s)
        self._now = now
        self._jobs: dict[str, Job] = {}
        self.running = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # The default (coarse) type: a wait of 20 s or more is kept to the second, a shorter one
        # to 5 %; an early wake finds nothing due and waits the rest. Naming a type would build
        # PySide6's whole Qt enum namespace (~1.3 MB) in an app that has no other use for it.
        self._timer.timeout.connect(self._wake)

    # --- the QtScheduler subset the service and its tests use -----------------------------------

    def add_job(self, func: Callable[..., Any], trigger: Any = None, args=(), id: str = "", name: str = "",
                next_run_time: datetime | None = None, misfire_grace_time: Any = _DEFAULT) -> Job:
        """No trigger: run once, at `next_run_time` or as soon as the loop runs.
        `misfire_grace_time=None`: an overdue run is never dropped (it runs once on resume)."""
        now = self._now()
        first = next_run_time or (trigger.get_next_fire_time(None, now) if trigger is not None else now)
        grace = self.grace if misfire_grace_time is _DEFAULT else (
            None if misfire_grace_time is None else timedelta(seconds=misfire_grace_time))
        job = Job(id, func, trigger, tuple(args), name or id, first, grace)
        self._jobs[id] = job
        self._arm()
        return job

    def get_job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def get_jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def modify_job(self, job_id: str, next_run_time: datetime) -> None:
        self._jobs[job_id].next_run_time = next_run_time
        self._arm()

    def remove_job(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self._arm()

    def remove_all_jobs(self) -> None:
        self._jobs.clear()
        self._arm()

    def shutdown(self, wait: bool = False) -> None:  # noqa: ARG002 - the QtScheduler's signature
        self.running = False
        self._jobs.clear()
        self._timer.stop()

    # --- the one timer -----------------------------------------------------------------------------

    def _arm(self) -> None:
        self._timer.stop()
        times = [j.next_run_time for j in self._jobs.values() if j.next_run_time is not None]
        if not self.running or not times:
            return
        wait_s = (min(times) - self._now()).total_seconds()
        self._timer.start(int(max(0.0, min(wait_s, MAX_WAIT_S)) * 1000))

    def _wake(self) -> None:
        now = self._now()
        due = []
        for job in list(self._jobs.values()):
            if job.next_run_time is None or job.next_run_time > now:
                continue
            if job.trigger is None:  # a one-off: run, then gone
                latest, nxt = job.next_run_time, None
                del self._jobs[job.id]
            else:
                latest, nxt = job.next_run_time, job.trigger.get_next_fire_time(job.next_run_time, now)
                while nxt is not None and nxt <= now:  # coalesce: the latest missed time counts
                    latest, nxt = nxt, job.trigger.get_next_fire_time(nxt, now)
            job.next_run_time = nxt
            if job.grace is None or now - latest <= job.grace:
                due.append(job)
        for job in due:
            if self._jobs.get(job.id) is job or job.trigger is None:  # an earlier job may have rebuilt the set
                job.func(*job.args)
        self._arm()
