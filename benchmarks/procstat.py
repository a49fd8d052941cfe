"""What the kernel says about a process: CPU time, memory, wake-ups (Linux /proc only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all its threads, living or gone), in seconds.

    From /proc/<pid>/stat, fields 14 and 15, in clock ticks (1/SC_CLK_TCK s, 10 ms here).
    """
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields[0] is field 3 (state)
    return (utime + stime) / CLK_TCK


def _status(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and its parts (RssAnon, RssFile, RssShmem) in KiB, from /proc/<pid>/status."""
    status = _status(Path(f"/proc/{pid}/status"))
    return {k: int(status[k].split()[0]) for k in ("VmRSS", "RssAnon", "RssFile", "RssShmem")
            if k in status}


@dataclass(frozen=True)
class Activity:
    """Counters of all the living threads of a process at one moment."""

    voluntary: int      # voluntary context switches: the thread slept and was woken
    involuntary: int    # preempted
    runtime_ns: int     # time on CPU (schedstat): a ns-precise cross-check of cpu_seconds
    threads: int

    def __sub__(self, other: "Activity") -> "Activity":
        return Activity(self.voluntary - other.voluntary, self.involuntary - other.involuntary,
                        self.runtime_ns - other.runtime_ns, self.threads)


def activity(pid: int) -> Activity:
    """Sum over /proc/<pid>/task/*: /proc/<pid>/status alone counts the main thread only,
    and a Qt process has several (the xcb event reader, D-Bus, ...)."""
    vol = invol = runtime = threads = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = _status(task / "status")
            sched = (task / "schedstat").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended while we looked
        vol += int(status.get("voluntary_ctxt_switches", 0))
        invol += int(status.get("nonvoluntary_ctxt_switches", 0))
        runtime += int(sched[0])
        threads += 1
    return Activity(vol, invol, runtime, threads)


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
