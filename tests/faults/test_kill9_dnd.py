"""kill -9 while "do not disturb while focusing" holds dunst paused; the next start puts it back.

The real app on the fault desktop (its dunst for real), the setting on. Each trial starts the
default sprint from the tray, kills the app with SIGKILL at a random moment
(sometimes while the start is still being handled), and checks with the app dead:

* dunst paused => the restore record is in the data folder (it is written before the change);
* then either the next start comes "6 hours later" (the session ran out meanwhile): dunst is
  unpaused at start-up and the record is gone; or it comes at once: the session is resumed,
  dunst paused again with the record saying "was not paused" (never our own paused state as
  the user's), and `microsession stop` unpauses it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

from microsession.core.dnd_plan import RECORD_NAME
from microsession.store import db
from microsession.store import settings as settings_store
from microsession.testing_clock import write_shift

SCALE = 30  # the 15-minute sprint lasts 30 s: the kill always comes while it runs
AWAY_S = 6 * 3600


def paused(desktop: Desktop) -> bool:
    return desktop._run(["dunstctl", "is-paused"]).stdout.strip() == "true"


def test_kill9_with_do_not_disturb_on_is_put_back(desktop: Desktop, tmp_path: Path, fault_trials: int,
                                                  fault_rng) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with contextlib.closing(db.connect(data / "microsession.sqlite3")) as conn:
        settings_store.save(conn, "dnd_while_focusing", True)
    shift_file = tmp_path / "clock-shift.json"
    wall = 0.0
    record = data / RECORD_NAME
    stats: Counter[str] = Counter()
    trials = max(3, fault_trials // 4)
    for n in range(trials):
        assert not paused(desktop)
        app = RunningApp(desktop, tmp_path, SCALE, name=f"d{n:03d}", data=data,
                         extra_env={"MICROSESSION_CLOCK_SHIFT_FILE": str(shift_file)})
        app.click_tray()  # the default sprint (15 min: 30 s here); in-process, so nothing else
        # launches an app behind the test's back (`microsession start` would, if it found none)
        if fault_rng.random() < 0.5:
            time.sleep(fault_rng.uniform(0, 0.5))  # somewhere inside the start
            stats["kill while starting"] += 1
        else:
            app.wait("dnd_on", backend="dunst", before="false")
            time.sleep(fault_rng.uniform(0, 1.0))
            stats["kill while focusing"] += 1
        app.kill9()
        if paused(desktop):
            assert record.exists(), "dunst paused by us, but no record of it to put back"
            assert json.loads(record.read_text()) == {"backend": "dunst", "before": "false"}
        if not app.records() or not any(r["event"] == "session_started" for r in app.records()):
            stats["killed before the session began"] += 1
        if fault_rng.random() < 0.5:
            wall += AWAY_S
            write_shift(shift_file, wall=wall)
            again = RunningApp(desktop, tmp_path, SCALE, name=f"d{n:03d}-later", data=data,
                               extra_env={"MICROSESSION_CLOCK_SHIFT_FILE": str(shift_file)})
            desktop.wait_for(lambda: not paused(desktop), timeout=10, what="dunst unpaused at start-up")
            assert not record.exists()
            assert not any(r["event"] == "dnd_on" for r in again.records())
            stats["restart later"] += 1
        else:
            again = RunningApp(desktop, tmp_path, SCALE, name=f"d{n:03d}-again", data=data,
                               extra_env={"MICROSESSION_CLOCK_SHIFT_FILE": str(shift_file)})
            if any(r["event"] == "session_resumed" for r in again.records()):
                again.wait("dnd_on", backend="dunst", before="false")
                assert paused(desktop)
                assert json.loads(record.read_text())["before"] == "false"
                out = again.control("stop")
                assert out.returncode == 0, out.stderr
                again.wait("dnd_off", backend="dunst")
                stats["resumed, then stopped"] += 1
            assert not paused(desktop)
            assert not record.exists()
        assert again.quit() == 0
        desktop.close_all_notifications()
    print(f"\n[faults] kill -9 with do not disturb on: {trials} trials; {dict(stats)}")
