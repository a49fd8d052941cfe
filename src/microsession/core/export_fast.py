"""The import's check, column by column: what export_format.validate does row by row, at C
speed for a file that is what our exports hold. Pure: no I/O.

Each column's values are checked together (types with one pass, ids and times with one
regular expression over the joined column, ranges with min/max, choices with a set). Any
column that does not pass whole, a duplicate key, or a failing row check sends the table to
the row-by-row check, which then names the row and the column of the first problem, so the
error lines are the same. Ten years (231,796 rows, ~3 million cells): 2.6 s -> about 0.6 s.
tests/core/test_export_fast.py checks that both give the same rows, or the same error.
"""

from __future__ import annotations

import re
from datetime import datetime
from operator import itemgetter
from typing import Any

from microsession.core import export_format as fmt

_IDS = re.compile(r"(?:[0-9a-f]{32}\n)*[0-9a-f]{32}")
_TIMES = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00\n)*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FAIL = object()


def _joined_match(pattern: re.Pattern, values: list[str]) -> bool:
    joined = "\n".join(values)
    return joined.count("\n") == len(values) - 1 and pattern.fullmatch(joined) is not None


def _column(col: fmt.Column, values: list[Any]) -> list[Any] | object:
    """The column in stored form, or _FAIL (then the row-by-row check decides)."""
    present = [v for v in values if v is not None] if col.null else values
    if not present:
        return values
    if not col.null and None in values:
        return _FAIL
    if col.kind in ("id", "text", "utc", "enum"):
        if any(type(v) is not str for v in present):
            return _FAIL
        joined = "".join(present)
        if not joined.isascii() and _SURROGATE.search(joined):
            return _FAIL
        if col.kind == "id":
            return values if _joined_match(_IDS, present) else _FAIL
        if col.kind == "utc":
            if not _joined_match(_TIMES, present):
                return _FAIL  # not all in the stored form: converted row by row
            try:
                for _ in map(datetime.fromisoformat, present):
                    pass
            except ValueError:
                return _FAIL
            years = [v[:4] for v in present]
            ok = f"{fmt.FIRST_YEAR:04d}" <= min(years) and max(years) <= f"{fmt.LAST_YEAR:04d}"
            return values if ok else _FAIL
        if col.kind == "enum":
            return values if set(present) <= set(col.choices) else _FAIL
        return values if max(map(len, present)) <= col.limit else _FAIL
    if col.kind == "bool":
        if any(not (v is True or v is False or (type(v) is int and v in (0, 1))) for v in present):
            return _FAIL
        return [None if v is None else int(v) for v in values]
    allowed = (int,) if col.kind == "int" else (int, float)
    if any(type(v) not in allowed for v in present):  # bool is not int here: type(), not isinstance()
        return _FAIL
    if not (col.low <= min(present) and max(present) <= col.limit):  # inf is out of range; JSON has no NaN
        return _FAIL
    if col.kind == "real":
        return [None if v is None else float(v) for v in values]
    return values


def table_rows(table: fmt.Table, raws: list) -> list[fmt.Row]:
    if not raws:
        return []
    names = table.name_set
    if any(type(r) is not dict or r.keys() != names for r in raws):
        return fmt.table_rows(table, raws)
    columns = []
    for col in table.columns:
        checked = _column(col, list(map(itemgetter(col.name), raws)))
        if checked is _FAIL:
            return fmt.table_rows(table, raws)
        columns.append(checked)
    rows = list(zip(*columns))
    key_at = [table.names.index(k) for k in table.key]
    if len({tuple(row[k] for k in key_at) for row in rows}) != len(rows):
        return fmt.table_rows(table, raws)
    check = fmt.ROW_CHECKS.get(table.name)
    if check is not None:
        try:
            for row in rows:
                check(dict(zip(table.names, row)))
        except ValueError:
            return fmt.table_rows(table, raws)
    return rows


def validate(doc: Any) -> dict[str, list[fmt.Row]]:
    """As export_format.validate: the same rows, or the same one-line ValueError."""
    fmt.check_header(doc)
    return {table.name: table_rows(table, fmt.table_raws(doc, table)) for table in fmt.TABLES}
