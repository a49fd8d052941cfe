import pytest

from microsession.core import trigger_json as tj
from microsession.core import triggers as t
from microsession.core.triggers import AfterEvents, AtTime, AwayWatch, BackAtDesk, Every, Rule, Suggestion


def test_parse_times_and_days():
    assert t.parse_hm("9:05") == (9, 5) and t.parse_hm(" 23:59 ") == (23, 59)
    for bad in ("24:00", "9:60", "9", "nine", "09:5", ""):
        with pytest.raises(ValueError, match="expected a time"):
            t.parse_hm(bad)
    assert t.parse_days("mon-fri") == t.WEEKDAYS
    assert t.parse_days("mon,wed") == {0, 2}
    assert t.parse_days("Monday, Wednesday") == {0, 2}
    assert t.parse_days("fri-mon") == {4, 5, 6, 0}
    assert t.parse_days("daily") == t.EVERY_DAY
    for bad in ("funday", "mon-", "", "mon-tue-wed"):
        with pytest.raises(ValueError):
            t.parse_days(bad)
    assert t.days_text(frozenset({0, 2})) == "mon,wed" and t.days_text(t.WEEKDAYS) == "mon-fri"


def test_every_times_of_day_include_the_end():
    assert Every(90, (13, 0), (17, 0)).times_of_day() == [(13, 0), (14, 30), (16, 0)]
    assert Every(60, (13, 0), (15, 0)).times_of_day() == [(13, 0), (14, 0), (15, 0)]
    with pytest.raises(ValueError, match="ends before it starts"):
        Every(30, (17, 0), (13, 0))
    with pytest.raises(ValueError):
        Every(0, (13, 0), (14, 0))


@pytest.mark.parametrize("cond", [
    AtTime((9, 0)), AtTime((10, 30), frozenset({5, 6})), Every(90, (13, 0), (17, 0), t.EVERY_DAY),
    AfterEvents("/x/cal.ics", 5, (9, 0), (18, 0), frozenset({0, 1})), AfterEvents(""), BackAtDesk(20),
])
def test_conditions_round_trip_through_json(cond):
    assert tj.condition_from_json(tj.condition_json(cond)) == cond


@pytest.mark.parametrize("bad", [
    None, [], {"kind": "time"}, {"kind": "time", "at": "25:00"}, {"kind": "time", "at": "9:00", "days": [7]},
    {"kind": "time", "at": "9:00", "days": []}, {"kind": "every", "minutes": "5", "start": "9:00", "end": "10:00"},
    {"kind": "idle", "idle_minutes": True}, {"kind": "idle", "idle_minutes": 0}, {"kind": "nope"},
    {"kind": "calendar", "path": 5},
])
def test_bad_condition_json_is_a_value_error(bad):
    with pytest.raises(ValueError):
        tj.condition_from_json(bad)


def test_suggestion_validation_and_json():
    s = Suggestion(10, "communication", None, None, "email")
    assert tj.suggestion_from_json(tj.suggestion_json(s)) == s
    assert s.describe() == "10 min · email"
    assert Suggestion(10, pick="light").describe() == "10 min · the lightest open task type"
    for bad in ({"minutes": 0}, {"minutes": 241}, {"minutes": 5, "pick": "x"}, {"minutes": 5, "label": "a\nb"}, {}):
        with pytest.raises(ValueError):
            tj.suggestion_from_json(bad)


def test_rule_checks_name_and_incomplete_calendar():
    with pytest.raises(ValueError, match="empty"):
        Rule("1", "  ", True, AtTime((9, 0)), Suggestion(5))
    with pytest.raises(ValueError, match="when busy"):
        Rule("1", "x", True, AtTime((9, 0)), Suggestion(5), "later")
    rule = Rule("1", "After meetings", False, AfterEvents(""), Suggestion(10))
    assert rule.incomplete() == "incomplete: choose an .ics calendar file"
    assert Rule("1", "x", True, AfterEvents("/a.ics"), Suggestion(10)).incomplete() is None


def test_calendar_working_hours():
    cond = AfterEvents("/a.ics", 2, (8, 0), (19, 0))
    assert cond.in_hours(0, (8, 0)) and cond.in_hours(4, (19, 0))
    assert not cond.in_hours(0, (7, 59)) and not cond.in_hours(0, (19, 1)) and not cond.in_hours(5, (10, 0))


def test_away_watch_fires_once_when_activity_resumes_after_the_threshold():
    watch = AwayWatch(15)
    readings = [0, 30, 600, 899, 2, 60, 900, 1500, None, 1530, 4, 34, 900, 960]
    fired = [i for i, r in enumerate(readings) if watch.observe(r)]
    assert fired == [10]  # 899 s then 2 s: not away long enough; 1530 s then 4 s: back
    assert watch.observe(3)  # 960 s then 3 s: back again


def test_offer_text():
    assert t.Offer("r", "Coffee planning", 5, "admin", label="planning").text() == "Coffee planning: 5 min · planning"
    assert t.Offer("r", "Back", 10, "social-media").text() == "Back: 10 min · social media"
    assert t.Offer("r", "X", 10).text() == "X: 10 min · a session"
