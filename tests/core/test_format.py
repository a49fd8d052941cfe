from microsession.core.events import Kind
from microsession.core.format import clock_text, kind_for_minutes, minutes_text


def test_clock_text_rounds_up():
    assert clock_text(900) == "15:00"
    assert clock_text(899.2) == "15:00"
    assert clock_text(0.2) == "00:01"
    assert clock_text(0) == "00:00"
    assert clock_text(5400) == "1:30:00"


def test_minutes_text():
    assert minutes_text(61) == "2 min"
    assert minutes_text(5400) == "1 h 30 min"
    assert minutes_text(7200) == "2 h"


def test_deep_work_from_90_minutes():
    assert kind_for_minutes(25) is Kind.MICRO
    assert kind_for_minutes(90) is Kind.DEEP


def test_ids_are_version_4_uuids():
    import uuid

    from microsession.core.ids import new_id

    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    for i in list(ids)[:50]:
        u = uuid.UUID(hex=i)
        assert u.version == 4 and u.variant == uuid.RFC_4122 and u.hex == i


def test_time_spent_is_rounded_to_the_nearest_minute_not_up():
    assert minutes_text(900.0017, up=False) == "15 min"
    assert minutes_text(899.6, up=False) == "15 min"
    assert minutes_text(929, up=False) == "15 min"
    assert minutes_text(5400.2, up=False) == "1 h 30 min"
    assert minutes_text(900.0017) == "16 min"  # time left still rounds up, like a countdown


def test_left_text_never_says_more_than_there_is():
    from microsession.core.format import left_text

    assert left_text(270) == "4 min 30 s"
    assert left_text(300) == "5 min"
    assert left_text(42.2) == "43 s"
    assert left_text(5399) == "1 h 29 min"
    assert left_text(7200) == "2 h"
