"""The tray as a StatusNotifierItem: what the app sends to the shell, and how soon it is there.

Prints, on a private desktop (Xvfb, a private D-Bus session, dunst):

* **start → icon registered (SNI)**: ``time.monotonic()`` just before the spawn to the moment
  the watcher (tests/e2e/sni_host.py) receives ``RegisterStatusNotifierItem``; beside it
  **start → icon visible (XEmbed)**: the same spawn to the ``since_mono`` of the app's
  ``tray_visible`` record under trayer (see benchmarks/README.md). Medians of ``--runs``,
  SNI and XEmbed runs alternating (one warm-up pair), and the median of the pairs' ratios.
* **signals while idle** (30 s, no session) and **per minute while a session runs with the
  ring hidden**, counted by the host:
  every signal of org.kde.StatusNotifierItem and com.canonical.dbusmenu, by name. Once
  on the real clock (``--real-s`` seconds of a 25-minute sprint, default 60) and once at
  60× for a whole 25-minute sprint (per app minute: the icon's 1/60 steps are 2.4 a minute
  and the tooltip's minute 1, so ~3.4 is the visible-change rate).

    python benchmarks/sni_figures.py [--runs 5] [--real-s 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests/e2e"))
from desktop import Desktop  # noqa: E402
from sni_host import SniHost, find_label  # noqa: E402


def spawn(desk: Desktop, work: Path, name: str, scale: float):
    trace = work / f"{name}-trace.jsonl"
    env = {"MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": str(scale),
           "MICROSESSION_DATA_DIR": str(work / f"data-{name}")}
    t0 = time.monotonic()
    proc = desk.spawn([sys.executable, "-m", "microsession"], extra_env=env, log_path=work / f"{name}.log")
    return proc, trace, t0


def stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def start_times(sni_desk: Desktop, xembed_desk: Desktop, work: Path, runs: int) -> tuple[list[float], list[float]]:
    """Start -> registered on the SNI desktop and start -> visible on the XEmbed one,
    alternating run by run (the machine's load drifts; pairs share it). One warm-up pair."""
    sni, xembed = [], []
    for i in range(runs + 1):
        with SniHost(sni_desk.bus_address) as host:
            proc, _trace, t0 = spawn(sni_desk, work, f"reg{i}", 1)
            host.item()
            if i:
                sni.append(host.registered_at[0] - t0)
            stop(proc)
        proc, trace, t0 = spawn(xembed_desk, work, f"x{i}", 1)
        rec = xembed_desk.wait_trace(trace, "tray_visible")
        if i:
            xembed.append(rec["since_mono"] - t0)
        xembed_desk.wait_trace(trace, "ready")
        stop(proc)
    return sni, xembed


def traffic(desk: Desktop, work: Path, scale: float, seconds: float, idle_s: float = 0.0
            ) -> tuple[Counter, float, int]:
    """Signals by name while a 25-minute sprint runs (ring hidden), the app minutes watched,
    and the signals sent in `idle_s` seconds before it (no session)."""
    with SniHost(desk.bus_address) as host:
        proc, trace, _t0 = spawn(desk, work, f"traffic{scale:g}", scale)
        item = host.item()
        desk.wait_trace(trace, "ready")
        host.about_to_show(item, 0)
        host.layout(item)
        quiet_from = time.monotonic()
        time.sleep(idle_s)
        idle = len([s for s in host.signals if s[0] > quiet_from])
        _rev, root = host.layout(item)
        host.click(item, find_label(root, "Start 25 min")["id"])  # a start shows the ring: hide it
        desk.wait_trace(trace, "ring_shown")
        host.about_to_show(item, 0)
        _rev, root = host.layout(item)
        host.click(item, find_label(root, "Hide ring")["id"])
        start = desk.wait_trace(trace, "ring_hidden")["mono"]
        time.sleep(seconds)  # a benchmark's window, not a test's wait
        end = time.monotonic()
        counts = Counter(s[3] for s in host.signals if start + 0.05 < s[0] <= end)
        stop(proc)
    return counts, (end - start) * scale / 60, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--real-s", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sni-figures-") as tmp:
        work = Path(tmp)
        with Desktop(work / "sni-desktop", xembed_tray=False) as desk, Desktop(work / "xembed-desktop") as xdesk:
            sni, xembed = start_times(desk, xdesk, work, args.runs)
            real, real_min, idle = traffic(desk, work, 1, args.real_s, idle_s=30)
            fast, fast_min, _ = traffic(desk, work, 60, 25 * 60 / 60 - 0.3)
    ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, {len(xs)} runs)"  # noqa: E731
    print(f"start -> icon registered (SNI host):   {ms(sni)}")
    print(f"start -> icon visible (XEmbed, trayer): {ms(xembed)}")
    ratios = [a / b for a, b in zip(sni, xembed)]
    print(f"SNI / XEmbed, median of the pairs: {statistics.median(ratios):.2f}")
    print(f"signals while idle (no session, 30 s): {idle}")
    for label, counts, minutes in (("real clock", real, real_min), ("60x, a whole 25-min sprint", fast, fast_min)):
        total = sum(counts.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        print(f"signals while running, ring hidden ({label}): {total} in {minutes:.1f} app min"
              f" = {total / minutes:.1f}/min ({detail})")


if __name__ == "__main__":
    main()
