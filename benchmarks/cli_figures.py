"""The figures that need no desktop, on ten years of history, each beside its floor.

Whole processes are timed in turns with their floor (``python -c pass`` for a command, a
plain ``json.load`` of the same file for an import), so machine load falls on both alike;
medians. Bytecode is kept (PYTHONPYCACHEPREFIX), as an installed package has it.

* ``status --json`` with no app (an empty data folder);
* ``stats --week --json`` and ``stats --all --json`` on the ten-year folder (upgraded first,
  as the app's first start after an update does, which fills the summaries), whole process
  and, for ``--all``, in-process (open, query, print: the issue's figure);
* ``import`` of the ten-year JSON export into an empty folder, whole process, in turns with two
  floors: ``json.load`` alone, and ``import_floor.py`` (``json.load``, then SQLite writing the
  same rows into a file of the same schema by itself, ``INSERT ... SELECT``: no check, no binding);
* the review window's first opening in the running app (benchmarks/review_open.py);
* one enabled trigger rule (benchmarks/trigger_cost.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import review_open
import trigger_cost
from history import generate

HERE = Path(__file__).resolve().parent
JSON_FLOOR = "import json, sys\nwith open(sys.argv[1], 'rb') as f: json.load(f)"


def _timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return took


def _pairs(kinds: dict[str, tuple[list[str], dict[str, str]]], runs: int,
           prepare=None) -> dict[str, list[float]]:
    """Each kind ``runs`` times, in turns (after one warm-up each); seconds."""
    out: dict[str, list[float]] = {k: [] for k in kinds}
    for i in range(-1, runs):
        for kind, (argv, env) in kinds.items():
            if prepare is not None:
                prepare(kind)
            took = _timed(argv, env)
            if i >= 0:
                out[kind].append(took)
    return out


def _in_process_ms(argv: list[str], runs: int) -> float:
    from microsession.cli import main as cli_main

    samples = []
    for i in range(runs + 1):
        with contextlib.redirect_stdout(io.StringIO()):
            t0 = time.perf_counter()
            assert cli_main(list(argv)) == 0
            took = (time.perf_counter() - t0) * 1000
        if i:
            samples.append(took)
    return statistics.median(samples)


def measure(work: Path, runs: int = 11, import_runs: int = 3, log=print) -> dict[str, dict]:
    py = sys.executable
    history = work / "history.sqlite3"
    log("  generating ten years of history ...")
    counts = generate(history)
    data = work / "cli-data"
    data.mkdir()
    shutil.copy(history, data / "microsession.sqlite3")
    base = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pycache"),
            "XDG_RUNTIME_DIR": str(work)}
    base.pop("MICROSESSION_TRACE", None)
    env = {**base, "MICROSESSION_DATA_DIR": str(data)}
    empty = {**base, "MICROSESSION_DATA_DIR": str(work / "cli-empty")}
    # The generator writes through the app's store, so every 16-day block is marked dirty, as
    # the app's own writes leave them until its daily process (`backup --daily`) refreshes them.
    t0 = time.perf_counter()
    _timed([py, "-m", "microsession", "backup", "--daily"], env)
    upgrade_s = time.perf_counter() - t0

    log(f"  status, stats --week, stats --all: {runs} runs each, in turns with python -c pass ...")
    cmds = _pairs({
        "floor": ([py, "-c", "pass"], base),
        "status": ([py, "-m", "microsession", "status", "--json"], empty),
        "week": ([py, "-m", "microsession", "stats", "--week", "--json"], env),
        "all": ([py, "-m", "microsession", "stats", "--all", "--json"], env),
    }, runs)
    all_in = _in_process_ms(["--data-dir", str(data), "stats", "--all", "--json"], runs)

    log(f"  export, then import into an empty folder: {import_runs} runs, in turns with json.load ...")
    export = work / "ten-years.json"
    _timed([py, "-m", "microsession", "export", "--out", str(export)], env)
    target = work / "import-data"

    written = work / "import-floor.sqlite3"

    def fresh(kind: str) -> None:
        if kind == "import":
            shutil.rmtree(target, ignore_errors=True)
        if kind == "write_floor":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{written}{suffix}").unlink(missing_ok=True)

    imports = _pairs({
        "floor": ([py, "-c", JSON_FLOOR, str(export)], base),
        "write_floor": ([py, str(HERE / "import_floor.py"), str(export), str(history), str(written)], base),
        "import": ([py, "-m", "microsession", "--data-dir", str(target), "import", str(export)], base),
    }, import_runs, prepare=fresh)

    log("  review window first open in the app (5 processes) ...")
    review = review_open.measure(history, 5, env=base)
    log("  one trigger rule enabled (5 processes) ...")
    rule = trigger_cost.measure(5)
    med = {k: statistics.median(v) for k, v in cmds.items()}
    return {
        "counts": counts, "upgrade_s": upgrade_s, "export_mb": export.stat().st_size / 1e6,
        "floor_s": med["floor"], "status_s": med["status"], "week_s": med["week"], "all_s": med["all"],
        "all_in_ms": all_in,
        "import_floor_s": statistics.median(imports["floor"]), "import_s": statistics.median(imports["import"]),
        "import_write_floor_s": statistics.median(imports["write_floor"]),
        "import_runs": import_runs, "runs": runs, "review": review, "rule": rule,
    }
