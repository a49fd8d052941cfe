"""`microsession status` time: what a status bar pays every second.

Wall time of whole processes, started one after another in turns (so load on the machine
falls on every kind alike), against the floor `python -c pass`:

* ``status --json`` with no app running (the issue's figure: at most 60 ms over the floor),
  by ``python -m microsession`` and by the installed ``microsession`` script when it exists;
* ``status --json`` with an app running for the same data folder (the socket's round trip),
  the app started offscreen (``QT_QPA_PLATFORM=offscreen``, no tray needed), unless
  ``--no-app``.

All runs share one empty data folder and runtime folder, and keep their compiled bytecode
(PYTHONPYCACHEPREFIX in the work folder), as an installed package does. Prints median, p10
and p90 in ms and the medians' difference from the floor.

Run: ``python benchmarks/status_time.py [--runs 40]`` (the project venv's Python).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_MS = 60.0


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def start_app(env: dict[str, str], work: Path) -> subprocess.Popen:
    app_env = {**env, "QT_QPA_PLATFORM": "offscreen", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={work}/no-bus"}
    proc = subprocess.Popen([sys.executable, "-m", "microsession"], env=app_env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = subprocess.run([sys.executable, "-m", "microsession", "status", "--json"], env=env,
                             capture_output=True, text=True)
        if out.returncode == 0 and json.loads(out.stdout)["app_running"]:
            return proc
        if proc.poll() is not None:
            raise SystemExit(f"the app exited ({proc.returncode})")
        time.sleep(0.05)
    proc.terminate()
    raise SystemExit("the app did not answer within 30 s")


def summary(samples: list[float]) -> tuple[float, float, float]:
    qs = statistics.quantiles(samples, n=10)
    return statistics.median(samples), qs[0], qs[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs of each kind (default 40)")
    parser.add_argument("--no-app", action="store_true", help="skip the figure with an app running")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ms-status-", dir="/tmp"))
    proc = None
    try:
        idle_env = {**os.environ, "MICROSESSION_DATA_DIR": str(work / "idle-data"), "XDG_RUNTIME_DIR": str(work)}
        idle_env.pop("MICROSESSION_TRACE", None)
        # Compiled bytecode kept, as an installed package has it (in the work folder: the
        # source tree is not written to).
        idle_env.pop("PYTHONDONTWRITEBYTECODE", None)
        idle_env["PYTHONPYCACHEPREFIX"] = str(work / "pyc")
        kinds: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass (floor)": ([sys.executable, "-c", "pass"], idle_env),
            "python -m microsession status --json, no app": (
                [sys.executable, "-m", "microsession", "status", "--json"], idle_env),
        }
        script = Path(sys.executable).with_name("microsession")
        if script.exists():
            kinds["microsession status --json (script), no app"] = ([str(script), "status", "--json"], idle_env)
        if not args.no_app:
            run_dir = work / "rt"
            run_dir.mkdir(mode=0o700)
            app_env = {**idle_env, "MICROSESSION_DATA_DIR": str(work / "app-data"), "XDG_RUNTIME_DIR": str(run_dir)}
            proc = start_app(app_env, work)
            kinds["python -m microsession status --json, app running"] = (
                [sys.executable, "-m", "microsession", "status", "--json"], app_env)
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        for kind, (argv, env) in kinds.items():  # warm the page cache and the .pyc files
            timed(argv, env)
        for _ in range(args.runs):
            for kind, (argv, env) in kinds.items():
                samples[kind].append(timed(argv, env))
        floor = statistics.median(samples["python -c pass (floor)"])
        print(f"{args.runs} runs each, ms (median, p10, p90; + over the floor's median)")
        for kind, values in samples.items():
            med, p10, p90 = summary(values)
            over = "" if kind.endswith("(floor)") else f"   +{med - floor:5.1f}"
            print(f"  {kind:<52} {med:6.1f} {p10:6.1f} {p90:6.1f}{over}")
        worst = max(statistics.median(v) - floor for k, v in samples.items() if "no app" in k)
        verdict = "met" if worst <= LIMIT_MS else "NOT met"
        print(f"no app running: +{worst:.1f} ms over `python -c pass` (limit +{LIMIT_MS:g} ms: {verdict})")
        return 0 if worst <= LIMIT_MS else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
