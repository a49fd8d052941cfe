"""Memory hygiene: the one place the app gives memory back.

`release()` is the entry point, called after start-up's delayed checks, after the first
control command, and whenever a window or a submenu has been built (`trim_heap=False`
there: only the cache, the heap is trimmed at the quiet moments).

What it frees: PySide6 reads the source of every module imported after it into linecache
(shibokensupport.feature looks for "PySide6" in it), ~2 MB for ours and tens of KB for each
module loaded later; and the heap that start-up freed (glibc keeps it otherwise).
"""

from __future__ import annotations

import sys


def release(trim_heap: bool = True) -> None:
    import linecache

    linecache.clearcache()
    if trim_heap and sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
