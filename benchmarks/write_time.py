"""End-of-session write time, measured in-process on a real file with the app's own code.

What the app writes when a sprint ends: ``Journal.record([Ended])`` completes the session
row (one statement, so one transaction: ``sessions.complete``), and when the popup is
answered ``Journal.add_log`` inserts the log row (one more transaction). Both are timed
here through the same Journal, connection setup (``store.db.connect``: WAL, foreign keys,
synchronous=FULL, the migrations) and engine (``core.session.Engine`` on a ``FakeClock``)
the app uses. ``synchronous=NORMAL`` is measured beside it, in the same process, sample by
sample alternating, for comparison.

Run alone: ``python benchmarks/write_time.py [--samples 200] [--dir DIR]`` (DIR must be on
the disk the data folder lives on: a tmpfs makes fsync free and the figure meaningless).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.logbook import SessionLog
from microsession.core.session import Engine
from microsession.journal import Journal
from microsession.store import db

MODES = ("FULL", "NORMAL")
WARMUP = 10


class _Rig:
    """One database file, engine and journal, as the app builds them."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.conn = db.connect(path)  # the app's connection: WAL, FULL, migrated
        if synchronous != "FULL":
            self.conn.execute(f"PRAGMA synchronous = {synchronous}")
        assert self.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        self.clock = FakeClock()
        self.engine = Engine(self.clock)
        self.journal = Journal(self.conn, on_problem=self._fail)
        self.log = SessionLog("the middle of section 2", "write the conclusion", 4, False, False)

    @staticmethod
    def _fail(message: str) -> None:
        raise RuntimeError(f"a write failed during the benchmark: {message}")

    def one_session(self) -> tuple[float, float]:
        """Run a 15-min sprint to its end; return (complete_ms, log_ms)."""
        self.journal.record(self.engine.start(900, Kind.MICRO))  # the start row (not timed)
        self.clock.advance(900)
        ended = self.engine.tick()
        assert len(ended) == 1
        t0 = time.perf_counter_ns()
        self.journal.record(ended)  # completes the row: one transaction
        t1 = time.perf_counter_ns()
        self.journal.add_log(ended[0].session.id, self.log, self.clock.now_utc())  # one more
        t2 = time.perf_counter_ns()
        assert self.journal.pending == 0
        self.engine.skip_break()  # back to idle for the next sample
        self.clock.advance(60)
        return (t1 - t0) / 1e6, (t2 - t1) / 1e6

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def filesystem_type(path: Path) -> str:
    """The type of the file system holding ``path`` (ext4, tmpfs, ...)."""
    for argv in (["findmnt", "-n", "-o", "FSTYPE", "-T", str(path)],
                 ["stat", "-f", "-c", "%T", str(path)]):  # stat says "ext2/ext3" for ext4
        try:
            out = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        except FileNotFoundError:
            continue
        if out:
            return out
    return "unknown"


def measure(folder: Path, samples: int = 200) -> dict[str, dict[str, list[float]]]:
    """{mode: {"complete": [ms], "log": [ms], "total": [ms]}} for each synchronous mode."""
    rigs = {mode: _Rig(folder / f"writes-{mode.lower()}.sqlite3", mode) for mode in MODES}
    out = {mode: {"complete": [], "log": [], "total": []} for mode in MODES}
    try:
        for i in range(WARMUP + samples):
            order = MODES if i % 2 == 0 else MODES[::-1]  # alternate: noise hits both alike
            for mode in order:
                complete, log = rigs[mode].one_session()
                if i >= WARMUP:
                    out[mode]["complete"].append(complete)
                    out[mode]["log"].append(log)
                    out[mode]["total"].append(complete + log)
    finally:
        for rig in rigs.values():
            rig.close()
    return out


def summary(result: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """{mode: {"<part>_median": ms, "<part>_p95": ms}}."""
    return {mode: {f"{part}_{stat}": (statistics.median(v) if stat == "median" else percentile(v, 95))
                   for part, v in parts.items() for stat in ("median", "p95")}
            for mode, parts in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="folder for the temporary databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microsession-writes-", dir=args.dir) as tmp:
        print(f"filesystem: {filesystem_type(Path(tmp))}")
        for mode, stats in summary(measure(Path(tmp), args.samples)).items():
            print(f"synchronous={mode}: " + ", ".join(f"{k} {v:.3f} ms" for k, v in stats.items()))


if __name__ == "__main__":
    main()
