"""Run every benchmark and print the table: ``python benchmarks/run.py [--runs 5] [--quick]``.

One private desktop (Xvfb + trayer + dunst, as the e2e tests use) for the whole run; the
app and the floor (``bare_tray.py``) are measured in the same run, alternating, so that
machine noise cancels in the ratio. A full run (about 13 minutes) writes
``benchmarks/results.md`` and the table in ``benchmarks/README.md``; ``--quick`` shortens
the 60-s CPU window to 10 s (and then writes nothing, unless ``--out`` is given).
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import desktop_figures as figs
import write_time

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
RESULTS = HERE / "results.md"
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"

# Targets of issue 3 ("Done when"): a ratio to the floor, or an absolute ceiling.
START_RATIO = RSS_RATIO = 1.15
CPU_HIDDEN_S, CPU_VISIBLE_S = 0.02, 0.10
LATE_MEDIAN_MS, LATE_MAX_MS = 50.0, 200.0
WRITE_MEDIAN_MS = 5.0


def median(values) -> float:
    return statistics.median(list(values))


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import os

    import PySide6
    from PySide6 import QtCore

    return (f"{os.cpu_count()} × {model}, Linux {platform.release()}, Python "
            f"{platform.python_version()}, PySide6 {PySide6.__version__} (Qt {QtCore.qVersion()})")


def code_state() -> str:
    """The commit measured, and whether the app's files differed from it."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True)
        return out.stdout.rstrip("\n")  # not strip(): porcelain lines start with a space

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "src", "resources",
                                      "pyproject.toml").splitlines()]
    return f"commit {commit}" + (f" plus uncommitted changes to {len(dirty)} app files"
                                 f" ({', '.join(sorted(dirty)[:6])}{', …' if len(dirty) > 6 else ''})"
                                 if dirty else "")


