from datetime import datetime, timedelta, timezone

from microsession.core.figures import energy
from microsession.core.figures.metrics import Mean
from microsession.core.tasks import new_task
from microsession.core.triggers import Offer, Suggestion

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def tasks():
    out = []
    for i, (title, kind, minutes) in enumerate([
        ("Essay", "creative", 25), ("Mail", "communication", 15), ("Invoices", "admin", 10),
        ("Paper", "research", 30), ("Post", "social-media", 5), ("Tweet", "social-media", 5),
    ]):
        out.append(new_task(title, kind, minutes, now=T0 + timedelta(minutes=i)))
    return out


def test_phase_reads_the_settings():
    assert energy.phase(9, "9-12", "14-16") == "peak"
    assert energy.phase(12, "9-12", "14-16") is None  # end excluded
    assert energy.phase(15, "9-12", "14-16") == "valley"
    assert energy.phase(10, "9-12", "8-11") == "peak"  # peak wins an overlap
    assert energy.phase(10, "garbage", "9-11") == "valley"


def test_demanding_in_peaks_light_in_valleys_nothing_in_between():
    s = Suggestion(15)
    assert energy.choose_task(s, 10, "9-12", "14-17", tasks()).title == "Essay"
    assert energy.choose_task(s, 15, "9-12", "14-17", tasks()).title == "Mail"
    assert energy.choose_task(s, 13, "9-12", "14-17", tasks()) is None
    assert energy.choose_task(s, 10, "9-12", "", [t for t in tasks() if t.task_type == "admin"]) is None


def test_light_pick_is_the_lightest_open_type():
    # social media: shortest task 5 min (2 tasks); admin 10; communication 15
    assert energy.lightest(tasks()).title == "Post"
    assert energy.choose_task(Suggestion(10, pick="light"), 10, "9-12", "", tasks()).title == "Post"
    assert energy.lightest([t for t in tasks() if t.task_type == "creative"]) is None


def test_resolve_keeps_a_named_type():
    offer = Offer("r", "R", 10, "admin")
    assert energy.resolve(offer, Suggestion(10, "admin"), 10, "9-12", "", tasks()) is offer
    plain = Offer("r", "R", 10)
    assert energy.resolve(plain, Suggestion(10), 10, "9-12", "", tasks()).task_type == "creative"
    assert energy.resolve(plain, Suggestion(10), 20, "9-12", "", tasks()) == plain


def test_data_peak_hours_need_fourteen_days():
    by_hour = {9: Mean(4.5 * 5, 5), 10: Mean(4.0 * 5, 5), 14: Mean(2.0 * 5, 5), 15: Mean(2.5 * 4, 4)}
    assert energy.data_peak_hours(by_hour, 13) == []
    assert energy.data_peak_hours(by_hour, 14) == [9, 10]
    assert energy.hours_setting([9, 10, 15]) == "9-11, 15-16"
