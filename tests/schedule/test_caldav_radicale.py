"""CalDAV against a real Radicale server on 127.0.0.1 (htpasswd, plain): events created there
become meeting-end fire times; a wrong password gives one line; the password is in the
keyring (a real keyring backend kept in memory), and no keyring means no password stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import keyring
import pytest

from microsession.core.triggers import AfterEvents, Rule, Suggestion
from microsession.schedule import caldav_source, jobs
from microsession.schedule.calendar import CalendarError

UTC = timezone.utc


def test_events_created_on_the_server_become_fire_times(radicale, memory_keyring, tmp_path):
    import caldav

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    meeting_end = (now + timedelta(days=1)).replace(hour=10, minute=30)
    with caldav.DAVClient(url=radicale, username="ana", password="s3cret", require_tls=False) as client:
        cal = client.principal().make_calendar(name="Work")
        cal.save_event(dtstart=meeting_end - timedelta(hours=1), dtend=meeting_end, summary="Planning", uid="p@ana")
        cal.save_event(dtstart=meeting_end + timedelta(hours=2), dtend=meeting_end + timedelta(hours=3),
                       summary="Cancelled", uid="c@ana", status="CANCELLED")
    caldav_source.save_password(radicale, "ana", "s3cret")
    assert memory_keyring.secrets == {(caldav_source.SERVICE, f"ana@{radicale}"): "s3cret"}
    cond = AfterEvents(radicale, 5, (0, 0), (23, 59), frozenset(range(7)), source="caldav", user="ana")
    rule = Rule("r", "After meetings", True, cond, Suggestion(10))
    times, problem = jobs.preview(rule, UTC, now, 5, folder=tmp_path)
    assert problem is None
    assert times == [meeting_end + timedelta(minutes=5)]
    # the local copy holds the events, not the password
    copies = list((tmp_path / "calendars").glob("*.ics"))
    assert len(copies) == 1 and b"Planning" in copies[0].read_bytes() and b"s3cret" not in copies[0].read_bytes()


def test_a_wrong_password_gives_one_line(radicale, memory_keyring, tmp_path):
    caldav_source.save_password(radicale, "ana", "wrong")
    cond = AfterEvents(radicale, 5, source="caldav", user="ana")
    times, problem = jobs.preview(Rule("r", "x", True, cond, Suggestion(10)), UTC, datetime.now(UTC), 3, folder=tmp_path)
    assert times == [] and problem == "broken: the CalDAV server refused the user name or password (HTTP 401)"


def test_no_keyring_no_password_stored(radicale, tmp_path):
    from keyring.backends import fail

    saved = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(CalendarError, match="no system keyring .* not stored in plain text"):
            caldav_source.save_password(radicale, "ana", "s3cret")
        cond = AfterEvents(radicale, 5, source="caldav", user="ana")
        _, problem = jobs.preview(Rule("r", "x", True, cond, Suggestion(10)), UTC, datetime.now(UTC), 3, folder=tmp_path)
        assert "no system keyring" in problem and "\n" not in problem
    finally:
        keyring.set_keyring(saved)


def test_one_calendar_by_its_own_address(radicale, memory_keyring, tmp_path):
    import caldav

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    end = (now + timedelta(days=2)).replace(hour=15, minute=0)
    with caldav.DAVClient(url=radicale, username="ana", password="s3cret", require_tls=False) as client:
        principal = client.principal()
        mine = principal.make_calendar(name="Mine only")
        mine.save_event(dtstart=end - timedelta(hours=1), dtend=end, summary="Mine", uid="mine@ana")
        other = principal.make_calendar(name="Someone else's")
        other.save_event(dtstart=end, dtend=end + timedelta(hours=1), summary="Other", uid="other@ana")
        url = str(mine.url)
    caldav_source.save_password(url, "ana", "s3cret")
    cond = AfterEvents(url, 0, (0, 0), (23, 59), frozenset(range(7)), source="caldav", user="ana")
    times, problem = jobs.preview(Rule("r", "x", True, cond, Suggestion(10)), UTC, now, 5, folder=tmp_path)
    assert problem is None and times == [end]
