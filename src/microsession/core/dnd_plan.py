"""Do not disturb while focusing: which desktop backend to use, and the record of what we changed.

Pure: the facts (who serves notifications, which desktop, which tools exist) come in, a
backend name comes out. The record is written to the data folder *before* the desktop's
state is changed, so a crash or kill -9 in the middle of a session is undone at the next start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BACKENDS = ("gnome", "kde", "dunst", "mako", "swaync")
RECORD_NAME = "dnd-restore.json"

# GetServerInformation's name -> backend
_SERVERS = {"dunst": "dunst", "mako": "mako", "swaync": "swaync", "swaynotificationcenter": "swaync",
            "plasma": "kde", "knotify": "kde", "gnome-shell": "gnome"}
# the command line tool each backend needs ("" for none: D-Bus only)
TOOLS = {"gnome": "gsettings", "kde": "", "dunst": "dunstctl", "mako": "makoctl", "swaync": "swaync-client"}


def choose(server: str, desktop: str, has_tool: Callable[[str], bool]) -> str | None:
    """The backend for a notification server named `server` (GetServerInformation, "" if
    unknown) on `desktop` (XDG_CURRENT_DESKTOP, e.g. "ubuntu:GNOME"); None if none fits."""
    backend = _SERVERS.get(server.strip().lower())
    if backend is None:
        parts = {p.strip().lower() for p in desktop.split(":")}
        backend = "gnome" if parts & {"gnome", "unity", "budgie"} else "kde" if "kde" in parts else None
    if backend is None:
        return None
    tool = TOOLS[backend]
    return backend if not tool or has_tool(tool) else None


@dataclass(frozen=True)
class Record:
    """What to put back: `backend` and its state before we turned do-not-disturb on
    (e.g. dunst's "false" = not paused; for KDE nothing: the server ends our inhibition
    itself when our connection goes)."""

    backend: str
    before: str

    def to_json(self) -> str:
        import json  # the idle app reads RECORD_NAME only (memory)

        return json.dumps({"backend": self.backend, "before": self.before}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Record":
        """The record, or ValueError if the text is not one."""
        import json

        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError("not JSON") from None
        if not isinstance(data, dict) or data.get("backend") not in BACKENDS or not isinstance(data.get("before"), str):
            raise ValueError("not a do-not-disturb record")
        return cls(data["backend"], data["before"][:200])
