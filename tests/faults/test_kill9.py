"""kill -9 at random moments of a session's life; the next start must have lost nothing.

One data folder for all trials, so history accumulates. Trial n starts the app (which
recovers what trial n-1's kill left), checks that recovery, walks the session's life
(tray click -> running -> [pause] -> end -> popup -> Esc/Enter -> break -> idle, starting
from wherever the recovered state is) to a randomly chosen moment, waits a random little
while more, and kills the app with SIGKILL. Then, with the app dead:

* the file passes PRAGMA integrity_check and foreign_key_check; no row is half-written
  (ended_utc, outcome and focused_s are all set or all NULL); at most one row is open;
* every session the trace saw end (`session_ended`) is in the file, ended, with that
  outcome and focused time; every `log_saved` has its row; every traced start has its row.

On the next start every row left open is either resumed (`session_resumed` with its id,
and a notice) or closed as `recovered`. A quarter of the restarts happen "6 hours later"
(a wall-clock shift through MICROSESSION_CLOCK_SHIFT_FILE), where a running session's
deadline has passed and it must be closed as recovered (a paused one is still resumed).

20 trials by default; `--fault-trials=200` (or FAULT_TRIALS) for the long run;
`--fault-seed=S` repeats a run.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desktop import Desktop
from app_runner import RunningApp
from harness import db_problems, read_db

from microsession.testing_clock import write_shift

SCALE = 300  # the default 15-minute sprint passes in 3 s, the 5-minute break in 1 s
MOMENTS = ("starting", "running", "paused", "popup", "break")
AWAY_S = 6 * 3600  # a restart "6 hours later": every running deadline has passed
TRIAL_TIMEOUT = 60.0


@dataclass
class Killed:
    """What a kill left behind, to be checked against the next start."""

    trial: int
    moment: str
    open_rows: dict[str, dict] = field(default_factory=dict)  # id -> row (dict)
    away: bool = False  # the next start happens AWAY_S later


def test_kill9_at_random_moments_loses_nothing(desktop: Desktop, tmp_path: Path, fault_trials: int,
                                               fault_rng) -> None:
    data = tmp_path / "data"
    shift_file = tmp_path / "clock-shift.json"
    wall_shift = 0.0
    stats: Counter[str] = Counter()
    killed: Killed | None = None
    apps: list[RunningApp] = []
    started = time.monotonic()
    for n in range(fault_trials + 1):
        desktop.close_all_notifications()  # the killed apps' ones would pile up over the tray
        app = RunningApp(desktop, tmp_path, SCALE, name=f"t{n:03d}", data=data,
                       extra_env={"MICROSESSION_CLOCK_SHIFT_FILE": str(shift_file)})
        apps.append(app)
        if killed is not None:
            check_recovery(app, data, killed, stats)
        if n == fault_trials:
            assert app.quit() == 0
            break
        moment = fault_rng.choice(MOMENTS)
        stats[f"moment:{moment}"] += 1
        drive_and_kill(app, data, moment, fault_rng, stats)
        killed = check_after_kill(app, data, n, moment)
        if fault_rng.random() < 0.25:
            wall_shift += AWAY_S
            write_shift(shift_file, wall=wall_shift)
            killed.away = True
    # Nothing a later start did may have undone an earlier trial's writes.
    for app in apps:
        check_trace_in_db(app, data)
    assert db_problems(data) == []
    with contextlib.closing(read_db(data)) as conn:
        total = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        logs = conn.execute("SELECT count(*) FROM session_logs").fetchone()[0]
        focus = conn.execute("SELECT count(*) FROM sessions WHERE kind != 'break'").fetchone()[0]
    out = apps[-1].cli("log", "--last", "100000", "--json")  # and the history reads back
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == focus
    print(f"\n[faults] kill -9: {fault_trials} trials in {time.monotonic() - started:.1f} s;"
          f" {total} sessions, {logs} logs in the file; {dict(sorted(stats.items()))}")


# --- walking the life of a session ------------------------------------------------------
def observe(app: RunningApp, data: Path) -> tuple[str, str | None]:
    """(state, session id) from the trace, and from the file for paused."""
    state, current = "idle", None
    for rec in app.records():
        event = rec["event"]
        if event in ("session_started", "session_resumed"):
            state, current = "open", rec["id"]
        elif event == "session_ended" and rec["id"] == current:
            focus_done = rec["kind"] != "break" and rec["outcome"] == "completed"
            state, current = ("popup" if focus_done else "idle"), (rec["id"] if focus_done else None)
    if state != "open":
        return state, current
    with contextlib.closing(read_db(data)) as conn:
        row = conn.execute("SELECT kind, paused_at_utc, ended_utc FROM sessions WHERE id = ?",
                           (current,)).fetchone()
    if row is None or row["ended_utc"] is not None:  # written, not traced yet: look again
        return "changing", current
    if row["kind"] == "break":
        return "break", current
    return ("paused" if row["paused_at_utc"] else "running"), current


def drive_and_kill(app: RunningApp, data: Path, moment: str, rng, stats: Counter) -> None:
    deadline = time.monotonic() + TRIAL_TIMEOUT
    while True:
        assert time.monotonic() < deadline, f"could not reach {moment!r}; trace: {app.trace}"
        state, current = observe(app, data)
        if state == "idle":
            app.click_tray()
            if moment == "starting":
                time.sleep(rng.uniform(0, 0.15))
                break
        elif state == moment:
            time.sleep(rng.uniform(0, {"running": 2.5, "paused": 1.0, "popup": 0.5, "break": 0.9}[moment]))
            break
        elif state == "running" and moment == "paused":
            app.menu("Down", "Return")  # the first enabled item while running: Pause
        elif state == "paused":
            app.menu("Down", "Return")  # ... and while paused: Resume
        elif state == "popup":
            key = rng.choice(("Escape", "Return"))  # skip, or save an (empty) log
            stats[f"popup:{key}"] += 1
            app.answer_popup(key)
        # wait until something moves on (a session ends, the pause lands, the break starts)
        with contextlib.suppress(TimeoutError):
            app.desktop.wait_for(lambda: observe(app, data) != (state, current), timeout=15,
                                 interval=0.02, what=f"a change from {state}")
    app.kill9()


# --- checks ---------------------------------------------------------------------------------
def check_trace_in_db(app: RunningApp, data: Path) -> None:
    """Every end, log and start the app traced is in the file."""
    records = app.records()
    with contextlib.closing(read_db(data)) as conn:
        for rec in records:
            if rec["event"] == "session_ended":
                row = conn.execute("SELECT * FROM sessions WHERE id = ?", (rec["id"],)).fetchone()
                assert row is not None, f"ended session missing: {rec} ({app.trace})"
                assert row["outcome"] == rec["outcome"] and row["ended_utc"], (dict(row), rec)
                assert abs(row["focused_s"] - rec["focused_s"]) < 0.01, (dict(row), rec)
            elif rec["event"] == "session_started":
                row = conn.execute("SELECT kind FROM sessions WHERE id = ?", (rec["id"],)).fetchone()
                assert row is not None and row["kind"] == rec["kind"], f"started session missing: {rec}"
        saved = Counter(rec["session_id"] for rec in records if rec["event"] == "log_saved")
        for session_id, count in saved.items():
            rows = conn.execute("SELECT count(*) FROM session_logs WHERE session_id = ?",
                                (session_id,)).fetchone()[0]
            assert rows >= count, f"log of {session_id} missing ({app.trace})"


def check_after_kill(app: RunningApp, data: Path, trial: int, moment: str) -> Killed:
    assert db_problems(data) == [], f"trial {trial} ({moment})"
    check_trace_in_db(app, data)
    with contextlib.closing(read_db(data)) as conn:
        rows = conn.execute("SELECT * FROM sessions WHERE ended_utc IS NULL").fetchall()
    return Killed(trial, moment, {r["id"]: dict(r) for r in rows})


def check_recovery(app: RunningApp, data: Path, killed: Killed, stats: Counter) -> None:
    """The rows the kill left open are resumed, or closed as recovered, by this start."""
    resumed = {rec["id"] for rec in app.records() if rec["event"] == "session_resumed"}
    assert resumed <= set(killed.open_rows), (resumed, killed)
    with contextlib.closing(read_db(data)) as conn:
        for sid, before in killed.open_rows.items():
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
            what = f"trial {killed.trial} ({killed.moment}, away={killed.away}): {before}"
            if sid in resumed:
                assert not (killed.away and before["paused_at_utc"] is None), f"resumed past its deadline: {what}"
                stats["resumed"] += 1
                app.wait("notice", where=lambda r: "resumed" in r["message"], timeout=10)
            else:
                assert row["outcome"] == "recovered" and row["ended_utc"], f"neither resumed nor recovered: {what} -> {dict(row)}"
                assert before["paused_at_utc"] is None, f"a paused session was closed: {what}"
                stats["recovered"] += 1
                if before["kind"] != "break":
                    app.wait("notice", where=lambda r: "ended while the app was closed" in r["message"], timeout=10)
