"""A new user's first deep-work block from the tray, on a real X server with a real tray.

The preparation card is on (Settings → Sessions); "Deep work 90 min" from the tray menu goes
through the same start path as `microsession start 90`: the card first, Enter, then the
clock and the ring. The ring opens clear of the notification area and shows h:mm:ss whole.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

from microsession.paths import db_path
from microsession.store import db
from microsession.store import settings as settings_store

DEEP_90_DOWNS = 7  # Start 5, 10, 15, 20, 25, Custom…, Deep work 90 min


def test_deep_work_from_the_tray_shows_the_card_then_a_whole_clock(desktop: Desktop, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = db.connect(db_path(data))
    settings_store.save(conn, "preparation", True)
    conn.close()
    app = RunningApp(desktop, tmp_path, scale=1.0)

    app.menu(*["Down"] * DEEP_90_DOWNS, "Return")
    app.wait("prep_shown", minutes=90)  # the tray's start path: the card, not the clock at once
    app.click_into("Get ready", "the preparation card", dy=20)
    desktop.key("Return")
    app.wait("prep_done")
    started = app.wait("session_started", kind="deep")
    assert started["planned_s"] == 5400
    app.wait("ring_shown")

    status = app.control("status", "--json")
    assert status.returncode == 0 and re.fullmatch(r'.*"remaining": "1:(29:[0-5]\d|30:00)".*', status.stdout.strip())
    ring = desktop.wait_for(lambda: desktop.window_ids("^Micro-Session$"), what="the ring")[0]
    rx, ry, rw, rh = desktop.window_geometry(ring)
    assert ry > desktop.height // 2 and rx + rw > desktop.width // 2, (rx, ry)  # bottom right: not under the tray
    subprocess.run(["notify-send", "Another app", "A notification where they appear"], env=desktop.env, check=True)
    bubbles = desktop.wait_for(lambda: [desktop.window_geometry(w) for w in _dunst_windows(desktop)],
                               what="a notification on screen")
    for nx, ny, nw, nh in bubbles:
        assert rx + rw <= nx or nx + nw <= rx or ry + rh <= ny or ny + nh <= ry, ((rx, ry, rw, rh), (nx, ny, nw, nh))
    shot = desktop.screenshot(tmp_path / "ring-deep-work.png")
    assert shot.is_file()


def _dunst_windows(desktop: Desktop) -> list[str]:
    out = desktop._run(["xdotool", "search", "--onlyvisible", "--class", "^Dunst$"], check=False)
    return out.stdout.split() if out.returncode == 0 else []
