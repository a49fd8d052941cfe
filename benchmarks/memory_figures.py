"""Memory on the desktop (RSS and PSS), and the first tray-menu opening and first session.

Idle memory is read from **untraced** programs (no ``MICROSESSION_TRACE``): traced, both the
app and the floor load a probe (trace writer, embed watcher) that is no part of either. Each
program runs alone (the others are stopped), in turns (floor, app, app with one rule on;
the order rotates), and is read ``idle_s`` after its spawn: well past the app's delayed
start-up checks (3 s after its icon) and the memory they give back.

* RSS: VmRSS (and RssAnon / RssFile) from /proc/<pid>/status;
* PSS: ``Pss`` of /proc/<pid>/smaps_rollup, the process's fair share of pages it shares
  (Qt's libraries with the tray host? no: with nothing of ours, as each program runs alone).

The first menu and the first session are read from traced programs (the trace tells when the
icon is up and when the ring is shown), app and floor alternating: memory just before, the
time from the click to the menu's window (polled with xdotool, the same for both) and the
memory 0.5 s after; for the app also the time from a left click to its ``ring_shown``
record (the default sprint started, the ring built and shown) and the memory 1 s after.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import desktop_figures as figs
import procstat

IDLE_S = 12.0


def memory(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile (status) and Pss (smaps_rollup), KiB."""
    out = procstat.memory_kib(pid)
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "Pss":
            out["Pss"] = int(value.split()[0])
    return out


def rule_data_folder(folder: Path) -> Path:
    """A data folder with one time-of-day rule enabled (the trigger service runs)."""
    from microsession.core.triggers import AtTime, Suggestion
    from microsession.store import db, triggers

    folder.mkdir(parents=True, exist_ok=True)
    conn = db.connect(folder / "microsession.sqlite3")
    try:
        triggers.add(conn, triggers.new_rule("benchmark", AtTime((10, 0)), Suggestion(10, "admin")),
                     datetime.now(timezone.utc))
    finally:
        conn.close()
    return folder


def idle_memory(desk, work: Path, runs: int, idle_s: float = IDLE_S, log=print) -> dict[str, list[dict]]:
    kinds = {
        "floor": ([figs.sys.executable, str(figs.BARE_TRAY)], {}),
        "app": ([figs.sys.executable, "-m", "microsession"], {"MICROSESSION_DATA_DIR": str(work / "mem-data")}),
        "app_rule": ([figs.sys.executable, "-m", "microsession"],
                     {"MICROSESSION_DATA_DIR": str(rule_data_folder(work / "mem-rule-data"))}),
    }
    names = list(kinds)
    out: dict[str, list[dict]] = {k: [] for k in names}
    for i in range(-1, runs):  # one warm-up round: page cache, .pyc files, the data folders
        for name in names[i % 3:] + names[:i % 3]:
            argv, env = kinds[name]
            popen = desk.spawn(argv, extra_env={**figs.bytecode_env(work), **env},
                               log_path=work / f"mem{i}-{name}.log")
            spawned = time.monotonic()
            time.sleep(max(0.0, spawned + idle_s - time.monotonic()))
            if popen.poll() is not None:
                raise RuntimeError(f"{name} exited early ({popen.returncode}); see mem{i}-{name}.log")
            sample = memory(popen.pid)
            popen.terminate()
            popen.wait(timeout=10)
            if i >= 0:
                out[name].append(sample)
                log(f"  mem{i} {name:8} RSS {sample['VmRSS'] / 1024:6.1f} MiB  PSS {sample['Pss'] / 1024:6.1f} MiB")
    return out


@dataclass
class FirstUse:
    menu_s: float
    menu_rss_kib: int      # RSS added by the first menu opening
    menu_pss_kib: int
    session_s: float       # click -> ring shown (the floor's simplest ring)
    session_rss_kib: int   # RSS added by the first session start (ring built)
    session_pss_kib: int


def _open_menu(desk, proc) -> float:
    """Right-click the icon; seconds until the menu's window is seen."""
    before = set(desk.window_ids(".*"))
    t0 = time.monotonic()
    desk.click(*proc.tray_center(), button=3)
    desk.wait_for(lambda: set(desk.window_ids(".*")) - before, timeout=10, interval=0.005,
                  what=f"{proc.name}: the tray menu's window")
    return time.monotonic() - t0


def first_use(desk, work: Path, runs: int, log=print) -> dict[str, list[FirstUse]]:
    out: dict[str, list[FirstUse]] = {"app": [], "floor": []}
    for i in range(runs):
        for name in (("app", "floor") if i % 2 == 0 else ("floor", "app")):
            tag = f"first{i}"
            # a fresh data folder each run: a session left running by the run before would be
            # resumed at start, its ring shown before the click
            env = {"MICROSESSION_DATA_DIR": str(work / f"first{i}-data")} if name == "app" else None
            proc = figs.start(desk, name, work, tag, env)
            try:
                if name == "app":
                    proc.wait_ready()
                time.sleep(max(0.0, proc.visible["since_mono"] + 5.0 - time.monotonic()))  # past the delayed checks
                m0 = memory(proc.pid)
                menu_s = _open_menu(desk, proc)
                time.sleep(0.5)
                m1 = memory(proc.pid)
                desk.key("Escape")
                time.sleep(figs.DOUBLE_CLICK_S)
                t0 = time.monotonic()
                desk.click(*proc.tray_center())  # the app: the default sprint; the floor: its ring
                shown = proc.wait("ring_shown", timeout=10)
                time.sleep(1.0)
                m2 = memory(proc.pid)
                sample = FirstUse(menu_s, m1["VmRSS"] - m0["VmRSS"], m1["Pss"] - m0["Pss"], shown["mono"] - t0,
                                  m2["VmRSS"] - m1["VmRSS"], m2["Pss"] - m1["Pss"])
            finally:
                proc.stop()
            out[name].append(sample)
            log(f"  {tag} {name:5} menu {sample.menu_s * 1000:5.0f} ms +{sample.menu_rss_kib / 1024:.2f} MiB"
                f"  session {sample.session_s * 1000:5.0f} ms +{sample.session_rss_kib / 1024:.2f} MiB")
    return out
