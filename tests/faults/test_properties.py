"""Property-based tests (hypothesis): no command-line argument and no settings value,
however odd, ever ends in a traceback. No desktop needed.

* The command line: random argv lists of plausible and garbage tokens (options, numbers far
  beyond 64 bits, unicode, data folders healthy, damaged, missing, a file...) through
  ``microsession.cli.main(argv)`` in-process: it returns 0 or 2 (``--help``/``--version``
  exit through SystemExit(0)), says what went wrong in exactly one line of stderr, prints
  nothing on stderr otherwise, and ``log --json`` prints valid JSON. An argv without a
  subcommand would launch the app: ``microsession.app`` is replaced by a stub that records
  the call (so every argv can be drawn, none filtered out).
* Settings: ``Settings.from_values`` with JSON-like values of any type for every key (and
  unknown keys) never raises and yields settings whose every field passes its own spec
  (right type, in range, finite); the same for arbitrary text, JSON or not, stored in the
  settings table and loaded the way the app loads it (store.settings.load + from_values).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import sys
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from microsession import cli
from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.core.settings import SPECS, Settings
from microsession.store import db, sessions
from microsession.store import settings as settings_store

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- the command line --------------------------------------------------------------------------
DATA_DIRS = ("healthy", "random_bytes", "future_schema", "corrupt_page", "db_is_a_folder",
             "empty", "missing", "a_file")
NUMBERS = ["0", "-1", "1", "3", "10", "1e3", "nan", "inf", "-inf", "١٢", " 7 ", "5_0", "0x10",
           str(2**63), str(2**64), str(10**100), "9" * 5000, "-" + "9" * 30]
TOKENS = st.one_of(
    st.sampled_from(["log", "log", "--last", "--last", "--json", "--data-dir", "--version", "--help",
                     "-h", "--", "-", "--last=3", f"--last={10**30}", "--json=1", "--data", "--l",
                     "--las", "LOG", "log2", "status", "--data-dir=healthy"]),
    st.sampled_from(DATA_DIRS),
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(max_size=20),
)
ARGV = st.one_of(st.lists(TOKENS, max_size=7),
                 st.lists(TOKENS, max_size=6).map(lambda rest: ["log", *rest]),
                 st.lists(TOKENS, max_size=5).map(lambda rest: ["--data-dir", *rest[:1], "log", *rest[1:]]))


def _history(path: Path, rows: int = 5) -> None:
    conn = db.connect(path)
    now = datetime.now(timezone.utc)
    for i in range(rows):
        info = SessionInfo(f"{i:032x}", Kind.MICRO, 900.0, now - timedelta(hours=i + 1), None)
        sessions.insert(conn, info)
        sessions.complete(conn, Ended(info, Outcome.COMPLETED, info.started_utc + timedelta(minutes=15), 900.0))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.fixture(scope="module")
def data_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of data folders, one per case in DATA_DIRS (relative names resolve here)."""
    base = tmp_path_factory.mktemp("cli-data")
    for name in DATA_DIRS:
        if name in ("missing", "a_file"):
            continue
        (base / name).mkdir()
    (base / "a_file").write_text("not a folder")
    for name in ("healthy", "random_bytes", "future_schema", "corrupt_page"):
        _history(base / name / "microsession.sqlite3", rows=200 if name == "corrupt_page" else 5)
    (base / "random_bytes" / "microsession.sqlite3").write_bytes(random.Random(1).randbytes(8192))
    conn = sqlite3.connect(base / "future_schema" / "microsession.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with open(base / "corrupt_page" / "microsession.sqlite3", "r+b") as f:
        f.seek(4096)  # page 2, the sessions table: the header still reads
        f.write(random.Random(2).randbytes(4096))
    (base / "db_is_a_folder" / "microsession.sqlite3").mkdir()
    return base


@pytest.fixture
def cli_env(data_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """Relative --data-dir values land in data_dirs, ~ in it too, the default data folder
    is the healthy one, and launching the app only records the call."""
    monkeypatch.chdir(data_dirs)
    monkeypatch.setenv("HOME", str(data_dirs))
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(data_dirs / "healthy"))
    launched: list = []
    stub = types.ModuleType("microsession.app")
    stub.run = lambda data_dir=None: launched.append(data_dir) or 0
    monkeypatch.setitem(sys.modules, "microsession.app", stub)
    return launched


def run_cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's --help and --version
        code = exc.code
        assert code in (0, None), f"SystemExit({code!r}) escaped for {argv!r}"
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


@PROPERTY_SETTINGS
@given(argv=ARGV)
@example(argv=["log", "--last", str(10**30)])
@example(argv=["log", "--last", str(2**63), "--json"])
@example(argv=["--data-dir", "corrupt_page", "log", "--json"])
@example(argv=["--data-dir", "random_bytes", "log"])
@example(argv=["--data-dir", "future_schema", "log"])
@example(argv=["--data-dir", "db_is_a_folder", "log"])
@example(argv=["--data-dir", "a_file", "log"])
@example(argv=["--data-dir", "", "log"])  # issue 15 item 7: these printed "No sessions yet.", rc 0
@example(argv=["--data-dir", "/proc/1", "log"])
@example(argv=["--data-dir", "a_file/inner", "log"])
@example(argv=["log", "--last", "١٢", "--json"])
@example(argv=["--version"])
@example(argv=["log", "--help"])
def test_cli_never_a_traceback(argv: list[str], cli_env: list, capsys: pytest.CaptureFixture) -> None:
    launched_before = len(cli_env)
    code, out, err = run_cli(argv, capsys)
    assert code in (0, 2), f"exit code {code!r} for {argv!r}"
    if code == 2:
        assert len(err.strip().splitlines()) == 1, f"{argv!r}: stderr is not one line: {err!r}"
        assert err.startswith("microsession: ")
    else:
        assert err == "", f"{argv!r}: stderr on success: {err!r}"
    if code == 0 and len(cli_env) == launched_before and "--json" in argv and out.lstrip().startswith("["):
        assert isinstance(json.loads(out), list)


# --- settings ------------------------------------------------------------------------------------
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from([0, 1, -1, 15, 240, 241, 0.5, 1.0, 1e308, -1e308, 10**20, float("nan"), float("inf")]),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)
KEYS = st.one_of(st.sampled_from(sorted(SPECS)), st.text(max_size=12))


