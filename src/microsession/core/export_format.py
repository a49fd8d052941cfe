"""The export format (version 1): tables, their stable columns, and the check of an imported
document. Pure: no I/O. Documented for users in docs/export-format.md.

Rows travel in the database's own representation (flags as 0/1, times as canonical UTC
ISO-8601 text); `json_row` and `csv_cell` turn them into what a file holds (the files are
made by store.export), `validate` turns a parsed JSON document back into rows, or raises ValueError with one line naming
the table, the row and the column.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timezone
from typing import Any

from microsession.core import tasks as core_tasks
from microsession.core.logbook import SessionLog
from microsession.core.stacks import from_json as stack_from_json

FORMAT = "microsession-export"
VERSION = 1
MAX_JSON_TEXT = 20_000  # a stack's steps as JSON text
MAX_SECONDS = 10_000_000.0  # planned, focused and paused seconds (about 115 days)
MAX_OFFSET = 86_399  # a UTC offset in seconds (Python's own limit)
MAX_POSITION = 1_000_000_000
FIRST_YEAR, LAST_YEAR = 1971, 9000
OUTCOMES = ("completed", "stopped", "recovered")
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | text | int | real | bool | utc | enum
    null: bool = False
    limit: float = 0  # text: max length; int and real: max value
    low: float = 0  # int and real: min value
    choices: tuple[str, ...] = ()


def _id(name: str, null: bool = False) -> Column:
    return Column(name, "id", null)


def _utc(name: str, null: bool = False) -> Column:
    return Column(name, "utc", null)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the merge key (the primary key)
    order: str  # ORDER BY of the export: deterministic

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.names)

    @cached_property
    def checks(self) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        """(column name, its cells' check), in column order (see _checker)."""
        return tuple((c.name, _checker(c)) for c in self.columns)


# In the order of the document and of the import (a row comes after the rows it refers to).
TABLES: tuple[Table, ...] = (
    Table("task_types", (Column("slug", "text", limit=core_tasks.MAX_TYPE_LABEL),
                         Column("label", "text", limit=core_tasks.MAX_TYPE_LABEL),
                         Column("builtin", "bool"), Column("position", "int", limit=MAX_POSITION, low=-MAX_POSITION)),
          ("slug",), "position, slug"),
    Table("tasks", (_id("id"), Column("title", "text", limit=core_tasks.MAX_TITLE),
                    Column("task_type", "text", limit=core_tasks.MAX_TYPE_LABEL),
                    Column("minutes", "int", limit=core_tasks.MAX_MINUTES, low=core_tasks.MIN_MINUTES),
                    Column("project", "text", True, core_tasks.MAX_NAME),
                    Column("aspect", "text", True, core_tasks.MAX_NAME), Column("done", "bool"),
                    _utc("created_utc"), _utc("finished_utc", True), _utc("deleted_utc", True)),
          ("id",), "created_utc, id"),
    Table("stacks", (Column("name", "text", limit=200), Column("json", "text", limit=MAX_JSON_TEXT),
                     Column("position", "int", limit=MAX_POSITION, low=-MAX_POSITION), Column("builtin", "bool")),
          ("name",), "position, name"),
    Table("stack_runs", (_id("id"), Column("stack_name", "text", limit=200),
                         Column("stack_json", "text", limit=MAX_JSON_TEXT), _utc("started_utc"),
                         _utc("ended_utc", True), Column("outcome", "enum", True, choices=OUTCOMES)),
          ("id",), "started_utc, id"),
    Table("sessions", (_id("id"), Column("kind", "enum", choices=("micro", "deep", "break")),
                       Column("planned_s", "real", limit=MAX_SECONDS, low=0.001), _utc("started_utc"),
                       Column("started_offset", "int", limit=MAX_OFFSET, low=-MAX_OFFSET),
                       _utc("ended_utc", True), Column("ended_offset", "int", True, MAX_OFFSET, -MAX_OFFSET),
                       Column("focused_s", "real", True, MAX_SECONDS), Column("paused_s", "real", limit=MAX_SECONDS),
                       _utc("paused_at_utc", True), Column("outcome", "enum", True, choices=OUTCOMES),
                       _id("task_id", True), _id("stack_run_id", True),
                       Column("stack_position", "int", True, MAX_POSITION),
                       Column("batch_type", "text", True, core_tasks.MAX_TYPE_LABEL)),
          ("id",), "started_utc, id"),
    Table("session_tasks", (_id("session_id"), _id("task_id")), ("session_id", "task_id"), "session_id, task_id"),
    Table("session_logs", (_id("id"), _id("session_id"), _utc("written_utc"),
                           Column("stopped_at", "text", limit=10_000), Column("next_step", "text", limit=10_000),
                           Column("energy", "int", True, 5, 1), Column("finished", "bool"), Column("interrupted", "bool")),
          ("id",), "written_utc, id"),
    Table("interruptions", (_id("id"), _id("session_id"), _utc("at_utc")), ("id",), "at_utc, id"),
)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
_HEX_ID = re.compile(r"[0-9a-f]{32}")


def canonical_utc(moment: datetime) -> str:
    """The stored form of a moment: UTC, milliseconds, '+00:00' (as store.sessions.iso)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# --- from rows to files ------------------------------------------------------------------------

def json_row(table: Table, row: Sequence[Any]) -> dict[str, Any]:
    """A row as the JSON document holds it: an object, flags as true/false."""
    return {c.name: (bool(v) if c.kind == "bool" and v is not None else v) for c, v in zip(table.columns, row)}


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: NULL is empty, flags 0/1, numbers as Python writes them."""
    if value is None:
        return ""
    return value if isinstance(value, str) else repr(value)


def header(since: str | None, exported_utc: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {"format": FORMAT, "version": VERSION, "since": since}
    if exported_utc is not None:
        head["exported_utc"] = exported_utc
    return head


# --- from a document to rows ---------------------------------------------------------------------

def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse(text: str) -> Any:
    """json.loads without NaN/Infinity; ValueError (one line) when it is not JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not complete JSON (truncated?): {exc.msg} (line {exc.lineno})") from None


def _parse_utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not an ISO-8601 time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("has no UTC offset")
    if not FIRST_YEAR <= moment.astimezone(timezone.utc).year <= LAST_YEAR:
        raise ValueError(f"is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return moment


_CANONICAL_UTC = re.compile(r"(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def _utc_text(value: str) -> str:
    if len(value) > 40:
        raise ValueError("is not an ISO-8601 time")
    canonical = _CANONICAL_UTC.fullmatch(value)
    if canonical is None:
        return canonical_utc(_parse_utc(value))
    try:  # already in the stored form (what our exports hold): only checked, not rewritten
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not an ISO-8601 time") from None
    if not FIRST_YEAR <= int(canonical.group(1)) <= LAST_YEAR:
        raise ValueError(f"is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return value


def _text_check(col: Column) -> Callable[[str], Any]:
    if col.kind == "id":
        def check(value: str) -> str:
            if not _HEX_ID.fullmatch(value):
                raise ValueError("is not an id (32 lowercase hex digits)")
            return value
    elif col.kind == "utc":
        check = _utc_text
    elif col.kind == "enum":
        def check(value: str) -> str:
            if value not in col.choices:
                raise ValueError("must be one of " + ", ".join(col.choices))
            return value
    else:
        def check(value: str) -> str:
            if len(value) > col.limit:
                raise ValueError(f"is longer than {col.limit:g} characters")
            return value
    return check


def _number_check(col: Column) -> Callable[[Any], Any]:
    if col.kind == "bool":
        def check(value: Any) -> Any:
            if value is True or value is False or (type(value) is int and value in (0, 1)):
                return int(value)
            raise ValueError("must be true or false")
        return check

    def number(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("must be a number")
        if col.kind == "int" and not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not (math.isfinite(value) and col.low <= value <= col.limit):
            raise ValueError(f"must be from {col.low:g} to {col.limit:g}")
        return float(value) if col.kind == "real" else value
    return number


_CHECKERS: dict[Column, Callable[[Any], Any]] = {}


def _checker(col: Column) -> Callable[[Any], Any]:
    """The check of one column's cells (made once per column: an import checks ~3 million)."""
    found = _CHECKERS.get(col)
    if found is not None:
        return found
    textual = col.kind in ("id", "text", "utc", "enum")
    inner = _text_check(col) if textual else _number_check(col)

    def check(value: Any) -> Any:
        if value is None:
            if col.null:
                return None
            raise ValueError("is missing (null)")
        if textual:
            if not isinstance(value, str):
                raise ValueError("must be text")
            if not value.isascii() and any("\ud800" <= ch <= "\udfff" for ch in value):  # lone surrogates: SQLite cannot store them
                raise ValueError("holds characters that are not valid text")
        return inner(value)

    _CHECKERS[col] = check
    return check


def _value(col: Column, value: Any) -> Any:
    """One cell checked and in the stored form, or ValueError (without the cell's name)."""
    return _checker(col)(value)


def _ended_with_outcome(r: Mapping[str, Any]) -> None:
    if (r["ended_utc"] is None) != (r["outcome"] is None):
        raise ValueError("ended_utc and outcome are both set or both empty")


def _steps_json(text: str, name: str | None = None) -> None:
    try:
        stack = stack_from_json(parse(text))
        if name is not None:
            stack.renamed(name)
    except ValueError as exc:
        raise ValueError(f"json: {exc}") from None


def _check_task_type(r: Mapping[str, Any]) -> None:
    core_tasks.validate_type_label(r["label"])
    if core_tasks.validate_type(r["slug"]) != r["slug"]:
        raise ValueError(f"slug {r['slug']!r} is not a task type slug")
    if r["builtin"] and r["slug"] not in core_tasks.BUILTIN_LABELS:
        raise ValueError(f"{r['slug']!r} is not a built-in type")


def _check_task(r: Mapping[str, Any]) -> None:
    core_tasks.Task(r["id"], r["title"], r["task_type"], r["minutes"], r["project"], r["aspect"],
                    bool(r["done"]), _parse_utc(r["created_utc"]),
                    _parse_utc(r["finished_utc"]) if r["finished_utc"] else None)
    for what in ("project", "aspect"):
        if r[what] is not None and core_tasks.validate_name(r[what], f"the {what}") != r[what]:
            raise ValueError(f"the {what} is empty or has surrounding spaces")


def _check_stack_run(r: Mapping[str, Any]) -> None:
    if not r["stack_name"].strip():
        raise ValueError("stack_name is empty")
    _steps_json(r["stack_json"])
    _ended_with_outcome(r)  # its end may come before its start: the wall clock can go back


def _check_session(r: Mapping[str, Any]) -> None:
    _ended_with_outcome(r)
    if r["ended_utc"] is not None and r["ended_utc"] < r["started_utc"]:  # the engine never writes that
        raise ValueError("ended_utc is before started_utc")
    if (r["ended_utc"] is None) != (r["focused_s"] is None):
        raise ValueError("ended_utc and focused_s are both set or both empty")
    if r["batch_type"] is not None and core_tasks.validate_type(r["batch_type"]) != r["batch_type"]:
        raise ValueError("batch_type is not a task type slug")


def _check_log(r: Mapping[str, Any]) -> None:
    SessionLog(r["stopped_at"], r["next_step"], r["energy"], bool(r["finished"]), bool(r["interrupted"]))


ROW_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "task_types": _check_task_type,
    "tasks": _check_task,
    "stacks": lambda r: _steps_json(r["json"], r["name"]),
    "stack_runs": _check_stack_run,
    "sessions": _check_session,
    "session_logs": _check_log,
}


def check_row(table: Table, raw: Any) -> Row:
    """One row object checked, in column order and stored form; ValueError (no location)."""
    if not isinstance(raw, dict):
        raise ValueError("is not an object")
    names = table.names
    if raw.keys() != table.name_set:
        unknown = set(raw) - set(names)
        if unknown:
            raise ValueError(f"has unknown column {sorted(map(str, unknown))[0][:40]!r}")
        missing = next(n for n in names if n not in raw)
        raise ValueError(f"has no column {missing!r}")
    values: dict[str, Any] = {}
    for name, check_cell in table.checks:
        try:
            values[name] = check_cell(raw[name])
        except ValueError as exc:
            raise ValueError(f"{name} {exc}") from None
    check = ROW_CHECKS.get(table.name)
    if check is not None:
        check(values)
    return tuple(values.values())


HEADER_KEYS = ("format", "version", "since", "exported_utc")


def unknown_keys(doc: Any) -> list[str]:
    """Top-level names of a document that are neither the header nor a table of this
    version (an import leaves them out, and says so)."""
    known = set(HEADER_KEYS) | {t.name for t in TABLES}
    return [str(k) for k in doc if k not in known] if isinstance(doc, dict) else []


def check_header(doc: Any) -> None:
    """ValueError unless `doc` is an export document of a format version this reads."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("it is not a Micro-Session export (no \"format\": \"microsession-export\")")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("its version is not a number")
    if version > VERSION:
        raise ValueError(f"it is from a newer Micro-Session (format version {version}; this one reads {VERSION})")
    if version < 1:
        raise ValueError(f"its version {version} is not one of ours")


def table_raws(doc: dict, table: Table) -> list:
    raws = doc.get(table.name, [])
    if not isinstance(raws, list):
        raise ValueError(f"{table.name} is not a list")
    return raws


def table_rows(table: Table, raws: list) -> list[Row]:
    """One table's rows checked row by row; ValueError naming the row and the column."""
    rows, seen = [], set()
    key_at = [table.names.index(k) for k in table.key]
    for i, raw in enumerate(raws):
        try:
            row = check_row(table, raw)
        except ValueError as exc:
            raise ValueError(f"{table.name}[{i}]: " + " ".join(str(exc).split())[:300]) from None
        key = tuple(row[k] for k in key_at)
        if key in seen:
            raise ValueError(f"{table.name}[{i}]: {'/'.join(map(str, key))[:80]} is in the file twice")
        seen.add(key)
        rows.append(row)
    return rows


def validate(doc: Any) -> dict[str, list[Row]]:
    """The rows of a parsed export document, per table; ValueError with one line if anything
    in it is not what an export of ours holds (nothing is half accepted). Row by row: the
    reference that core/export_fast.py's column-wise check must agree with."""
    check_header(doc)
    return {table.name: table_rows(table, table_raws(doc, table)) for table in TABLES}


SESSION_UID_DOMAIN = "sessions.microsession.invalid"  # the UID domain of sessions exported as .ics
