"""The import's column-wise check (core/export_fast.py) agrees with the row-by-row reference
(export_format.validate): the same rows for a good document, the same one-line error for a
damaged one. Documents: a real export of a short generated history, with random cells
replaced by random JSON values (hypothesis)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from microsession.core import export_fast
from microsession.core import export_format as fmt

@pytest.fixture(scope="module")
def good(tmp_path_factory, history_export) -> dict:
    return json.loads(history_export(tmp_path_factory.mktemp("fast"), years=0.05, per_day=8))


def outcome(check, doc):
    try:
        return ("rows", check(doc))
    except ValueError as exc:
        return ("error", str(exc))


def test_a_good_export_gives_the_same_rows(good):
    assert sum(len(good.get(t.name, [])) for t in fmt.TABLES) > 100
    assert outcome(export_fast.validate, good) == outcome(fmt.validate, good)
    assert outcome(export_fast.validate, good)[0] == "rows"


json_value = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**7), st.floats(allow_nan=False),
                       st.sampled_from([-5, 0, 1, 6, 121, 1e300, 10_000_001, 3.5, "nap", "x" * 201]),
                       st.text(max_size=40), st.sampled_from(["2026-03-02T09:00:00.000+00:00", "2026-03-02T09:00:00+01:00",
                                                              "0a" * 16, "AB" * 16, "micro", "break", "completed", ""]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_export_gives_the_same_error_or_rows(good, data):
    doc = copy.deepcopy(good)
    cells = [(t, c) for t in fmt.TABLES if doc.get(t.name) for c in t.names + ("extra",)]
    for _ in range(data.draw(st.integers(1, 2))):
        table, column = data.draw(st.sampled_from(cells))
        row = data.draw(st.sampled_from(doc[table.name]))
        if data.draw(st.booleans()) and column in row:
            del row[column]
        else:
            row[column] = data.draw(json_value)
    assert outcome(export_fast.validate, doc) == outcome(fmt.validate, doc)


BAD = [None, True, 1, -5, 3.5, 1e300, "nap", "x" * 201, "AB" * 16, "2026-03-02T09:00:00+01:00", "\ud800", [1]]


def test_every_column_with_every_kind_of_bad_value_gives_the_same_error_or_rows(good):
    for table in fmt.TABLES:
        for column in table.names if good.get(table.name) else ():
            for value in BAD:
                doc = copy.deepcopy(good)
                doc[table.name][-1][column] = value
                fast, slow = outcome(export_fast.validate, doc), outcome(fmt.validate, doc)
                assert fast == slow, (table.name, column, value)


def _first(doc, table, **where):
    return next(r for r in doc[table] if all(r[k] == v for k, v in where.items()))


CROSS = [  # what the row checks (export_format.ROW_CHECKS) refuse, which export_fast checks by column
    ("tasks", lambda r: r.update(aspect="Beds", project=None)),
    ("tasks", lambda r: r.update(done=not r["done"])),
    ("tasks", lambda r: r.update(title=" padded ")),
    ("tasks", lambda r: r.update(title="tab\there")),
    ("tasks", lambda r: r.update(task_type="Not A Slug")),
    ("tasks", lambda r: r.update(project="  ")),
    ("tasks", lambda r: r.update(project="Garden", aspect=" Beds")),
    ("sessions", lambda r: r.update(outcome=None)),
    ("sessions", lambda r: r.update(focused_s=None)),
    ("sessions", lambda r: r.update(ended_utc="2000-01-01T00:00:00.000+00:00")),
    ("sessions", lambda r: r.update(batch_type="Admin")),
    ("sessions", lambda r: r.update(batch_type="admin")),  # one that passes
    ("session_logs", lambda r: r.update(next_step="x" * 2001)),
    ("session_logs", lambda r: r.update(stopped_at="x" * 2000)),  # one that passes
]


@pytest.mark.parametrize("table, change", CROSS)
def test_a_row_check_across_columns_gives_the_same_error_or_rows(good, table, change):
    doc = copy.deepcopy(good)
    change(doc[table][len(doc[table]) // 2])
    assert outcome(export_fast.validate, doc) == outcome(fmt.validate, doc)


def test_rows_with_columns_in_another_order_or_flags_as_numbers(good):
    doc = copy.deepcopy(good)
    doc["sessions"] = [dict(reversed(list(r.items()))) for r in doc["sessions"]]
    doc["session_logs"][0]["finished"] = 1
    doc["sessions"][0]["planned_s"] = 300
    fast = outcome(export_fast.validate, doc)
    assert fast == outcome(fmt.validate, doc) and fast[0] == "rows"
    assert type(fast[1]["sessions"][0][2]) is float  # stored as a real, as the row check gives it
    finished = fmt.BY_NAME["session_logs"].names.index("finished")
    assert {type(r[finished]) for r in fast[1]["session_logs"]} == {int}