def assert_valid(result: Settings) -> None:
    for name, spec in SPECS.items():
        value = getattr(result, name)
        assert type(value) is type(spec.default), f"{name} = {value!r}: not a {type(spec.default).__name__}"
        if isinstance(value, float):
            assert math.isfinite(value), f"{name} = {value!r}"
        if spec.lo is not None and not isinstance(value, bool):
            assert spec.lo <= value <= spec.hi, f"{name} = {value!r} out of [{spec.lo}, {spec.hi}]"


@PROPERTY_SETTINGS
@given(values=st.dictionaries(KEYS, JSON_VALUES, max_size=10))
@example(values={"default_minutes": float("inf")})
@example(values={"chime_volume": float("nan")})
@example(values={"chime_volume": 10**400})
@example(values={"ring_x": -float("inf")})
def test_settings_from_any_values_never_raise_and_are_valid(values: dict) -> None:
    result, problems = Settings.from_values(values)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
    assert_valid(result)


STORED_TEXT = st.one_of(
    st.text(max_size=40),
    JSON_VALUES.map(lambda v: json.dumps(v)),  # json.dumps writes NaN and Infinity: they come back
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "[]", "{}", "null", '"15"',
                     "true", "15", "15.0", "0.6", "1" * 5000, ""]),
    st.binary(max_size=20),  # a BLOB (someone edited the file by hand)
)


@pytest.fixture(scope="module")
def settings_db(tmp_path_factory: pytest.TempPathFactory):
    conn = db.connect(tmp_path_factory.mktemp("settings") / "microsession.sqlite3")
    yield conn
    conn.close()


@PROPERTY_SETTINGS
@given(rows=st.dictionaries(KEYS, STORED_TEXT, max_size=8))
@example(rows={"default_minutes": "Infinity"})
@example(rows={"chime_volume": "NaN"})
@example(rows={"break_minutes": "1e999"})
def test_stored_settings_of_any_text_load_like_the_app(rows: dict, settings_db) -> None:
    conn = settings_db
    conn.execute("DELETE FROM settings")
    for key, text in rows.items():
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, text))
    values = settings_store.load(conn)  # as app.run does
    result, problems = Settings.from_values(values)
    assert_valid(result)


@pytest.mark.parametrize("text", ["[" * 1000, '{"a":' * 1000, "[" * 100_000],
                         ids=["list-1000-deep", "object-1000-deep", "list-100000-deep"])
def test_deeply_nested_stored_setting_loads_like_the_app(text: str, settings_db) -> None:
    """json.loads raises RecursionError (not ValueError) on deep nesting."""
    settings_db.execute("DELETE FROM settings")
    settings_db.execute("INSERT INTO settings (key, value) VALUES ('default_minutes', ?)", (text,))
    result, problems = Settings.from_values(settings_store.load(settings_db))
    assert_valid(result)
    assert problems, "a value that is not JSON is reported"


# --- the control socket's requests and the status template (issue 14 item 6, issue 15 item 5) ---
from microsession.control import protocol  # noqa: E402

REQUEST_VALUES = st.one_of(JSON_VALUES, st.integers(min_value=-(10**4100), max_value=10**4100))


@PROPERTY_SETTINGS
@given(cmd=st.one_of(st.sampled_from(protocol.COMMANDS), st.text(max_size=8)),
       extra=st.dictionaries(st.sampled_from(["minutes", "task", "type", "stack", "x"]), REQUEST_VALUES, max_size=3))
@example(cmd="start", extra={"minutes": 10**4049})
@example(cmd="start", extra={"minutes": -(10**4049)})
@example(cmd="start", extra={"minutes": float("nan")})
def test_any_request_is_accepted_or_refused_with_a_reason(cmd, extra) -> None:
    message = {"cmd": cmd, **extra}
    try:
        checked = protocol.check_request(dict(message))
    except protocol.ProtocolError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    if "minutes" in checked:
        assert protocol.MIN_MINUTES <= checked["minutes"] <= protocol.MAX_MINUTES


@PROPERTY_SETTINGS
@given(template=st.one_of(
    st.text(max_size=40),
    st.builds(lambda name, spec: "{" + name + ":" + spec + "}",
              st.sampled_from(["remaining", "percentage", "remaining_s", "state", "nope"]),
              st.from_regex(r"[<>^=]?[+ -]?#?0?[0-9]{0,13}[,_]?(\.[0-9]{0,13})?[bcdeEfFgGnosxX%]?", fullmatch=True))))
@example(template="{remaining:>999999999999}")
@example(template="{percentage:.99999999f}")
@example(template="{remaining:>{percentage}}")
def test_any_status_template_is_bounded_or_refused(template: str) -> None:
    try:
        text = protocol.format_status(protocol.not_running(), template)
    except protocol.ProtocolError as exc:
        assert str(exc).startswith("--format: ") and "\n" not in str(exc)
        return
    assert len(text) <= len(template) * (protocol.MAX_FORMAT_WIDTH + 100)
