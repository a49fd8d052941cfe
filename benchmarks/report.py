"""The benchmark table: every figure with its floor, ours and the ratio, from one run."""

from __future__ import annotations

import statistics

import write_time

# Targets (issue 3 and issue 11): a ratio to the floor, or an absolute ceiling.
START_RATIO = RSS_RATIO = PSS_RATIO = 1.10
RULE_MIB = 5.0
CPU_HIDDEN_S, CPU_VISIBLE_S = 0.02, 0.10
LATE_MEDIAN_MS, LATE_MAX_MS = 50.0, 200.0
WRITE_MEDIAN_MS = 5.0
STATUS_OVER_MS = 60.0
STATS_ALL_MS, IMPORT_S, REVIEW_MS = 100.0, 1.5, 50.0
MIB = 1024


def median(values) -> float:
    return statistics.median(list(values))


def row(figure: str, floor: float | None, ours: float, fmt: str, target: str, ok: bool | None = None,
        judge: bool = True) -> str:
    ratio = f"{ours / floor:.2f}×" if floor else "—"
    met = "— (quick)" if not judge and ok is not None else ("—" if ok is None else "yes" if ok else "**no**")
    cells = [figure, format(floor, fmt) if floor is not None else "—", format(ours, fmt), ratio, target, met]
    return "| " + " | ".join(cells) + " |"


