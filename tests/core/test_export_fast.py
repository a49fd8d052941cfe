"""The import's column-wise check (core/export_fast.py) agrees with the row-by-row reference
(export_format.validate): the same rows for a good document, the same one-line error for a
damaged one. Documents: a real export of a short generated history, with random cells
replaced by random JSON values (hypothesis)."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from microsession.core import export_fast
from microsession.core import export_format as fmt
from microsession.store import db, export

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    spec = importlib.util.spec_from_file_location("history_fast", ROOT / "benchmarks" / "history.py")
    history = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(history)
    path = tmp_path_factory.mktemp("fast") / "m.sqlite3"
    history.generate(path, years=0.05, per_day=8)
    conn = db.connect(path)
    try:
        return json.loads(export.document_text(export.read_tables(conn)))
    finally:
        conn.close()


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
