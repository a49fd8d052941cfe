"""Fixtures for end-to-end tests on a real (private, virtual) X desktop.

* ``desktop``: a started ``Desktop`` (Xvfb + private D-Bus + trayer + dunst) in the test's
  ``tmp_path``, stopped after the test. When the test fails, a screenshot of the whole
  screen is saved to ``tmp_path/fail.png`` and its path printed (with the desktop's log
  folder), so the failure report says where to look.
* Every test in this folder gets the ``e2e`` marker (``pytest -m "not e2e"`` skips them).
* If a program the desktop needs is missing, tests using ``desktop`` are skipped with the
  list of what is missing, unless CI=true: then they fail, because CI must run them.

Children started with ``desktop.spawn`` get ``desktop.env``, which sets
QT_QPA_PLATFORM=xcb whatever the pytest process itself uses (tests/conftest.py may set
``offscreen`` for pytest-qt).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # so tests can `import desktop`
from desktop import REQUIRED_BINARIES, Desktop, missing_binaries  # noqa: E402

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"
# What the desktop needs, plus notify-send (the harness's own smoke test uses it).
E2E_BINARIES = (*REQUIRED_BINARIES, "notify-send")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end test on a private X desktop (Xvfb, trayer, dunst)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every item of the session: mark only those in this folder.
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Keep each phase's report on the item, so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


def _failed(item: pytest.Item) -> bool:
    return any(getattr(getattr(item, f"_e2e_report_{when}", None), "failed", False)
               for when in ("setup", "call"))


@pytest.fixture
def desktop_programs() -> None:
    """Skip (or, with CI=true, fail) when a program the desktop needs is missing."""
    missing = missing_binaries(E2E_BINARIES)
    if missing:
        reason = ("end-to-end desktop programs missing: " + ", ".join(missing)
                  + " (apt-get install xvfb trayer xdotool x11-utils imagemagick dbus-x11"
                    " dunst libnotify-bin)")
        if _in_ci():
            pytest.fail(reason + " -- CI=true, so this is an error, not a skip",
                        pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def desktop(request: pytest.FixtureRequest, tmp_path: Path,
            desktop_programs: None) -> Iterator[Desktop]:
    """A started private desktop in ``tmp_path/desktop``; stopped after the test."""
    desk = Desktop(tmp_path / "desktop")
    try:
        desk.start()
        yield desk
    finally:
        try:
            if _failed(request.node) and desk.display is not None:
                try:
                    shot = desk.screenshot(tmp_path / "fail.png")
                    print(f"\n[e2e] screenshot of the failed test's screen: {shot}")
                except Exception as exc:  # the X server may be what failed
                    print(f"\n[e2e] could not take a screenshot: {exc!r}")
                print(f"[e2e] desktop logs (xvfb, dbus, trayer, dunst, spawned programs):"
                      f" {desk.workdir}")
        finally:
            desk.stop()


@pytest.fixture
def bare_tray_path() -> Path:
    """benchmarks/bare_tray.py: the floor program, a bare tray icon that traces
    ``tray_visible`` (and ``tray_activated`` on clicks)."""
    return BARE_TRAY
