"""APScheduler's triggers, imported without what only its schedulers use (~+14 MB of RSS).

APScheduler 3's package imports `importlib.metadata` (for its version string: email, zipfile,
csv come with it) and `apscheduler.util` imports `asyncio` for one function,
`iscoroutinefunction` (asyncio brings ssl, libssl and libcrypto). The triggers need neither.
While the trigger modules are imported, two stand-ins answer those two imports; then the
stand-ins are removed, so any later `import asyncio` or `import importlib.metadata` gets the
real module. Measured (benchmarks/trigger_cost.py): one enabled rule cost +15.3 MiB RSS with
the QtScheduler; with these triggers and our own timer (schedule/timer.py) see the README.

Import the triggers from here, never from apscheduler directly (tests/ui/test_startup_imports.py
and tests/schedule/test_timer.py check that asyncio, ssl and importlib.metadata stay unloaded).
"""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path


def _release() -> str:
    """APScheduler's version as its own __init__ computes it, from the dist-info folder name."""
    import importlib.util

    spec = importlib.util.find_spec("apscheduler")
    site = Path(spec.origin).parent.parent if spec and spec.origin else None
    for folder in (site.glob("[Aa][Pp][Ss]cheduler-*.dist-info") if site else ()):
        found = re.match(r"(?i)apscheduler-([^-]+)\.dist-info$", folder.name)
        if found:
            return found.group(1)
    raise LookupError("APScheduler")


def _stand_ins() -> dict[str, types.ModuleType]:
    asyncio = types.ModuleType("asyncio")
    asyncio.iscoroutinefunction = inspect.iscoroutinefunction  # what 3.14's apscheduler uses too
    metadata = types.ModuleType("importlib.metadata")

    class PackageNotFoundError(LookupError):
        pass

    def version(name: str) -> str:
        try:
            return _release()
        except LookupError:
            raise PackageNotFoundError(name) from None

    metadata.PackageNotFoundError, metadata.version = PackageNotFoundError, version
    return {"asyncio": asyncio, "importlib.metadata": metadata}


def _load() -> None:
    if "apscheduler.triggers.cron" in sys.modules:
        return
    import importlib

    fakes = {name: mod for name, mod in _stand_ins().items() if name not in sys.modules}
    had_attr = hasattr(importlib, "metadata")
    sys.modules.update(fakes)
    try:
        import apscheduler.triggers.combining  # noqa: F401
        import apscheduler.triggers.cron  # noqa: F401
        import apscheduler.triggers.interval  # noqa: F401
    finally:
        for name, mod in fakes.items():
            if sys.modules.get(name) is mod:
                del sys.modules[name]
        if not had_attr and getattr(importlib, "metadata", None) is fakes.get("importlib.metadata"):
            del importlib.metadata


_load()

from apscheduler.triggers.base import BaseTrigger  # noqa: E402
from apscheduler.triggers.combining import OrTrigger  # noqa: E402
from apscheduler.triggers.cron import CronTrigger  # noqa: E402
from apscheduler.triggers.interval import IntervalTrigger  # noqa: E402

__all__ = ["BaseTrigger", "CronTrigger", "IntervalTrigger", "OrTrigger"]
