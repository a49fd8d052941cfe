"""Fixtures for the fault harness (kill -9, damaged database, read-only folder, clock jumps).

* Reuses the end-to-end helpers in tests/e2e (``desktop.Desktop``, ``app_runner.RunningApp``)
  and the e2e conftest's rule for missing desktop programs: skipped on a developer's
  machine, a failure when CI=true.
* ``desktop`` here is **module-scoped**: one private X desktop per test module (starting
  one costs ~0.3 s, but trayer and dunst settle better when reused across many trials).
  On a failure a screenshot of the screen is saved in the desktop's work folder.
* Options: ``--fault-trials=N`` (env FAULT_TRIALS, default 20) and ``--fault-seed=S``
  (env FAULT_SEED, default: a fresh one, always printed) for the randomized kill -9 test.
  Declared in tests/conftest.py, so they work from the repository root too.
* Tests here get the ``faults`` marker; those that need the desktop also get ``e2e``.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FAULTS_DIR = Path(__file__).resolve().parent
E2E_DIR = FAULTS_DIR.parent / "e2e"
sys.path.insert(0, str(FAULTS_DIR))
sys.path.insert(0, str(E2E_DIR))  # `import desktop`, `import app_runner`
from desktop import Desktop, missing_binaries  # noqa: E402


def _load_e2e_conftest():
    """The e2e conftest as a plain module (under its own name: pytest juggles `conftest`)."""
    spec = importlib.util.spec_from_file_location("microsession_e2e_conftest", E2E_DIR / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _load_e2e_conftest()
DEFAULT_TRIALS = 20


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection test (tests/faults)")
    config.addinivalue_line(
        "markers", "e2e: end-to-end test on a private X desktop (Xvfb, trayer, dunst)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if FAULTS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.faults)
            if "desktop" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    desk = getattr(item, "funcargs", {}).get("desktop")
    if report.failed and report.when == "call" and isinstance(desk, Desktop) and desk.display:
        try:
            shot = desk.screenshot(desk.workdir / f"fail-{item.name}.png")
            report.sections.append(("faults", f"screenshot: {shot}\ndesktop logs: {desk.workdir}"))
        except Exception as exc:  # the X server may be what failed
            report.sections.append(("faults", f"no screenshot ({exc!r}); logs: {desk.workdir}"))
    return report


def _require_desktop_programs() -> None:
    """Skip (or, with CI=true, fail) when a program the desktop needs is missing."""
    missing = missing_binaries(_e2e.E2E_BINARIES)
    if missing:
        reason = "fault-harness desktop programs missing: " + ", ".join(missing)
        if _e2e._in_ci():
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """One started private desktop for the whole test module."""
    _require_desktop_programs()
    desk = Desktop(tmp_path_factory.mktemp("desktop"))
    try:
        desk.start()
        yield desk
    finally:
        desk.stop()


@pytest.fixture
def fault_trials(request: pytest.FixtureRequest) -> int:
    # default=None: the option is unknown when tests/faults is not on the command line
    value = request.config.getoption("--fault-trials", default=None) or os.environ.get("FAULT_TRIALS")
    return int(value) if value else DEFAULT_TRIALS


@pytest.fixture
def fault_rng(request: pytest.FixtureRequest) -> random.Random:
    """A seeded random source; the seed is printed (shown with -s or on failure)."""
    value = request.config.getoption("--fault-seed", default=None)
    if value is None and os.environ.get("FAULT_SEED"):
        value = int(os.environ["FAULT_SEED"])
    seed = value if value is not None else random.SystemRandom().randrange(2**32)
    print(f"\n[faults] {request.node.name}: seed {seed} (re-run with --fault-seed={seed})")
    return random.Random(seed)
