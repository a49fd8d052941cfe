"""Memory hygiene: the one place the app gives memory back, or does not take it.

`skip_source_scans()` is called once, right after PySide6 is imported: PySide6 reads the
whole source of every module imported after it (through linecache, to see whether it says
"PySide6": the switch of its `__feature__` options, which we never use), ~2 MB of lines for
ours; freed again, they left the Python heap in holes (measured: idle RSS -2.2 MiB without).

`release()` is called after start-up's delayed checks, after the first control command, and
whenever a window or a submenu has been built (`trim_heap=False` there: only the cache, the
heap is trimmed at the quiet moments). It frees what linecache holds (tracebacks and warnings
still fill it) and the heap that start-up freed (glibc keeps it otherwise).
"""

from __future__ import annotations

import sys


def skip_source_scans() -> None:
    """Every module counts as one that may use PySide6 (with no feature selected, as ours are)
    without its source being read. Does nothing where PySide6 works otherwise."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda module: True


def release(trim_heap: bool = True) -> None:
    import linecache

    linecache.clearcache()
    if trim_heap and sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
