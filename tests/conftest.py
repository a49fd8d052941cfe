import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_FAULT_TRIALS = 20


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("faults", "fault harness (tests/faults)")
    group.addoption("--fault-trials", type=int, default=None,
                    help=f"kill -9 trials per test (env FAULT_TRIALS, default {DEFAULT_FAULT_TRIALS})")
    group.addoption("--fault-seed", type=int, default=None,
                    help="seed of the random kill moments (env FAULT_SEED, default: a new one)")

# the servers the calendar tests talk to (HTTP, Radicale) and an in-memory keyring backend
from calendar_servers import memory_keyring, radicale, server  # noqa: E402, F401


@pytest.fixture(scope="session")
def history_export():
    """history_export(folder, years, per_day, more=None) -> an export's JSON text of a history
    made by benchmarks/history.py (and then by `more(conn)`, if given)."""
    import importlib.util
    from pathlib import Path

    from microsession.store import db, export

    spec = importlib.util.spec_from_file_location("history", Path(__file__).resolve().parents[1] / "benchmarks" / "history.py")
    history = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(history)

    def make(folder: Path, years: float, per_day: int, more=None) -> str:
        path = folder / "history.sqlite3"
        history.generate(path, years=years, per_day=per_day)
        conn = db.connect(path)
        try:
            if more is not None:
                more(conn)
            return export.document_text(export.read_tables(conn))
        finally:
            conn.close()
    return make
