"""Trigger rows (core.triggers.Rule as JSON), their last firing, and the energy-by-hour data
behind the peak hours offered in the trigger editor.

A row whose JSON cannot be read (a hand-edited or newer file) is listed as a `Damaged`
entry, never fatal, and never rewritten unless the user saves over it or removes it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from microsession.core import trigger_json
from microsession.core import triggers as core
from microsession.core.ids import new_id
from microsession.core.triggers import Rule
from microsession.store.sessions import iso, parse
from microsession.store.triggers_on import any_enabled  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from microsession.core.figures.metrics import Mean


@dataclass(frozen=True)
class Damaged:
    id: str
    name: str
    reason: str


def _rule(r: sqlite3.Row) -> Rule | Damaged:
    try:
        return Rule(r["id"], r["name"], bool(r["enabled"]), trigger_json.condition_from_json(json.loads(r["condition"])),
                    trigger_json.suggestion_from_json(json.loads(r["suggestion"])), r["when_busy"])
    except (ValueError, TypeError, RecursionError) as exc:
        return Damaged(r["id"], str(r["name"]), " ".join(str(exc).split())[:200])


def list_all(conn: sqlite3.Connection) -> list[Rule | Damaged]:
    """Every rule in the editor's order (unreadable ones as Damaged)."""
    rows = conn.execute("SELECT * FROM triggers ORDER BY position, created_utc, id").fetchall()
    return [_rule(r) for r in rows]


def rules(conn: sqlite3.Connection, *, enabled_only: bool = False) -> list[Rule]:
    """The readable rules; with enabled_only, those that are on."""
    return [r for r in list_all(conn) if isinstance(r, Rule) and (r.enabled or not enabled_only)]


def get(conn: sqlite3.Connection, rule_id: str) -> Rule | Damaged | None:
    row = conn.execute("SELECT * FROM triggers WHERE id = ?", (rule_id,)).fetchone()
    return _rule(row) if row else None


def find(conn: sqlite3.Connection, id_or_prefix: str) -> list[Rule | Damaged]:
    text = id_or_prefix.strip().lower()
    if not text:
        return []
    rows = conn.execute("SELECT * FROM triggers WHERE substr(id, 1, ?) = ? ORDER BY id",
                        (len(text), text)).fetchall()
    return [_rule(r) for r in rows]


def new_rule(name: str, condition: core.Condition, suggestion: core.Suggestion, *, enabled: bool = True,
             when_busy: str = "wait") -> Rule:
    return Rule(new_id(), name.strip(), enabled, condition, suggestion, when_busy)


def add(conn: sqlite3.Connection, rule: Rule, now: datetime) -> None:
    conn.execute(
        "INSERT INTO triggers (id, name, enabled, kind, condition, suggestion, when_busy, position, created_utc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM triggers), ?)",
        (rule.id, rule.name, int(rule.enabled), rule.kind, json.dumps(trigger_json.condition_json(rule.condition)),
         json.dumps(trigger_json.suggestion_json(rule.suggestion)), rule.when_busy, iso(now)),
    )


def update(conn: sqlite3.Connection, rule: Rule) -> bool:
    """Store an edited rule; False when there is no such row. A changed condition forgets the
    last firing (no catch-up computed from another schedule)."""
    cur = conn.execute(
        "UPDATE triggers SET name = ?, enabled = ?, kind = ?, suggestion = ?, when_busy = ?,"
        " last_fired_utc = CASE WHEN condition = ? THEN last_fired_utc END, condition = ? WHERE id = ?",
        (rule.name, int(rule.enabled), rule.kind, json.dumps(trigger_json.suggestion_json(rule.suggestion)),
         rule.when_busy, *(2 * [json.dumps(trigger_json.condition_json(rule.condition))]), rule.id),
    )
    return cur.rowcount == 1


def set_enabled(conn: sqlite3.Connection, rule_id: str, enabled: bool) -> bool:
    cur = conn.execute("UPDATE triggers SET enabled = ? WHERE id = ?", (int(enabled), rule_id))
    return cur.rowcount == 1


def remove(conn: sqlite3.Connection, rule_id: str) -> bool:
    """Delete for good (a shipped rule too: the migration that seeded it never runs again)."""
    return conn.execute("DELETE FROM triggers WHERE id = ?", (rule_id,)).rowcount == 1


def mark_fired(conn: sqlite3.Connection, rule_id: str, at: datetime) -> None:
    conn.execute("UPDATE triggers SET last_fired_utc = ? WHERE id = ?", (iso(at), rule_id))


def last_fired(conn: sqlite3.Connection) -> dict[str, datetime]:
    rows = conn.execute("SELECT id, last_fired_utc FROM triggers WHERE last_fired_utc IS NOT NULL").fetchall()
    out = {}
    for rule_id, text in rows:
        try:
            out[rule_id] = parse(text)
        except ValueError:
            continue
    return out


# --- Energy data (F10) -------------------------------------------------------------------------

_LOCAL_DAY = "date(strftime('%s', s.started_utc) + s.started_offset, 'unixepoch')"


def rated_days(conn: sqlite3.Connection, since: datetime) -> int:
    """Local days with at least one energy rating after a focus session started since `since`."""
    row = conn.execute(
        f"SELECT count(DISTINCT {_LOCAL_DAY}) FROM sessions s JOIN session_logs l ON l.session_id = s.id"
        " WHERE s.kind != 'break' AND l.energy IS NOT NULL AND s.started_utc >= ?"
        " AND strftime('%s', s.started_utc) IS NOT NULL AND s.started_offset BETWEEN -86400 AND 86400",
        (iso(since),)).fetchone()
    return int(row[0] or 0)


ENERGY_WINDOW = timedelta(days=56)  # the ratings the offer is computed from: the last eight weeks


def energy_data(conn: sqlite3.Connection, now: datetime) -> tuple[dict[int, Mean], int]:
    """(energy by local hour, days rated) over the last ENERGY_WINDOW."""
    from microsession.store.metrics import energy_by_hour

    since = now - ENERGY_WINDOW
    return energy_by_hour(conn, since), rated_days(conn, since)
