"""Row ids: random (version 4) UUIDs as 32 hex digits, safe to merge across machines.

Made from os.urandom directly: the uuid module (and its libuuid) is not worth its memory in
a process that only ever needs this.
"""

from __future__ import annotations

import os


def new_id() -> str:
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    return b.hex()
