"""kill -9 in the middle of a stack, a batch or an interruption; the next start loses nothing.

Each trial starts the app on the same data folder, starts a stack ("Inbox zero", from the
tray's Stack submenu) or a batch session (Batch submenu), sometimes presses "Interrupted",
waits a random little while and kills the app with SIGKILL. Then, with the app dead:

* the file passes the common checks (harness.db_problems);
* every traced step start is in the file with its run id and position; every traced
  interruption has its row; a batch session has its task links (written with the row);
* a stack run's row exists before any of its steps' rows (foreign key) and is open or
  ended, never half-written.

On the next start, a run whose step was still open is taken up again (`stack_resumed`, at
that step's position) or closed as `recovered`; no run stays open without a running step.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop
from harness import db_problems, read_db

SCALE = 300  # "Inbox zero" (10 + 3 + 10 + 3 + 10 min) lasts 7.2 s
IDLE_MENU_DOWNS = {"Batch": 10, "Stack": 11}
STACK = "Inbox zero"  # the second template in the Stack submenu


def start_from_submenu(app: RunningApp, submenu: str, downs: int = 0) -> None:
    app.menu(*(["Down"] * IDLE_MENU_DOWNS[submenu]), "Right")
    app.desktop.wait_for(lambda: len(app.desktop.window_ids(".*")) >= 2, what=f"the {submenu} submenu")
    app.desktop.key(*(["Down"] * downs), "Return")


def check_file(app: RunningApp, data: Path) -> None:
    assert db_problems(data) == [], app.trace
    with contextlib.closing(read_db(data)) as conn:
        for rec in app.records():
            if rec["event"] == "session_started" and rec["stack_run_id"]:
                row = conn.execute("SELECT stack_run_id, stack_position FROM sessions WHERE id = ?",
                                   (rec["id"],)).fetchone()
                assert tuple(row) == (rec["stack_run_id"], rec["stack_position"]), rec
            elif rec["event"] == "session_started" and rec["batch"]:
                links = conn.execute("SELECT count(*) FROM session_tasks WHERE session_id = ?",
                                     (rec["id"],)).fetchone()[0]
                assert links == rec["batch"], rec
            elif rec["event"] == "interrupted":
                n = conn.execute("SELECT count(*) FROM interruptions WHERE session_id = ?", (rec["id"],)).fetchone()[0]
                assert n >= 1, rec
            elif rec["event"] == "stack_ended":
                row = conn.execute("SELECT outcome FROM stack_runs WHERE id = ?", (rec["run_id"],)).fetchone()
                assert row["outcome"] == rec["outcome"], rec
        # every batch session in the file has its links: the row and the links land together
        bad = conn.execute("SELECT id FROM sessions s WHERE batch_type IS NOT NULL AND NOT EXISTS"
                           " (SELECT 1 FROM session_tasks t WHERE t.session_id = s.id)").fetchall()
        assert not bad, [r[0] for r in bad]
        half = conn.execute("SELECT id FROM stack_runs WHERE (ended_utc IS NULL) != (outcome IS NULL)").fetchall()
        assert not half


def check_restart(app: RunningApp, data: Path) -> None:
    """After recovery, an open run has an open step of its own (it was taken up again)."""
    resumed = [r for r in app.records() if r["event"] == "stack_resumed"]
    with contextlib.closing(read_db(data)) as conn:
        open_runs = [r[0] for r in conn.execute("SELECT id FROM stack_runs WHERE ended_utc IS NULL")]
        for run_id in open_runs:
            step = conn.execute("SELECT stack_position FROM sessions WHERE stack_run_id = ? AND ended_utc IS NULL",
                                (run_id,)).fetchone()
            assert step is not None, f"run {run_id} open without a running step"
            assert any(r["run_id"] == run_id and r["position"] == step[0] for r in resumed), (run_id, resumed)


def test_kill9_in_stacks_batches_and_interruptions(desktop: Desktop, tmp_path: Path, fault_trials: int,
                                                    fault_rng) -> None:
    data = tmp_path / "data"
    trials = max(4, fault_trials // 2)
    stats: Counter[str] = Counter()
    started = time.monotonic()
    for n in range(trials + 1):
        desktop.close_all_notifications()
        app = RunningApp(desktop, tmp_path, SCALE, name=f"s{n:03d}", data=data)
        check_restart(app, data)
        if n == trials:
            assert app.quit() == 0
            break
        if n == 0:
            for i in range(3):
                out = app.cli("tasks", "add", f"Mail {i}", "--type", "communication", "--minutes", "10")
                assert out.returncode == 0, out.stderr
        resumed = [r for r in app.records() if r["event"] == "session_resumed"]
        if resumed and fault_rng.random() < 0.4:
            stats["killed again"] += 1  # the taken-up run dies again, somewhere further on
        else:
            if resumed:  # let what was taken up run out (a stack to its end), then start anew
                with contextlib.closing(read_db(data)) as conn:
                    paused = conn.execute("SELECT paused_at_utc FROM sessions WHERE id = ?",
                                          (resumed[0]["id"],)).fetchone()[0]
                if paused:  # an interruption paused it: the first enabled item is Resume
                    app.menu("Down", "Return")
                    app.wait("session_ended", id=resumed[0]["id"], timeout=60)
                if any(r["event"] == "stack_resumed" for r in app.records()):
                    app.wait("stack_ended", timeout=60)
                else:
                    app.wait("session_ended", id=resumed[0]["id"], timeout=60)
                    # its popup waits for an answer: skip it, so the menu is the idle one again
                    app.wait("popup_shown", id=resumed[0]["id"], timeout=30)
                    app.answer_popup("Escape")
                    app.desktop.wait_for(lambda: not app.desktop.window_ids("Session log"), what="the popup gone")
            what = fault_rng.choice(("stack", "stack", "batch"))
            stats[what] += 1
            if what == "stack":
                start_from_submenu(app, "Stack", downs=1)
                app.wait("stack_started", name=STACK)
            else:
                start_from_submenu(app, "Batch")
                app.wait("session_started", where=lambda r: r["batch"] > 0)
        time.sleep(fault_rng.uniform(0, 3.0))
        if fault_rng.random() < 0.3 and app.proc.poll() is None:
            app.menu("Down", "Down", "Return")  # while a focus session runs: Interrupted
            with contextlib.suppress(AssertionError, TimeoutError):
                app.wait("interrupted", timeout=3)
            stats["interrupted"] += 1
            time.sleep(fault_rng.uniform(0, 0.3))
        app.kill9()
        check_file(app, data)
    with contextlib.closing(read_db(data)) as conn:
        runs = dict(Counter(r[0] or "open" for r in conn.execute("SELECT outcome FROM stack_runs")))
    print(f"\n[faults] kill -9 in stacks: {trials} trials in {time.monotonic() - started:.1f} s;"
          f" runs {runs}; {dict(stats)}")
