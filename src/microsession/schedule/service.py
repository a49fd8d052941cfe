"""The trigger service: the enabled rules' APScheduler triggers, run by one QTimer.

The jobs (schedule/timer.py, on the main thread) only emit a Qt signal; the slots do the
rest (the store, the offer, the user). The idle source alone is read on a short-lived thread
(a D-Bus one may take its timeout to answer). APScheduler's QtScheduler was replaced by that timer:
it cost ~15 MB of RSS (see schedule/aps.py).
Back-at-the-desk rules poll an idle source every POLL_S seconds, only while such a rule is
enabled. A rule that fires during a focus session waits for the break or is dropped
(rule.when_busy). Missed while asleep or closed: one catch-up within GRACE_S (coalesce).

Calendars are read, fetched and expanded only on a short-lived worker thread (a
"calendar-read" job right after a rebuild, then every `calendar_refresh_minutes` and after
a resume, as the overdue refresh runs once): the UI thread only looks fire times up in the
sorted list the worker hands over (CalendarTrigger.fires), so no calendar can block it.

Loaded only when a rule is enabled (start_if_needed), after the tray icon is up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from microsession.core.figures import energy
from microsession.core.clock import Clock
from microsession.core.settings import Settings
from microsession.core.triggers import NOT_AVAILABLE, AfterEvents, AwayWatch, BackAtDesk, Offer, Rule
from microsession.schedule import idle as idle_mod
from microsession.schedule.aps import IntervalTrigger
from microsession.schedule.calendar_sources import data_folder
from microsession.schedule.jobs import GRACE_S, CalendarTrigger, local_zone, missed_time, trigger_for
from microsession.schedule.timer import OneTimer
from microsession.store import settings as settings_store
from microsession.store import tasks as task_store
from microsession.store import triggers as store

POLL_S = 30  # idle time is read this often while a back-at-the-desk rule is on
MAX_FIRES = 200  # fire times of one calendar rule handed to the UI thread at a time
FILE_REREAD_MIN = 6 * 60  # a local file is also expanded again this often (the window moves)
FIRST_FETCH_S = 60  # a subscription's first fetch after the service starts


def _wall_now() -> datetime:
    """Calendar fire times are on the wall clock, as APScheduler runs them (the app's own clock
    may be scaled by the test time-scale hook)."""
    return datetime.now(timezone.utc)


class TriggerService(QObject):
    suggested = Signal(object)  # an Offer, on the main thread
    problems_changed = Signal()
    _fired = Signal(str)  # rule id, from a job
    _idle_read = Signal(object)  # seconds or None, from the poll job
    _calendars_read = Signal(int, object)  # generation, {rule id: (fire times, error, note)}
    calendars_read = Signal()  # the problems and jobs of the calendar rules are up to date

    def __init__(self, conn: sqlite3.Connection, clock: Clock, is_focus_running: Callable[[], bool], *,
                 tz: tzinfo | None = None, settings: Callable[[], Settings] | None = None,
                 idle_source: Callable[[], object | None] = idle_mod.system_source,
                 grace_s: float = GRACE_S, poll_s: float = POLL_S, folder: Path | None = None) -> None:
        super().__init__()
        self.conn, self.clock, self.is_focus_running = conn, clock, is_focus_running
        self.tz = tz or local_zone()
        self._settings = settings
        self._make_idle, self._idle_source, self._idle_tried = idle_source, None, False
        self._idle_reading = False
        self.grace_s, self.poll_s = grace_s, poll_s
        self.rules: dict[str, Rule] = {}
        self._calendars: dict[str, AfterEvents] = {}  # rule id -> condition, read by the worker
        self.problems: dict[str, str] = {}  # rule id -> one line ("broken: …", NOT_AVAILABLE)
        self.waiting: dict[str, Offer] = {}  # fired during focus, delivered at the break
        self._watches: dict[str, AwayWatch] = {}
        self._watcher: QFileSystemWatcher | None = None
        self.folder = folder or data_folder(conn)
        self._generation = 0
        self._fired.connect(self._on_fired)
        self._idle_read.connect(self._on_idle)
        self._calendars_read.connect(self._on_calendars_read)
        self.scheduler = OneTimer(self, misfire_grace_s=grace_s)  # the wall clock, as APScheduler

    # --- building jobs -------------------------------------------------------------------------

    def rebuild(self) -> None:
        """(Re)make every job from the enabled rules in the store (call after any rule change).
        When the store cannot be read (locked, damaged), the jobs as they were keep running."""
        try:
            rules = {r.id: r for r in store.rules(self.conn, enabled_only=True)}
            fired = store.last_fired(self.conn)
        except sqlite3.Error:
            return
        self.scheduler.remove_all_jobs()
        self.rules = rules
        self.problems.clear()
        self._watches = {}
        now = self.clock.now_utc()
        paths, calendars, network = set(), {}, False
        self._generation += 1
        for rule in self.rules.values():
            if isinstance(rule.condition, BackAtDesk):
                self._watches[rule.id] = AwayWatch(rule.condition.idle_minutes)
                continue
            if rule.incomplete():
                self.problems[rule.id] = rule.incomplete() or ""
                continue
            if rule.id not in fired:  # the baseline for a catch-up after the app was closed
                try:
                    store.mark_fired(self.conn, rule.id, now)
                except sqlite3.Error:
                    pass  # no catch-up for this one after a restart, nothing worse
            if isinstance(rule.condition, AfterEvents):
                calendars[rule.id] = rule.condition
                network = network or rule.condition.source != "file"
                if rule.condition.source == "file":
                    paths.add(rule.condition.path)
                continue
            trigger = trigger_for(rule, self.tz)
            assert trigger is not None
            missed = missed_time(trigger, fired.get(rule.id), now, self.grace_s)
            kwargs = {"next_run_time": missed} if missed is not None else {}
            self.scheduler.add_job(self._fired.emit, trigger, args=[rule.id], id=rule.id, name=rule.name, **kwargs)
        self._calendars = calendars
        if calendars:
            gen = self._generation
            self.scheduler.add_job(self._read_in_thread, args=[gen, False], id="calendar-read", name="calendar read")
            # the first read uses a subscription's local copy (no network at start-up); its
            # first fetch is a minute later, then every calendar_refresh_minutes
            minutes = self._refresh_minutes() if network else FILE_REREAD_MIN
            first = datetime.now(self.tz) + timedelta(seconds=FIRST_FETCH_S if network else minutes * 60)
            self.scheduler.add_job(self._read_in_thread, IntervalTrigger(minutes=minutes, start_date=first,
                                                                         timezone=self.tz),
                                   args=[gen, True], id="calendar-refresh", name="calendar refresh",
                                   misfire_grace_time=None)  # overdue after a suspend: runs once on resume
        self._watch_files(paths)
        if self._watches:
            source = self._idle()
            if source is None:
                for rule_id in self._watches:
                    self.problems[rule_id] = NOT_AVAILABLE
                self._watches = {}
            else:
                self.scheduler.add_job(self._poll_idle, IntervalTrigger(seconds=self.poll_s, timezone=self.tz),
                                       id="idle-poll", name="idle poll")
        self.problems_changed.emit()

    def _refresh_minutes(self) -> int:
        settings = self._settings() if self._settings else None
        return int(getattr(settings, "calendar_refresh_minutes", 15))

    def _read_in_thread(self, generation: int, refresh: bool) -> None:
        """A calendar job (on the main thread): the reading itself on a short-lived thread."""
        import threading

        threading.Thread(target=self._read_calendars, args=(generation, refresh), name="calendar-read",
                         daemon=True).start()

    def _read_calendars(self, generation: int, refresh: bool) -> None:
        """Worker thread: have a child process fetch (network calendars, on refresh), read and
        expand each calendar rule's calendar within its bounds; hand the fire times to the UI
        thread. The thread only waits on the child's pipe (calendar_child says why)."""
        from microsession.schedule import calendar_child

        since = _wall_now() - timedelta(seconds=self.grace_s)
        specs = [calendar_child.spec(rule_id, cond, self.folder, since, MAX_FIRES, refresh)
                 for rule_id, cond in list(self._calendars.items())]
        self._calendars_read.emit(generation, calendar_child.read(specs, self.tz))

    def _on_calendars_read(self, generation: int, results: dict) -> None:
        if generation != self._generation:
            return  # a rebuild since: its own reading is on its way
        try:
            fired = store.last_fired(self.conn)
        except sqlite3.Error:
            fired = {}
        now = _wall_now()
        for rule_id, (times, error, note) in results.items():
            rule = self.rules.get(rule_id)
            if rule is None:
                continue
            if error:
                self.problems[rule_id] = f"broken: {error}"
            elif note:
                self.problems[rule_id] = note
            else:
                self.problems.pop(rule_id, None)
            trigger = CalendarTrigger(self._calendars[rule_id], self.tz, fires=times)
            if self.scheduler.get_job(rule_id) is not None:
                self.scheduler.remove_job(rule_id)
            if not times:
                continue
            missed = missed_time(trigger, fired.get(rule_id), now, self.grace_s)
            first = missed or trigger.get_next_fire_time(None, now)
            if first is None:
                continue
            self.scheduler.add_job(self._fired.emit, trigger, args=[rule_id], id=rule_id, name=rule.name,
                                   next_run_time=first)
        self.problems_changed.emit()
        self.calendars_read.emit()

    def _idle(self):
        if not self._idle_tried:
            self._idle_tried = True
            self._idle_source = self._make_idle()
        return self._idle_source

    def _poll_idle(self) -> None:
        """Read the idle source on a short-lived thread: a D-Bus source may take up to its
        timeout (1 s) to answer, which the tray must not wait for. At most one at a time."""
        if self._idle_reading:
            return
        import threading

        self._idle_reading = True
        threading.Thread(target=self._read_idle, name="idle-poll", daemon=True).start()

    def _read_idle(self) -> None:  # poll thread: reads the source, emits, touches nothing else
        try:
            value = self._idle_source.idle_seconds() if self._idle_source is not None else None
        except Exception:  # noqa: BLE001 - e.g. IdleUnavailable: this reading is lost, not the app
            value = None
        self._idle_reading = False
        self._idle_read.emit(value)  # queued to the main thread

    def _watch_files(self, paths: set[str]) -> None:
        """Re-read a calendar when it changes (an editor's save may replace the file: the
        folder is watched too)."""
        if self._watcher is not None:
            self._watcher.deleteLater()
            self._watcher = None
        if not paths:
            return
        self._watcher = QFileSystemWatcher(self)
        for path in paths:
            for p in (path, str(Path(path).parent)):
                if Path(p).exists():
                    self._watcher.addPath(p)
        self._watcher.fileChanged.connect(self._calendar_changed)
        self._watcher.directoryChanged.connect(self._calendar_changed)

    def _calendar_changed(self, _path: str) -> None:
        QTimer.singleShot(500, self, self.rebuild)  # after the editor has finished writing

    # --- firing (main thread) -----------------------------------------------------------------

    def _on_idle(self, idle_s: object) -> None:
        for rule_id, watch in list(self._watches.items()):
            if watch.observe(idle_s if isinstance(idle_s, (int, float)) else None):
                self._on_fired(rule_id)

    def _on_fired(self, rule_id: str) -> None:
        rule = self.rules.get(rule_id)
        if rule is None:
            return  # removed or disabled since the job was queued
        now = self.clock.now_utc()
        try:
            store.mark_fired(self.conn, rule_id, now)
        except sqlite3.Error:
            pass  # at worst one catch-up more after a restart
        offer = self.offer_for(rule, now)
        if self.is_focus_running():
            if rule.when_busy == "wait":
                self.waiting[rule_id] = offer
            return
        self.suggested.emit(offer)

    def offer_for(self, rule: Rule, now: datetime) -> Offer:
        """The rule's suggestion made concrete: the task's title, or a type chosen by energy."""
        s = rule.suggestion
        offer = Offer(rule.id, rule.name, s.minutes, s.task_type, s.task_id, None, s.stack, s.label)
        try:
            if s.task_id:
                task = task_store.get(self.conn, s.task_id)
                if task is not None and task.is_open:
                    return Offer(rule.id, rule.name, s.minutes, task.task_type, task.id, task.title, None, s.label)
                return Offer(rule.id, rule.name, s.minutes, s.task_type, None, None, s.stack, s.label)
            settings = self._settings() if self._settings else Settings.from_values(settings_store.load(self.conn))[0]
            return energy.resolve(offer, s, now.astimezone(self.tz).hour, settings.peak_hours, settings.valley_hours,
                                  task_store.list_tasks(self.conn))
        except sqlite3.Error:
            return offer

    def focus_ended(self) -> None:
        """The focus session ended: offer what waited for it (the latest only)."""
        if not self.waiting:
            return
        offers = list(self.waiting.values())
        self.waiting.clear()
        self.suggested.emit(offers[-1])

    deliver_waiting = focus_ended

    def next_run(self, rule_id: str) -> datetime | None:
        job = self.scheduler.get_job(rule_id)
        return job.next_run_time if job is not None else None

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
