"""Test and benchmark trace: JSON lines appended to the file named by MICROSESSION_TRACE.

Off (a no-op) unless the variable is set. Each line: {"t": <wall epoch seconds>,
"mono": <time.monotonic()>, "event": <name>, ...fields}. End-to-end tests and benchmarks
read it to find the tray icon's geometry and the moments that matter.
"""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("MICROSESSION_TRACE") or None


def enabled() -> bool:
    return _PATH is not None


def trace(event: str, **fields: object) -> None:
    if _PATH is None:
        return
    import json  # only when tracing

    record = {"t": time.time(), "mono": time.monotonic(), "event": event, **fields}
    try:
        with open(_PATH, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    except OSError:
        pass
