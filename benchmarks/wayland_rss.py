"""Idle RSS on Wayland: the app against the bare PySide6 tray (benchmarks/bare_tray.py),
both as native Wayland clients of the same headless sway (tests/e2e/wayland.py).

A Wayland tray is a StatusNotifierItem host on D-Bus (waybar, KDE, GNOME's extension); the
headless desktop has none, so this script serves a minimal org.kde.StatusNotifierWatcher
on the private bus (jeepney): with it Qt makes a StatusNotifierItem for both programs,
as under a real bar, and the app stays a tray app (no ring window at idle). With
`--no-tray` it is left out: the bare tray then shows nothing, and the app shows its ring
as the main window — the "no tray" case, not a like-for-like pair.

    python benchmarks/wayland_rss.py [--runs 5] [--idle 10] [--no-tray]

Runs alternate (app first in even pairs); each program idles `--idle` s after it is up
(the app's "ready", the floor's start + the same wait), then VmRSS and its parts are read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests/e2e"))
sys.path.insert(0, str(REPO / "benchmarks"))
import procstat  # noqa: E402
from wayland import Sway, serve_watcher  # noqa: E402

def sample(desk: Sway, work: Path, name: str, tag: str, idle_s: float) -> dict[str, int]:
    trace = work / f"{tag}-{name}.jsonl"
    argv = [sys.executable, "-m", "microsession"] if name == "app" else [sys.executable, str(REPO / "benchmarks/bare_tray.py")]
    env = {"MICROSESSION_TRACE": str(trace), "MICROSESSION_DATA_DIR": str(work / "data"),
           "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    proc = desk.spawn(argv, extra_env=env, log_path=work / f"{tag}-{name}.log")
    up = "ready" if name == "app" else "process_up"
    if name == "app":
        desk.wait_for(lambda: any(r.get("event") == up for r in desk.read_trace(trace)), 60, what="the app ready")
    time.sleep(idle_s)  # the idle time being measured, not a wait for a condition
    assert proc.poll() is None, f"{name} exited: {(work / f'{tag}-{name}.log').read_text()[-2000:]}"
    mem = procstat.memory_kib(proc.pid)
    proc.terminate()
    proc.wait(timeout=20)
    return mem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--no-tray", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ms-wl-rss-") as tmp:
        work = Path(tmp)
        (work / "sway").mkdir()
        with Sway(work / "sway") as desk:
            items = [] if args.no_tray else serve_watcher(desk.env["DBUS_SESSION_BUS_ADDRESS"])
            out: dict[str, list[dict[str, int]]] = {"app": [], "floor": []}
            for i in range(-1, args.runs):  # -1: a warm-up pair (page cache, .pyc files)
                for name in (("app", "floor") if i % 2 == 0 else ("floor", "app")):
                    mem = sample(desk, work, name, f"r{i}", args.idle)
                    print(f"  run {i:2} {name:5} RSS {mem['VmRSS'] / 1024:6.1f} MiB", flush=True)
                    if i >= 0:
                        out[name].append(mem)
            if not args.no_tray:  # every start made a StatusNotifierItem: the pair is like for like
                assert len(items) == 2 * (args.runs + 1), f"tray items registered: {items}"
            shown = sum(r.get("event") == "ring_shown" for f in work.glob("*-app.jsonl") for r in desk.read_trace(f))
            print(f"  tray items registered: {len(items)}; app starts that showed the ring: {shown}")
    med = {n: {k: statistics.median(m[k] for m in v) / 1024 for k in ("VmRSS", "RssAnon", "RssFile")}
           for n, v in out.items()}
    kind = "no tray host (app shows its ring window)" if args.no_tray else "a StatusNotifierItem tray on both"
    print(f"Wayland (headless sway), {kind}, {args.runs} runs, {args.idle:g} s idle; medians in MiB:")
    for k in ("VmRSS", "RssAnon", "RssFile"):
        print(f"  {k:8} app {med['app'][k]:6.1f}  floor {med['floor'][k]:6.1f}  ratio {med['app'][k] / med['floor'][k]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