def table(args, starts, mem, first, cpu, late, writes, cli) -> list[str]:
    window = f"{args.window:g} s"
    judge = args.window == 60
    floor_start, app_start = median(s.startup_s for s in starts["floor"]), median(s.startup_s for s in starts["app"])
    m = {k: {f: median(s[f] for s in v) / MIB for f in ("VmRSS", "Pss", "RssAnon", "RssFile")} for k, v in mem.items()}
    rule_rss = median(a["VmRSS"] - b["VmRSS"] for a, b in zip(mem["app_rule"], mem["app"])) / MIB
    rule_pss = median(a["Pss"] - b["Pss"] for a, b in zip(mem["app_rule"], mem["app"])) / MIB
    fa, ff = first["app"], first["floor"]
    hidden = [s for s in cpu if s.ring == "hidden"]
    visible = [s for s in cpu if s.ring == "visible"]
    floor_cpu = median(s.floor_cpu_s for s in cpu)
    late_ms = [v * 1000 for v in late.late_s]
    w_full = writes["FULL"]
    r, rv = cli["review"], cli["rule"]
    return [
        "| figure | floor | Micro-Session | ratio | target | met? |",
        "| --- | --- | --- | --- | --- | --- |",
        row("start → tray icon visible (s)", floor_start, app_start, ".3f", f"≤ {START_RATIO}× floor",
            app_start <= START_RATIO * floor_start),
        row("first tray-menu opening: click → menu window (ms)", median(s.menu_s for s in ff) * 1000,
            median(s.menu_s for s in fa) * 1000, ".0f", "—"),
        row("first tray-menu opening: RSS added (MiB)", median(s.menu_rss_kib for s in ff) / MIB,
            median(s.menu_rss_kib for s in fa) / MIB, ".2f", "—"),
        row("first session: click → ring shown (ms)", median(s.session_s for s in ff) * 1000,
            median(s.session_s for s in fa) * 1000, ".0f", "—"),
        row("first session: RSS added (MiB)", median(s.session_rss_kib for s in ff) / MIB,
            median(s.session_rss_kib for s in fa) / MIB, ".2f", "—"),
        row(f"RSS after {args.idle_s:g} s idle (MiB)", m["floor"]["VmRSS"], m["app"]["VmRSS"], ".1f",
            f"≤ {RSS_RATIO}× floor", m["app"]["VmRSS"] <= RSS_RATIO * m["floor"]["VmRSS"]),
        row(f"PSS after {args.idle_s:g} s idle (MiB)", m["floor"]["Pss"], m["app"]["Pss"], ".1f",
            f"≤ {PSS_RATIO}× floor", m["app"]["Pss"] <= PSS_RATIO * m["floor"]["Pss"]),
        row("RSS with one enabled trigger rule (MiB; floor: the app without)", m["app"]["VmRSS"],
            m["app_rule"]["VmRSS"], ".1f", f"≤ +{RULE_MIB:g} MiB (+{rule_rss:.1f})", rule_rss <= RULE_MIB),
        row(f"CPU over {window} of a running session, ring hidden (s)", floor_cpu,
            median(s.app_cpu_s for s in hidden), ".2f", f"≤ {CPU_HIDDEN_S} s",
            median(s.app_cpu_s for s in hidden) <= CPU_HIDDEN_S, judge),
        row(f"CPU over {window} of a running session, ring visible (s)", floor_cpu,
            median(s.app_cpu_s for s in visible), ".2f", f"≤ {CPU_VISIBLE_S} s",
            median(s.app_cpu_s for s in visible) <= CPU_VISIBLE_S, judge),
        row(f"end event vs deadline, median of {len(late_ms)} sessions (ms)", None, median(late_ms), ".1f",
            f"≤ {LATE_MEDIAN_MS:g} ms", median(late_ms) <= LATE_MEDIAN_MS),
        row(f"end event vs deadline, max of {len(late_ms)} sessions (ms)", None, max(late_ms), ".1f",
            f"≤ {LATE_MAX_MS:g} ms", max(late_ms) <= LATE_MAX_MS),
        row(f"end-of-session write, median of {args.write_samples} (ms)", None, median(w_full["total"]), ".2f",
            f"≤ {WRITE_MEDIAN_MS:g} ms", median(w_full["total"]) <= WRITE_MEDIAN_MS),
        row("`status --json`, no app, whole process (ms)", cli["floor_s"] * 1000, cli["status_s"] * 1000, ".1f",
            f"≤ floor + {STATUS_OVER_MS:g} ms", cli["status_s"] - cli["floor_s"] <= STATUS_OVER_MS / 1000),
        row("`stats --week --json`, ten years, whole process (ms)", cli["floor_s"] * 1000, cli["week_s"] * 1000,
            ".1f", "—"),
        row("`stats --all --json`, ten years, whole process (ms)", cli["floor_s"] * 1000, cli["all_s"] * 1000,
            ".1f", "—"),
        row("`stats --all --json`, ten years, in-process (ms)", None, cli["all_in_ms"], ".1f",
            f"≤ {STATS_ALL_MS:g} ms", cli["all_in_ms"] <= STATS_ALL_MS),
        row("import of the ten-year export into an empty folder (s)", cli["import_floor_s"], cli["import_s"], ".2f",
            f"≤ {IMPORT_S:g} s", cli["import_s"] <= IMPORT_S),
        row("import, against `json.load` + SQLite writing the same rows itself (s)", cli["import_write_floor_s"],
            cli["import_s"], ".2f", "—"),
        row("weekly review window, first open in the app (ms)", r["floor_ms"], r["first_ms"], ".1f",
            f"≤ {REVIEW_MS:g} ms", r["first_ms"] <= REVIEW_MS),
        "",
        "Floors: the bare tray (`bare_tray.py`, untraced for memory) for the desktop figures; `python -c pass`"
        " for commands; `json.load` of the same file for the import, and for its second row `import_floor.py`"
        " (`json.load`, then `INSERT … SELECT` of the same rows from the history file into a new file of the"
        " same schema: SQLite's own write, every constraint, no check and no binding in Python); an empty window of the review's size,"
        " shown and painted in the same app process, for the review.",
        "",
        "Details (medians):",
        f"- Start-up: {len(starts['app'])} starts of each, traced, in adjacent pairs (order alternating);"
        f" median of the per-pair ratios {median(a.startup_s / f.startup_s for a, f in zip(starts['app'], starts['floor'])):.2f}×."
        f" The app's spawn → `process_start` {median(s.to_process_start_s for s in starts['app']) * 1000:.0f} ms.",
        f"- Memory ({len(mem['app'])} runs of each, untraced, each program alone, read {args.idle_s:g} s after its"
        f" spawn), MiB: RSS floor {m['floor']['VmRSS']:.1f} / app {m['app']['VmRSS']:.1f} / app with a rule"
        f" {m['app_rule']['VmRSS']:.1f}; PSS {m['floor']['Pss']:.1f} / {m['app']['Pss']:.1f} / {m['app_rule']['Pss']:.1f};"
        f" anon {m['floor']['RssAnon']:.1f} / {m['app']['RssAnon']:.1f}; file {m['floor']['RssFile']:.1f} /"
        f" {m['app']['RssFile']:.1f}. One rule adds {rule_rss:.1f} MiB RSS, {rule_pss:.1f} MiB PSS (in-process,"
        f" `trigger_cost.py`: +{rv['rss_kib'] / MIB:.1f} MiB RSS, start {rv['ms']:.0f} ms).",
        f"- First menu, PSS added: floor {median(s.menu_pss_kib for s in ff) / MIB:.2f} / app"
        f" {median(s.menu_pss_kib for s in fa) / MIB:.2f} MiB; first session, PSS added: floor"
        f" {median(s.session_pss_kib for s in ff) / MIB:.2f} / app {median(s.session_pss_kib for s in fa) / MIB:.2f} MiB"
        f" ({len(fa)} runs of each, traced; the floor's session is its simplest ring: a frameless window"
        " painting one circle).",
        *[f"- Session, ring {name}, over {window}: CPU by schedstat app {median(s.app_runtime_s for s in g) * 1000:.1f} ms"
          f" / floor {median(s.floor_runtime_s for s in g) * 1000:.1f} ms; wake-ups app {median(s.app_wakeups for s in g):g}"
          f" / floor {median(s.floor_wakeups for s in g):g} ({len(g)} windows, each a fresh app with a fresh floor beside it)."
          for name, g in (("hidden", hidden), ("visible", visible))],
        f"- End lateness: {len(late_ms)} sprints at time scale {late.scale:g}×; cross-check from trace times"
        f" {median(late.outside_s) * 1000:.1f} ms; menu retries {late.menu_retries}. Writes ({writes['fs']}):"
        f" p95 {write_time.percentile(w_full['total'], 95):.2f} ms; synchronous=NORMAL median"
        f" {median(writes['NORMAL']['total']):.2f} ms.",
        f"- Ten years ({', '.join(f'{v:,} {k}' for k, v in cli['counts'].items())}): the daily process that"
        f" computes the summaries of all of it (and makes the backup) {cli['upgrade_s']:.2f} s, once;"
        f" the export {cli['export_mb']:.0f} MB; commands {cli['runs']} runs, import {cli['import_runs']};"
        f" review window opened again {r['again_ms']:.1f} ms.",
    ]
