"""Export, import and their files: a history written by the app's own store code goes out as
JSON and CSV, comes back into an empty file unchanged, and a second import changes nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from microsession.core import export_fast
from microsession.core import export_format as fmt
from microsession.core.ids import new_id
from microsession.core.events import Ended, Kind, Outcome, SessionInfo, Tags
from microsession.core.logbook import SessionLog
from microsession.core.stacks import TEMPLATES, Stack, Step
from microsession.core.tasks import new_task
from microsession.store import db, export, logs, sessions, stack_runs
from microsession.store import stacks as stacks_store
from microsession.store import tasks as tasks_store

T0 = datetime(2026, 3, 23, 8, 0, tzinfo=timezone.utc)


def _session(conn, at, minutes, *, kind=Kind.MICRO, task_id=None, tags=Tags(), end=True, log=None):
    info = SessionInfo(new_id(), kind, minutes * 60.0, at, task_id, tags=tags)
    sessions.insert(conn, info)
    if end:
        sessions.complete(conn, Ended(info, Outcome.COMPLETED, at + timedelta(minutes=minutes), minutes * 60.0))
    if log is not None:
        logs.add(conn, info.id, log, at + timedelta(minutes=minutes, seconds=20))
    return info.id


def fill(conn: sqlite3.Connection) -> dict[str, str]:
    """A small but complete history: every table, every kind of row the app writes."""
    stacks_store.seed_templates(conn)
    stacks_store.save(conn, Stack("Mine · ünï", (Step("focus", 12.5, "Read"), Step("break", 3))))
    garden = tasks_store.add_type(conn, "Gardening")
    mail = new_task("Reply to Anna", "communication", 10, now=T0)
    dig = new_task('Dig "beds", then rake', garden.slug, 25, "Garden", "Beds", now=T0 + timedelta(minutes=1))
    done = new_task("Old thing", "admin", 5, now=T0 - timedelta(days=30))
    gone = new_task("Deleted thing", "research", 15, now=T0 - timedelta(days=20))
    for t in (mail, dig, done, gone):
        tasks_store.add(conn, t)
    tasks_store.set_done(conn, [done.id], T0 - timedelta(days=29))
    tasks_store.soft_delete(conn, gone.id, T0 - timedelta(days=19))
    old = _session(conn, T0 - timedelta(days=29), 5, task_id=done.id,
                   log=SessionLog("done", "", 3, finished=True))
    s1 = _session(conn, T0, 15, task_id=mail.id, log=SessionLog("para 3 · ünï, \"quoted\"", "line1\nline2", 4))
    tasks_store.record_interruption(conn, s1, T0 + timedelta(minutes=5))
    brk = _session(conn, T0 + timedelta(minutes=16), 5, kind=Kind.BREAK)
    run_id = "ab" * 16
    stack_runs.insert(conn, run_id, TEMPLATES[1], T0 + timedelta(hours=1))
    step = _session(conn, T0 + timedelta(hours=1), 10, tags=Tags(run_id, 0))
    stack_runs.complete(conn, run_id, "stopped", T0 + timedelta(hours=1, minutes=10))
    batch = _session(conn, T0 + timedelta(hours=2), 20, tags=Tags(batch_type=garden.slug, batch_task_ids=(dig.id,)))
    deep = _session(conn, T0 + timedelta(hours=3), 90, kind=Kind.DEEP, end=False)
    return {"old": old, "s1": s1, "break": brk, "step": step, "batch": batch, "open": deep, "run": run_id,
            "mail": mail.id, "dig": dig.id, "done": done.id, "gone": gone.id}


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def source(tmp_path):
    conn = db.connect(tmp_path / "src.sqlite3")
    ids = fill(conn)
    yield conn, ids
    conn.close()


def exported(conn, since=None) -> tuple[str, dict[str, str]]:
    tables = export.read_tables(conn, since)
    return export.document_text(tables, since), export.csv_files(tables, since)


def import_text(conn, text: str) -> export.Merged:
    return export.merge(conn, fmt.validate(fmt.parse(text)))


def test_every_table_is_exported_with_its_documented_columns(source):
    conn, ids = source
    doc = json.loads(exported(conn)[0])
    assert list(doc) == ["format", "version", "since"] + [t.name for t in fmt.TABLES]
    assert (doc["format"], doc["version"], doc["since"]) == ("microsession-export", 1, None)
    counts = {t.name: len(doc[t.name]) for t in fmt.TABLES}
    assert counts == {"task_types": 9, "tasks": 4, "stacks": 5, "stack_runs": 1, "sessions": 6,
                      "session_tasks": 1, "session_logs": 2, "interruptions": 1}
    for table in fmt.TABLES:
        assert all(list(row) == list(table.names) for row in doc[table.name])
    s1 = next(r for r in doc["sessions"] if r["id"] == ids["s1"])
    assert s1["started_utc"] == "2026-03-23T08:00:00.000+00:00" and s1["planned_s"] == 900.0
    assert s1["outcome"] == "completed" and s1["task_id"] == ids["mail"]
    log = next(r for r in doc["session_logs"] if r["session_id"] == ids["s1"])
    assert log["energy"] == 4 and log["finished"] is False and log["next_step"] == "line1\nline2"
    assert [r["started_utc"] for r in doc["sessions"]] == sorted(r["started_utc"] for r in doc["sessions"])
    gone = next(r for r in doc["tasks"] if r["id"] == ids["gone"])
    assert gone["deleted_utc"] is not None


def test_export_import_into_an_empty_file_export_again_is_identical(source, tmp_path):
    conn, _ = source
    text, files = exported(conn)
    target = db.connect(tmp_path / "empty.sqlite3")
    merged = import_text(target, text)
    assert merged.added == {"task_types": 1, "tasks": 4, "stacks": 5, "stack_runs": 1, "sessions": 6,
                            "session_tasks": 1, "session_logs": 2, "interruptions": 1}
    assert merged.same == 8 and not any(merged.differ.values())  # the built-in task types
    again_text, again_files = exported(target)
    assert again_text == text
    assert again_files == files
    assert export.zip_bytes(again_files) == export.zip_bytes(files)
    # the stacks arrived with their templates: the app will not seed them a second time
    assert stacks_store.seed_templates(target) is False
    assert [s.name for s in stacks_store.list_stacks(target)[0]][-1] == "Mine · ünï"
    target.close()


def test_importing_twice_changes_nothing(source, tmp_path):
    conn, _ = source
    text, _ = exported(conn)
    target = db.connect(tmp_path / "t.sqlite3")
    import_text(target, text)
    before = dump(tmp_path / "t.sqlite3")
    merged = import_text(target, text)
    assert merged.total_added == 0 and merged.same == 29 and not any(merged.differ.values())
    assert "Imported 0 new rows; 29 were there already." == merged.summary()
    assert dump(tmp_path / "t.sqlite3") == before
    target.close()


def test_a_row_that_differs_keeps_yours_and_is_counted(source):
    conn, ids = source
    doc = json.loads(exported(conn)[0])
    row = next(r for r in doc["tasks"] if r["id"] == ids["mail"])
    row["title"] = "Reply to Anna (edited elsewhere)"
    new = dict(row, id="cd" * 16, title="Brand new")
    doc["tasks"].append(new)
    merged = import_text(conn, json.dumps(doc))
    assert merged.added["tasks"] == 1 and merged.differ["tasks"] == 1
    assert "1 new row (1 task); 29 were there already, 1 of them different in the file (1 task): yours were kept" in merged.summary()
    assert tasks_store.get(conn, ids["mail"]).title == "Reply to Anna"
    assert tasks_store.get(conn, "cd" * 16).title == "Brand new"


def test_since_keeps_recent_sessions_and_the_rows_they_need(source, tmp_path):
    conn, ids = source
    since = fmt.canonical_utc(T0 - timedelta(days=1))
    text, files = exported(conn, since)
    doc = json.loads(text)
    assert doc["since"] == since
    assert ids["old"] not in {r["id"] for r in doc["sessions"]} and len(doc["sessions"]) == 5
    assert {r["id"] for r in doc["tasks"]} == {ids["mail"], ids["dig"]}  # referenced; old ones left out
    assert [r["id"] for r in doc["stack_runs"]] == [ids["run"]]
    assert len(doc["session_logs"]) == 1 and len(doc["task_types"]) == 9
    assert files["meta.csv"].splitlines()[3] == f"since,{since}"
    target = db.connect(tmp_path / "t.sqlite3")
    assert import_text(target, text).added["sessions"] == 5  # every reference is in the file
    target.close()


def test_a_reference_to_a_row_nowhere_is_refused_and_nothing_is_written(source, tmp_path):
    conn, ids = source
    doc = json.loads(exported(conn)[0])
    doc["session_logs"][-1]["session_id"] = "ef" * 16
    target_path = tmp_path / "t.sqlite3"
    target = db.connect(target_path)
    before = dump(target_path)
    with pytest.raises(export.ImportRefused, match=r"session_logs\[1\]: it refers to a row that is neither"):
        import_text(target, json.dumps(doc))
    assert dump(target_path) == before
    target.close()


def _good_doc(conn) -> dict:
    return json.loads(exported(conn)[0])


HOSTILE = [
    (lambda d: d.update(format="something-else"), "not a Micro-Session export"),
    (lambda d: d.update(version=2), "newer Micro-Session"),
    (lambda d: d.update(version="1"), "version is not a number"),
    (lambda d: d.update(sessions={}), "sessions is not a list"),
    (lambda d: d["sessions"].append(7), "sessions[6]: is not an object"),
    (lambda d: d["sessions"][0].update(id="not-hex"), "sessions[0]: id is not an id"),
    (lambda d: d["sessions"][0].update(id="A" * 32), "sessions[0]: id is not an id"),
    (lambda d: d["sessions"][0].update(planned_s="600"), "planned_s must be a number"),
    (lambda d: d["sessions"][0].update(planned_s=-5), "planned_s must be from"),
    (lambda d: d["sessions"][0].update(planned_s=1e300), "planned_s must be from"),
    (lambda d: d["sessions"][0].update(kind="nap"), "kind must be one of"),
    (lambda d: d["sessions"][0].update(started_utc="yesterday"), "started_utc is not an ISO-8601 time"),
    (lambda d: d["sessions"][0].update(started_utc="2026-03-23T08:00:00"), "started_utc has no UTC offset"),
    (lambda d: d["sessions"][0].update(started_utc="0001-01-01T00:00:00+00:00"), "outside the years"),
    (lambda d: d["sessions"][0].update(ended_utc="2020-01-01T00:00:00.000+00:00"), "ended_utc is before started_utc"),
    (lambda d: d["sessions"][0].update(outcome=None), "ended_utc and outcome are both set or both empty"),
    (lambda d: d["sessions"][0].update(extra=1), "has unknown column 'extra'"),
    (lambda d: d["sessions"][0].pop("kind"), "has no column 'kind'"),
    (lambda d: d["sessions"][1].update(id=d["sessions"][0]["id"]), "is in the file twice"),
    (lambda d: d["session_logs"][0].update(energy=9), "energy must be from 1 to 5"),
    (lambda d: d["session_logs"][0].update(energy=True), "energy must be a number"),
    (lambda d: d["session_logs"][0].update(finished="yes"), "finished must be true or false"),
    (lambda d: d["session_logs"][0].update(stopped_at="x" * 5000), "a log text is limited to 2000"),
    (lambda d: d["session_logs"][0].update(stopped_at="x" * 10_000_000), "longer than 10000 characters"),
    (lambda d: d["session_logs"][0].update(next_step="\ud800"), "not valid text"),
    (lambda d: d["tasks"][0].update(title=""), "the task title is empty"),
    (lambda d: d["tasks"][0].update(title="a\tb"), "control characters"),
    (lambda d: d["tasks"][0].update(minutes=500), "minutes must be from 5 to 120"),
    (lambda d: d["tasks"][2].update(done=True), "a done task has a finished time"),
    (lambda d: d["tasks"][0].update(project=" x "), "surrounding spaces"),
    (lambda d: d["task_types"].append({"slug": "Bad Slug", "label": "x", "builtin": False, "position": 1}),
     "is not a task type slug"),
    (lambda d: d["task_types"].append({"slug": "mine", "label": "mine", "builtin": True, "position": 1}),
     "not a built-in type"),
    (lambda d: d["stacks"][0].update(json="{not json"), "json: it is not complete JSON"),
    (lambda d: d["stacks"][0].update(json=json.dumps({"name": "x", "steps": [{"kind": "break", "minutes": 5}]})),
     "a stack needs at least one focus step"),
    (lambda d: d["stacks"][0].update(json="[" * 10_001 + "]" * 10_001), "longer than 20000"),
    (lambda d: d["stacks"][0].update(json="[" * 5000 + "]" * 5000), "json: it is nested too deeply"),
    (lambda d: d["stacks"][0].update(json="[" * 50 + "]" * 50), "stack: expected an object"),
    (lambda d: d["stack_runs"][0].update(outcome="exploded"), "outcome must be one of"),
]


@pytest.mark.parametrize("mutate, message", HOSTILE, ids=[m for _, m in HOSTILE])
def test_a_hostile_or_damaged_document_is_one_line_of_error(source, mutate, message):
    conn, _ = source
    doc = _good_doc(conn)
    mutate(doc)
    with pytest.raises(ValueError) as err:
        fmt.validate(doc)
    line = str(err.value)
    assert message in line and "\n" not in line and len(line) < 400, line
    with pytest.raises(ValueError) as fast:  # the column-wise check (import's) says the same
        export_fast.validate(doc)
    assert str(fast.value) == line


@pytest.mark.parametrize("text, message", [
    ('{"format": "microsession-export", "version": 1, "sessions": [', "not complete JSON"),
    ("", "not complete JSON"),
    ('{"format": "microsession-export", "version": 1, "sessions": [{"planned_s": NaN}]}', "NaN is not a number"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('[{"format": "microsession-export"}]', "not a Micro-Session export"),
    ("{\"a\":" * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
])
def test_text_that_is_not_an_export(text, message):
    with pytest.raises(ValueError, match=message):
        fmt.validate(fmt.parse(text))


def test_export_files_appear_whole(tmp_path, source):
    conn, _ = source
    text, files = exported(conn)
    out = tmp_path / "e.json"
    out.write_text('{\n "format": "microsession-export", "version": 0}')  # an older export: replaced
    export.write_file(out, text.encode())
    assert out.read_text() == text and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    folder = tmp_path / "csv"
    export.write_folder(folder, files)
    export.write_folder(folder, files)  # an earlier export folder is replaced
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    assert (folder / "sessions.csv").read_bytes().decode("utf-8") == files["sessions.csv"]
    assert files["sessions.csv"].startswith(",".join(fmt.BY_NAME["sessions"].names) + "\r\n")
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        export.write_folder(other, files)
    assert [p.name for p in other.iterdir()] == ["cat.jpg"]
    with pytest.raises(IsADirectoryError):
        export.write_file(other, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "e.json", "photos", "src.sqlite3",
                                                          "src.sqlite3-shm", "src.sqlite3-wal"]


def test_csv_cells(source):
    conn, ids = source
    files = exported(conn)[1]
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(files["session_logs.csv"], newline="")))
    log = next(r for r in rows if r["session_id"] == ids["s1"])
    assert log["stopped_at"] == 'para 3 · ünï, "quoted"' and log["next_step"] == "line1\nline2"
    assert (log["energy"], log["finished"], log["interrupted"]) == ("4", "0", "0")
    srows = list(csv.DictReader(io.StringIO(files["sessions.csv"], newline="")))
    open_row = next(r for r in srows if r["id"] == ids["open"])
    assert open_row["ended_utc"] == "" and open_row["planned_s"] == "5400.0" and open_row["kind"] == "deep"