def app_tree_digest() -> str:
    """A digest of the app's source files, to notice an edit during a run."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((HERE.parent / "src").rglob("*.py")):
        h.update(str(path).encode() + path.read_bytes())
    return h.hexdigest()


def row(figure: str, floor: float | None, ours: float, fmt: str, target: str,
        ratio_target: float | None = None, ceiling: float | None = None, judge: bool = True) -> str:
    ratio = ours / floor if floor else None
    if not judge:
        met = "— (quick)"
    elif ratio_target is not None:
        met = "yes" if ratio is not None and ratio <= ratio_target else "**no**"
    elif ceiling is not None:
        met = "yes" if ours <= ceiling else "**no**"
    else:
        met = "—"
    cells = [figure, format(floor, fmt) if floor is not None else "—", format(ours, fmt),
             f"{ratio:.2f}×" if ratio is not None else "—", target, met]
    return "| " + " | ".join(cells) + " |"


def build_report(args, starts, cpu, late, writes, elapsed_s: float) -> str:
    window = f"{args.window:g} s"
    quick = args.window != 60
    app_all, floor_all = starts["app"], starts["floor"]
    app_s = [s for s in app_all if s.rss_kib]      # the pairs that idled 10 s
    floor_s = [s for s in floor_all if s.rss_kib]
    pair_ratios = [a.startup_s / f.startup_s for a, f in zip(app_all, floor_all)]
    hidden = [s for s in cpu if s.ring == "hidden"]
    visible = [s for s in cpu if s.ring == "visible"]
    late_ms = [v * 1000 for v in late.late_s]
    w_full, w_normal = writes["FULL"], writes["NORMAL"]
    lines = [
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()};"
        f" code: {args.code_before}"
        + ("." if code_state() == args.code_before and app_tree_digest() == args.digest_before
           else f" — **the app's files changed during the run** (now: {code_state()}).")
        + "",
        f"Command: `{' '.join(['python benchmarks/run.py', *sys.argv[1:]])}`"
        f" ({elapsed_s / 60:.1f} min). Medians of {args.runs} runs per figure unless said;"
        f" start-up: {len(app_all)} starts of each.",
        *([f"**Quick run: the CPU window is {window}, not 60 s; not comparable to the targets.**"]
          if quick else []),
        "",
        "| figure | floor (bare tray) | Micro-Session | ratio | target | met? |",
        "| --- | --- | --- | --- | --- | --- |",
        row("start → tray icon visible (s)", median(s.startup_s for s in floor_all),
            median(s.startup_s for s in app_all), ".3f", "≤ 1.15× floor", ratio_target=START_RATIO),
        row("RSS after 10 s idle (MiB)", median(s.rss_kib["VmRSS"] for s in floor_s) / 1024,
            median(s.rss_kib["VmRSS"] for s in app_s) / 1024, ".1f", "≤ 1.15× floor",
            ratio_target=RSS_RATIO),
        row(f"CPU over {window} of a running session, ring hidden (s)",
            median(s.floor_cpu_s for s in cpu), median(s.app_cpu_s for s in hidden), ".2f",
            f"≤ {CPU_HIDDEN_S} s", ceiling=CPU_HIDDEN_S, judge=not quick),
        row(f"CPU over {window} of a running session, ring visible (s)",
            median(s.floor_cpu_s for s in cpu), median(s.app_cpu_s for s in visible), ".2f",
            f"≤ {CPU_VISIBLE_S} s", ceiling=CPU_VISIBLE_S, judge=not quick),
        row(f"end event vs deadline, median of {len(late_ms)} sessions (ms)", None,
            median(late_ms), ".1f", f"≤ {LATE_MEDIAN_MS:g} ms", ceiling=LATE_MEDIAN_MS),
        row(f"end event vs deadline, max of {len(late_ms)} sessions (ms)", None, max(late_ms),
            ".1f", f"≤ {LATE_MAX_MS:g} ms", ceiling=LATE_MAX_MS),
        row(f"end-of-session write, median of {args.write_samples} (ms)", None,
            median(w_full["total"]), ".2f", f"≤ {WRITE_MEDIAN_MS:g} ms", ceiling=WRITE_MEDIAN_MS),
        row(f"end-of-session write, p95 of {args.write_samples} (ms)", None,
            write_time.percentile(w_full["total"], 95), ".2f", "—"),
        "",
        "Details (medians):",
        f"- Start-up: median of the per-pair ratios {median(pair_ratios):.2f}× (range"
        f" {min(pair_ratios):.2f}–{max(pair_ratios):.2f}). The app's spawn → its"
        f" `process_start` record (the first line of `app.run()`)"
        f" {median(s.to_process_start_s for s in app_all) * 1000:.0f} ms; then → icon visible"
        f" {median(s.startup_s - s.to_process_start_s for s in app_all) * 1000:.0f} ms.",
        f"- RSS parts, app / floor (MiB): anon {median(s.rss_kib['RssAnon'] for s in app_s) / 1024:.1f}"
        f" / {median(s.rss_kib['RssAnon'] for s in floor_s) / 1024:.1f}, file"
        f" {median(s.rss_kib['RssFile'] for s in app_s) / 1024:.1f}"
        f" / {median(s.rss_kib['RssFile'] for s in floor_s) / 1024:.1f}.",
        f"- Idle, no session (the ~10 s before the RSS reading): CPU app"
        f" {median(s.idle_cpu_s for s in app_s):.2f} s / floor {median(s.idle_cpu_s for s in floor_s):.2f} s;"
        f" wake-ups app {median(s.idle_wakeups for s in app_s):g} / floor {median(s.idle_wakeups for s in floor_s):g}.",
    ]
    for name, group in (("hidden", hidden), ("visible", visible)):
        events = sorted({k for s in group for k in s.trace_events})
        lines.append(
            f"- Session, ring {name}, over {window}: CPU by schedstat (ns-precise) app"
            f" {median(s.app_runtime_s for s in group) * 1000:.1f} ms / floor"
            f" {median(s.floor_runtime_s for s in group) * 1000:.1f} ms; wake-ups (voluntary"
            f" context switches, all threads) app {median(s.app_wakeups for s in group):g} /"
            f" floor {median(s.floor_wakeups for s in group):g}; app threads"
            f" {median(s.app_threads for s in group):g}; trace events in the window: "
            + (", ".join(f"{e} {median(s.trace_events.get(e, 0) for s in group):g}" for e in events)
               or "none") + ".")
    lines += [
        f"- End lateness: {len(late_ms)} sprints of 5 min at time scale {late.scale:g}× (1.5 s"
        f" each); the app's own `late_s` median {median(late_ms):.1f} ms, max {max(late_ms):.1f} ms;"
        f" cross-check from trace times {median(late.outside_s) * 1000:.1f} ms median;"
        f" menu retries {late.menu_retries}.",
        f"- Writes ({args.write_samples} sessions, {writes['fs']}): completing the row"
        f" {median(w_full['complete']):.2f} ms + the log row {median(w_full['log']):.2f} ms"
        f" (synchronous=FULL, the app's setting); with synchronous=NORMAL"
        f" {median(w_normal['total']):.2f} ms median, p95"
        f" {write_time.percentile(w_normal['total'], 95):.2f} ms.",
    ]
    return "\n".join(lines) + "\n"


def write_outputs(report: str, out: Path | None, update_readme: bool) -> None:
    if out is not None:
        out.write_text("# Latest benchmark results\n\n" + report)
        print(f"written: {out}")
    if update_readme and README.exists():
        text = README.read_text()
        pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.S)
        if pattern.search(text):
            README.write_text(pattern.sub(lambda m: f"{MARK_START}\n{report}{MARK_END}", text))
            print(f"updated: {README}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Micro-Session benchmarks against the bare-tray floor.")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5; at least 5 for the table)")
    parser.add_argument("--quick", action="store_true", help="CPU window of 10 s instead of 60 s; writes no files")
    parser.add_argument("--extra-starts", type=int, default=10, help="start-up pairs beyond --runs, without the 10-s idle (default 10)")
    parser.add_argument("--sessions", type=int, default=20, help="short sessions for the end lateness (default 20)")
    parser.add_argument("--write-samples", type=int, default=200, help="end-of-session writes timed (default 200)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the report (default: results.md for a full run)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (traces, logs)")
    args = parser.parse_args()
    args.window = 10.0 if args.quick else 60.0
    out = args.out or (None if args.quick else RESULTS)

    t_begin = time.monotonic()
    args.code_before, args.digest_before = code_state(), app_tree_digest()
    work = Path(tempfile.mkdtemp(prefix="microsession-bench-"))
    ok = False
    try:
        print(f"work folder: {work}")
        print(f"end-of-session writes ({args.write_samples} samples × FULL/NORMAL) ...")
        writes: dict = write_time.measure(work, args.write_samples)
        writes["fs"] = write_time.filesystem_type(work)
        with figs.Desktop(work / "desktop") as desk:
            print(f"start → tray visible and RSS after 10 s idle ({args.runs} runs each, alternating;"
                  f" {args.extra_starts} more start-up pairs) ...")
            starts = figs.startup_and_rss(desk, work, args.runs, args.extra_starts)
            print(f"CPU over {args.window:g} s of a running session ({args.runs} runs × ring hidden/visible,"
                  " floor measured beside the app) ...")
            cpu = figs.session_cpu(desk, work, args.runs, args.window)
            print(f"end lateness over {args.sessions} short sessions ...")
            late = figs.end_lateness(desk, work, args.sessions)
        report = build_report(args, starts, cpu, late, writes, time.monotonic() - t_begin)
        print()
        print(report)
        write_outputs(report, out, update_readme=not args.quick and args.runs >= 5)
        ok = True
    finally:
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
