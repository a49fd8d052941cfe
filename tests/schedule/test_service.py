"""The trigger service's one QTimer in a QApplication: jobs and offers on the main thread; focus sessions hold offers back; one catch-up; idle polling; broken calendars."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from microsession.core.clock import SystemClock
from microsession.core.tasks import new_task
from microsession.core.triggers import (EVERY_DAY, NOT_AVAILABLE, AfterEvents, AtTime, BackAtDesk,
                                        Suggestion)
from microsession.store import db, settings as settings_store, tasks as task_store
from microsession.store import triggers as store

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    for r in store.list_all(c):  # start from no rules
        store.remove(c, r.id)
    yield c
    c.close()


@pytest.fixture
def make_service(qapp, conn):
    from microsession.schedule.service import TriggerService

    made = []

    def make(focus=lambda: False, **kwargs):
        service = TriggerService(conn, SystemClock(), focus, tz=BERLIN, **kwargs)
        made.append(service)
        service.rebuild()
        return service

    yield make
    for service in made:
        service.shutdown()


def add(conn, name, cond, suggestion=Suggestion(10, "admin"), when_busy="wait"):
    rule = store.new_rule(name, cond, suggestion, when_busy=when_busy)
    store.add(conn, rule, datetime.now(timezone.utc))
    return rule


def local_hm(moment: datetime) -> tuple[int, int]:
    moment = moment.astimezone(BERLIN)
    return moment.hour, moment.minute


def test_a_time_rule_fires_on_the_main_thread_and_offers_its_suggestion(qtbot, conn, make_service):
    rule = add(conn, "Stand-up", AtTime((4, 0), EVERY_DAY), Suggestion(10, "communication", label="email"))
    service = make_service()
    job_threads, arrived = [], []
    # a direct connection runs in the emitting thread: the job's (no worker thread any more)
    service._fired.connect(lambda _id: job_threads.append(threading.current_thread()), Qt.ConnectionType.DirectConnection)
    service.suggested.connect(lambda offer: arrived.append((offer, threading.current_thread())))
    soon = datetime.now(BERLIN) + timedelta(seconds=1)
    service.scheduler.modify_job(rule.id, next_run_time=soon)
    with qtbot.waitSignal(service.suggested, timeout=15000):
        pass
    [(offer, thread)] = arrived
    assert thread is threading.main_thread()
    assert job_threads == [threading.main_thread()]
    assert (offer.rule_id, offer.minutes, offer.task_type, offer.label) == (rule.id, 10, "communication", "email")
    assert store.last_fired(conn)[rule.id] >= soon - timedelta(seconds=1)
    assert service.next_run(rule.id) > soon  # tomorrow at 04:00


def test_missed_while_closed_one_catch_up_not_a_burst(qtbot, conn, make_service):
    now = datetime.now(BERLIN)
    rule = add(conn, "Coffee", AtTime(local_hm(now - timedelta(minutes=5)), EVERY_DAY))
    store.mark_fired(conn, rule.id, now - timedelta(days=3))  # closed for three days
    arrived = []
    from microsession.schedule.service import TriggerService

    service = TriggerService(conn, SystemClock(), lambda: False, tz=BERLIN)
    service.suggested.connect(arrived.append)
    try:
        with qtbot.waitSignal(service.suggested, timeout=15000):
            service.rebuild()
        qtbot.waitUntil(lambda: service.next_run(rule.id) > now, timeout=5000)
        qtbot.wait(200)  # a burst would be queued by now
        assert len(arrived) == 1
    finally:
        service.shutdown()


def test_beyond_the_grace_window_nothing_is_caught_up(qtbot, conn, make_service):
    now = datetime.now(BERLIN)
    rule = add(conn, "Coffee", AtTime(local_hm(now - timedelta(minutes=45)), EVERY_DAY))
    store.mark_fired(conn, rule.id, now - timedelta(days=1))
    service = make_service()
    assert service.next_run(rule.id) > now + timedelta(hours=23)


def test_during_focus_a_waiting_rule_waits_for_the_break_a_dropping_one_is_dropped(qtbot, conn, make_service):
    waits = add(conn, "Waits", AtTime((4, 0)), Suggestion(5, "admin"))
    drops = add(conn, "Drops", AtTime((4, 0)), Suggestion(5, "admin"), when_busy="drop")
    focus = [True]
    service = make_service(lambda: focus[0])
    arrived = []
    service.suggested.connect(arrived.append)
    for rule in (waits, drops):
        worker = threading.Thread(target=service._fired.emit, args=(rule.id,))  # as a job does
        worker.start()
        worker.join()
    qtbot.waitUntil(lambda: waits.id in service.waiting, timeout=5000)
    assert arrived == [] and list(service.waiting) == [waits.id]
    focus[0] = False
    service.focus_ended()
    assert [o.rule_name for o in arrived] == ["Waits"] and service.waiting == {}


def test_energy_picks_the_type_when_the_rule_names_none(conn, make_service):
    rule = add(conn, "Anything", AtTime((4, 0)), Suggestion(20))
    now = datetime.now(timezone.utc)
    task_store.add(conn, new_task("Essay", "creative", 25, now=now))
    task_store.add(conn, new_task("Mail", "communication", 10, now=now))
    hour = now.astimezone(BERLIN).hour
    settings_store.save(conn, "peak_hours", f"{hour}-{hour + 1}")
    service = make_service()
    assert service.offer_for(service.rules[rule.id], now).task_type == "creative"
    settings_store.save(conn, "peak_hours", "")
    settings_store.save(conn, "valley_hours", f"{hour}-{hour + 1}")
    assert service.offer_for(service.rules[rule.id], now).task_type == "communication"


class FakeIdle:
    name = "fake"

    def __init__(self, readings):
        self.readings = list(readings)

    def idle_seconds(self):
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


def test_back_at_the_desk_from_a_fake_idle_source(qtbot, conn, make_service):
    rule = add(conn, "Back at the desk", BackAtDesk(15), Suggestion(10, pick="light"), when_busy="drop")
    now = datetime.now(timezone.utc)
    task_store.add(conn, new_task("Invoices", "admin", 10, now=now))
    task_store.add(conn, new_task("Post", "social-media", 5, now=now))
    source = FakeIdle([0, 300, 899, 901, 1200, 3, 10])
    service = make_service(idle_source=lambda: source, poll_s=0.05)
    assert service.scheduler.get_job("idle-poll") is not None
    with qtbot.waitSignal(service.suggested, timeout=15000) as blocker:
        pass
    assert blocker.args[0].rule_id == rule.id and blocker.args[0].task_type == "social-media"
    assert source.readings == [10]  # fired when 1200 s turned into 3 s


def test_no_idle_source_means_not_available_and_no_polling(conn, make_service):
    rule = add(conn, "Back at the desk", BackAtDesk(15))
    service = make_service(idle_source=lambda: None)
    assert service.problems == {rule.id: NOT_AVAILABLE}
    assert service.scheduler.get_job("idle-poll") is None


def test_no_idle_rule_means_no_polling_and_no_source(conn, make_service):
    add(conn, "Coffee", AtTime((9, 0)))
    asked = []
    service = make_service(idle_source=lambda: asked.append(1))
    assert service.scheduler.get_job("idle-poll") is None and asked == []


def read(qtbot, service):
    """The calendars are read on the scheduler's worker: wait for their results."""
    qtbot.waitSignal(service.calendars_read, timeout=20000).wait()
    return service


