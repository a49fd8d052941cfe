from microsession.core.settings import Settings


def test_defaults():
    s, problems = Settings.from_values({})
    assert s.default_minutes == 15 and s.break_minutes == 5 and problems == []


def test_bad_values_fall_back_one_by_one():
    s, problems = Settings.from_values(
        {"default_minutes": 20, "break_minutes": "lots", "chime_volume": 7, "chime": 1, "future_key": 3}
    )
    assert s.default_minutes == 20
    assert s.break_minutes == 5 and s.chime_volume == 0.6 and s.chime is True
    assert len(problems) == 3 and all(":" in p for p in problems)


def test_text_settings_are_checked():
    s, problems = Settings.from_values({
        "notification_style": "loud", "peak_hours": "9-12, 15-17", "valley_hours": "25-3",
        "hook_session_start": "notify-send 'unclosed", "hook_session_end": "dnd off", "preparation_checklist": 5})
    assert s.notification_style == "full" and s.peak_hours == "9-12, 15-17" and s.valley_hours == ""
    assert s.hook_session_start == "" and s.hook_session_end == "dnd off"
    assert s.preparation_checklist.startswith("Silence")
    assert sorted(p.split(":")[0] for p in problems) == [
        "hook_session_start", "notification_style", "preparation_checklist", "valley_hours"]


def test_hour_ranges():
    from microsession.core.settings import hour_ranges

    assert hour_ranges(" 9-12,15 - 17 ,") == [(9, 12), (15, 17)]
    assert hour_ranges("") == []
    for bad in ("12-9", "9", "9-25", "a-b"):
        try:
            hour_ranges(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_quiet_hours_may_span_midnight():
    from dataclasses import replace

    from microsession.core.settings import in_quiet_hours

    night = Settings()  # 22:00 to 07:00 by default
    assert [h for h in range(24) if in_quiet_hours(night, h)] == [0, 1, 2, 3, 4, 5, 6, 22, 23]
    lunch = replace(night, quiet_from=12, quiet_until=14)
    assert [h for h in range(24) if in_quiet_hours(lunch, h)] == [12, 13]
    assert not any(in_quiet_hours(replace(night, quiet_hours=False), h) for h in range(24))
