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
