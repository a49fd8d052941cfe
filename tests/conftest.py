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
