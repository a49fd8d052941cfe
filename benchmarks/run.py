"""Run every benchmark and print the table: ``python benchmarks/run.py [--runs 5] [--quick]``.

One private desktop (Xvfb + trayer + dunst, as the e2e tests use) for the desktop figures;
the app and the floor (``bare_tray.py``) are measured in the same run, alternating or side by
side, so that machine noise cancels in the ratio; the command-line figures (ten years of
history) each beside a floor of their own (benchmarks/cli_figures.py). A full run (about 13
minutes) writes ``benchmarks/results.md`` and the table in ``benchmarks/README.md``;
``--quick`` shortens the 60-s CPU window to 10 s (and then writes nothing, unless ``--out``).
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

import cli_figures
import desktop_figures as figs
import memory_figures
import report
import write_time

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
RESULTS = HERE / "results.md"
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"


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


def build_report(args, starts, mem, first, cpu, late, writes, cli, elapsed_s: float) -> str:
    same = code_state() == args.code_before and app_tree_digest() == args.digest_before
    lines = [
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}; code: {args.code_before}"
        + ("." if same else f" — **the app's files changed during the run** (now: {code_state()})."),
        f"Command: `{' '.join(['python benchmarks/run.py', *sys.argv[1:]])}` ({elapsed_s / 60:.1f} min)."
        f" Medians of {args.runs} runs per figure unless said. The machine (2 cores) is shared with other"
        " work: time figures are noisy, ratios of adjacent runs less so; memory is not affected by load.",
        *([f"**Quick run: the CPU window is {args.window:g} s, not 60 s; not comparable to the targets.**"]
          if args.window != 60 else []),
        "",
        *report.table(args, starts, mem, first, cpu, late, writes, cli),
    ]
    return "\n".join(lines) + "\n"


def write_outputs(text: str, out: Path | None, update_readme: bool) -> None:
    if out is not None:
        out.write_text("# Latest benchmark results\n\n" + text)
        print(f"written: {out}")
    if update_readme and README.exists():
        readme = README.read_text()
        pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.S)
        if pattern.search(readme):
            README.write_text(pattern.sub(lambda m: f"{MARK_START}\n{text}{MARK_END}", readme))
            print(f"updated: {README}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Micro-Session benchmarks against their floors.")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5; at least 5 for the table)")
    parser.add_argument("--quick", action="store_true", help="CPU window of 10 s instead of 60 s; writes no files")
    parser.add_argument("--starts", type=int, default=15, help="start-up pairs (default 15)")
    parser.add_argument("--cpu-runs", type=int, default=3, help="60-s CPU windows per ring condition (default 3)")
    parser.add_argument("--sessions", type=int, default=20, help="short sessions for the end lateness (default 20)")
    parser.add_argument("--write-samples", type=int, default=200, help="end-of-session writes timed (default 200)")
    parser.add_argument("--cli-runs", type=int, default=11, help="runs of each command (default 11)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the report (default: results.md for a full run)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (traces, logs)")
    args = parser.parse_args()
    args.window = 10.0 if args.quick else 60.0
    args.idle_s = memory_figures.IDLE_S
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
        print("command-line figures on ten years of history ...")
        cli = cli_figures.measure(work, args.cli_runs)
        with figs.Desktop(work / "desktop") as desk:
            print(f"start → tray visible ({args.starts} pairs, alternating, traced) ...")
            starts = figs.startup_and_rss(desk, work, 0, args.starts)
            print(f"memory after {args.idle_s:g} s idle ({args.runs} runs each: floor, app, app with a rule; untraced) ...")
            mem = memory_figures.idle_memory(desk, work, args.runs)
            print(f"first menu and first session ({args.runs} runs each, alternating) ...")
            first = memory_figures.first_use(desk, work, args.runs)
            print(f"CPU over {args.window:g} s of a running session ({args.cpu_runs} runs × ring hidden/visible,"
                  " floor measured beside the app) ...")
            cpu = figs.session_cpu(desk, work, args.cpu_runs, args.window)
            print(f"end lateness over {args.sessions} short sessions ...")
            late = figs.end_lateness(desk, work, args.sessions)
        text = build_report(args, starts, mem, first, cpu, late, writes, cli, time.monotonic() - t_begin)
        print()
        print(text)
        write_outputs(text, out, update_readme=not args.quick and args.runs >= 5)
        ok = True
    finally:
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
