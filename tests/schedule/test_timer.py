"""The trigger service's one QTimer (schedule/timer.py) and APScheduler's triggers loaded light
(schedule/aps.py): what runs, when, and what is not imported."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

from microsession.schedule.aps import CronTrigger, IntervalTrigger
from microsession.schedule.timer import MAX_WAIT_S, OneTimer

UTC = timezone.utc
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Now:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_a_due_job_runs_once_and_its_next_time_is_the_triggers_next(qapp):
    now = Now(T0)
    timer, ran = OneTimer(misfire_grace_s=1800, now=now), []
    job = timer.add_job(ran.append, CronTrigger(minute=30, timezone=UTC), args=["a"], id="a")
    assert job.next_run_time == T0.replace(minute=30)
    now.at = T0.replace(minute=30, second=1)
    timer._wake()
    assert ran == ["a"] and job.next_run_time == T0.replace(hour=10, minute=30)


def test_missed_times_are_one_run_within_the_grace_window_and_none_beyond(qapp):
    now = Now(T0)
    timer, ran = OneTimer(misfire_grace_s=1800, now=now), []
    job = timer.add_job(ran.append, CronTrigger(minute="*/5", timezone=UTC), args=["x"], id="x")
    now.at = T0 + timedelta(minutes=22)  # four fire times passed (09:05 … 09:20): one run
    timer._wake()
    assert ran == ["x"] and job.next_run_time == T0 + timedelta(minutes=25)
    hourly = timer.add_job(ran.append, CronTrigger(minute=0, timezone=UTC), args=["h"], id="h")
    timer.modify_job("h", T0)  # latest missed time 11:00 ... wait past it by more than the grace
    now.at = T0 + timedelta(hours=2, minutes=40)
    timer._wake()
    assert ran == ["x", "x"]  # "x" again (09:25 … 11:40 coalesced); "h" missed by 40 min > 30 min
    assert hourly.next_run_time == T0 + timedelta(hours=3)


def test_the_timer_sleeps_until_the_earliest_job_at_most_max_wait(qapp):
    now = Now(T0)
    timer = OneTimer(now=now)
    assert not timer._timer.isActive()  # nothing to wait for: no wake-ups at all
    timer.add_job(lambda: None, CronTrigger(hour=12, minute=0, timezone=UTC), id="noon")
    # Qt's default (coarse) timer keeps a wait of 20 s or more to the whole second: ±1 s.
    assert timer._timer.remainingTime() <= MAX_WAIT_S * 1000 + 1000
    timer.add_job(lambda: None, IntervalTrigger(seconds=30, start_date=T0 + timedelta(seconds=30),
                                                timezone=UTC), id="poll")
    assert 29_000 <= timer._timer.remainingTime() <= 31_000
    timer.remove_all_jobs()
    assert not timer._timer.isActive() and timer.get_jobs() == []
    timer.shutdown()
    timer.add_job(lambda: None, IntervalTrigger(seconds=30, timezone=UTC), id="poll")
    assert not timer._timer.isActive()


def test_a_real_job_fires_through_the_event_loop(qtbot):
    timer, ran = OneTimer(), []
    timer.add_job(ran.append, IntervalTrigger(seconds=3600, timezone=UTC), args=[1], id="soon")
    timer.modify_job("soon", datetime.now(UTC) + timedelta(milliseconds=200))
    qtbot.waitUntil(lambda: ran == [1], timeout=10_000)
    assert timer.get_job("soon").next_run_time > datetime.now(UTC) + timedelta(minutes=50)


def test_the_triggers_load_without_asyncio_ssl_or_importlib_metadata_and_those_still_import_later():
    code = (
        "import sys\n"
        "from microsession.schedule import service\n"
        "heavy = [m for m in ('asyncio', 'ssl', 'importlib.metadata', 'multiprocessing', 'concurrent.futures',"
        " 'apscheduler.schedulers', 'email') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import apscheduler, importlib.metadata, asyncio\n"
        "assert apscheduler.__version__ == importlib.metadata.version('APScheduler').split('-')[0][:len(apscheduler.__version__)]\n"
        "assert asyncio.iscoroutinefunction and asyncio.get_event_loop_policy\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