def test_a_broken_calendar_marks_the_rule(qtbot, tmp_path, conn, make_service):
    bad = tmp_path / "cal.ics"
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260302T10")
    rule = add(conn, "After meetings", AfterEvents(str(bad), 2))
    incomplete = add(conn, "No file", AfterEvents("", 2))
    service = read(qtbot, make_service())
    assert service.problems[rule.id].startswith("broken: ") and "cut short" in service.problems[rule.id]
    assert service.problems[incomplete.id].startswith("incomplete")
    assert store.get(conn, rule.id) is not None  # the rule stays


def test_start_if_needed_imports_nothing_while_no_rule_is_enabled(tmp_path):
    code = (
        "import sys; from microsession.store import db; from microsession.core.clock import SystemClock;"
        "from microsession.schedule.start import start_if_needed;"
        f"conn = db.connect(__import__('pathlib').Path({str(tmp_path / 'm.sqlite3')!r}));"
        "assert start_if_needed(conn, SystemClock(), lambda: False) is None;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('apscheduler', 'icalendar', 'tzlocal',"
        " 'recurring_ical_events', 'PySide6') or m in ('microsession.core.triggers', 'microsession.store.triggers')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_refresh_starts_the_service_once_a_rule_is_enabled_then_rebuilds_it(qapp, conn):
    from microsession.schedule.start import refresh

    rule = add(conn, "Coffee", AtTime((9, 0)))
    store.set_enabled(conn, rule.id, False)
    assert refresh(None, conn, SystemClock(), lambda: False, tz=BERLIN) is None
    store.set_enabled(conn, rule.id, True)
    service = refresh(None, conn, SystemClock(), lambda: False, tz=BERLIN)
    try:
        assert service is not None and service.next_run(rule.id) is not None
        store.set_enabled(conn, rule.id, False)
        assert refresh(service, conn, SystemClock(), lambda: False) is service
        assert service.next_run(rule.id) is None and service.scheduler.get_jobs() == []
    finally:
        service.shutdown()


GOOD_ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
            "DTSTART;TZID=Europe/Berlin:20260302T090000\r\nDTEND;TZID=Europe/Berlin:20260302T100000\r\n"
            "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_calendar_is_read_again_when_the_file_changes(qtbot, tmp_path, conn, make_service):
    cal = tmp_path / "cal.ics"
    cal.write_text(GOOD_ICS[:40], newline="")  # cut short
    rule = add(conn, "After meetings", AfterEvents(str(cal), 2, days=EVERY_DAY))
    service = read(qtbot, make_service())
    assert "cut short" in service.problems[rule.id] and service.next_run(rule.id) is None
    replacement = tmp_path / "cal.ics.new"
    replacement.write_text(GOOD_ICS, newline="")
    with qtbot.waitSignal(service.problems_changed, timeout=15000):
        replacement.replace(cal)  # how editors save: a new file renamed over the old one
    qtbot.waitUntil(lambda: rule.id not in service.problems and service.next_run(rule.id) is not None, timeout=15000)
    nxt = service.next_run(rule.id)
    assert nxt is not None and (nxt.astimezone(BERLIN).hour, nxt.astimezone(BERLIN).minute) == (10, 2)


def test_an_unreadable_store_keeps_the_jobs_as_they_were(tmp_path, conn, make_service):
    rule = add(conn, "Coffee", AtTime((9, 0)))
    service = make_service()
    conn.execute("ALTER TABLE triggers RENAME TO triggers_gone")  # a store that cannot be read
    try:
        service.rebuild()
        assert service.next_run(rule.id) is not None and rule.id in service.rules
    finally:
        conn.execute("ALTER TABLE triggers_gone RENAME TO triggers")


def ics_ending(end: datetime) -> bytes:
    start = end - timedelta(hours=1)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:u@t\r\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_a_subscription_is_fetched_on_the_worker_and_its_refresh_moves_the_job(qtbot, conn, make_service, server):
    end = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    server.steps = [(200, ics_ending(end), {"ETag": '"1"'}), (200, ics_ending(end + timedelta(hours=2)), {})]
    rule = add(conn, "After meetings", AfterEvents(server.url, 2, (0, 0), (23, 59), EVERY_DAY, source="url"))
    main = threading.get_ident()
    threads = []
    service = make_service()
    service._calendars_read.connect(lambda *_: threads.append(threading.get_ident()), Qt.ConnectionType.DirectConnection)
    assert service.next_run(rule.id) is None  # nothing read on this thread: the job comes from the worker
    read(qtbot, service)
    assert service.next_run(rule.id) == end + timedelta(minutes=2) and rule.id not in service.problems
    with qtbot.waitSignal(service.calendars_read, timeout=20000):
        service.scheduler.modify_job("calendar-refresh", next_run_time=datetime.now(timezone.utc))
    assert service.next_run(rule.id) == end + timedelta(hours=2, minutes=2)
    assert threads and main not in threads and len(server.seen) == 2
    server.steps = [(500, b"", {})]
    with qtbot.waitSignal(service.calendars_read, timeout=20000):
        service.scheduler.modify_job("calendar-refresh", next_run_time=datetime.now(timezone.utc))
    assert service.next_run(rule.id) == end + timedelta(hours=2, minutes=2)  # the copy keeps working
    assert service.problems[rule.id].startswith("offline: the calendar server failed (HTTP 500)")


def test_no_fetch_while_no_calendar_rule_is_on(qtbot, conn, make_service, server):
    off = add(conn, "After meetings", AfterEvents(server.url, 2, source="url"))
    store.set_enabled(conn, off.id, False)
    add(conn, "Coffee", AtTime((9, 0)))
    service = make_service()
    assert service.scheduler.get_job("calendar-read") is None and service.scheduler.get_job("calendar-refresh") is None
    assert server.seen == []


def test_a_refresh_missed_while_asleep_runs_once_on_waking(qtbot, conn, make_service, server):
    """After a suspend the refresh is hours overdue: it runs (once), not skipped as a misfire."""
    end = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    server.steps = [(200, ics_ending(end), {}), (200, ics_ending(end + timedelta(hours=1)), {})]
    rule = add(conn, "After meetings", AfterEvents(server.url, 2, (0, 0), (23, 59), EVERY_DAY, source="url"))
    service = read(qtbot, make_service())
    with qtbot.waitSignal(service.calendars_read, timeout=20000):
        service.scheduler.modify_job("calendar-refresh", next_run_time=datetime.now(timezone.utc) - timedelta(hours=3))
    assert service.next_run(rule.id) == end + timedelta(hours=1, minutes=2) and len(server.seen) == 2


def test_a_restart_reads_the_local_copy_and_fetches_only_later(qtbot, conn, make_service, server):
    """No network call at start-up: the first reading uses the copy a previous run left."""
    end = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    server.steps = [(200, ics_ending(end), {})]
    rule = add(conn, "After meetings", AfterEvents(server.url, 2, (0, 0), (23, 59), EVERY_DAY, source="url"))
    first = read(qtbot, make_service())
    assert len(server.seen) == 1
    first.shutdown()
    again = read(qtbot, make_service())
    assert len(server.seen) == 1 and again.next_run(rule.id) == end + timedelta(minutes=2)
    refresh = again.scheduler.get_job("calendar-refresh").next_run_time
    assert timedelta(seconds=30) < refresh - datetime.now(timezone.utc) <= timedelta(seconds=60)


def test_the_refresh_follows_the_setting(qtbot, conn, make_service, server):
    from dataclasses import replace

    from microsession.core.settings import Settings

    server.steps = [(200, ics_ending(datetime.now(timezone.utc) + timedelta(days=1)), {})]
    add(conn, "After meetings", AfterEvents(server.url, 2, source="url"))
    chosen = [replace(Settings(), calendar_refresh_minutes=45)]
    service = read(qtbot, make_service(settings=lambda: chosen[0]))
    assert service.scheduler.get_job("calendar-refresh").trigger.interval == timedelta(minutes=45)
    chosen[0] = replace(Settings(), calendar_refresh_minutes=5)
    service.rebuild()  # what the shell does when the setting is saved
    assert service.scheduler.get_job("calendar-refresh").trigger.interval == timedelta(minutes=5)


def test_a_refused_address_never_stops_the_other_rules(qtbot, tmp_path, conn, make_service, server):
    server.steps = [(401, b"", {})]
    good = tmp_path / "good.ics"
    end = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    good.write_bytes(ics_ending(end))
    refused = add(conn, "Refused", AfterEvents(server.url, 2, (0, 0), (23, 59), EVERY_DAY, source="url"))
    fine = add(conn, "Fine", AfterEvents(str(good), 2, (0, 0), (23, 59), EVERY_DAY))
    coffee = add(conn, "Coffee", AtTime((9, 0), EVERY_DAY))
    service = read(qtbot, make_service())
    assert service.problems[refused.id] == ("broken: the server refused access (HTTP 401); "
                                            "check the secret address or the password")
    assert service.next_run(refused.id) is None
    assert service.next_run(fine.id) == end + timedelta(minutes=2) and fine.id not in service.problems
    assert service.next_run(coffee.id) is not None
