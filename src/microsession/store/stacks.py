"""Stacks the user keeps (the shipped templates, seeded once, and their own), in display order.

Each write is one transaction. A row whose JSON cannot be read is skipped and named in the
problems list, never a crash, and never rewritten behind the user's back.
"""

from __future__ import annotations

import json
import sqlite3

from microsession.core.stacks import TEMPLATES, Stack, from_json, to_json
from microsession.store.tasks import transaction

SEEDED_KEY = "stacks_seeded"  # a settings row: the templates were offered once, never again


def _text(stack: Stack) -> str:
    return json.dumps(to_json(stack), ensure_ascii=False)


def _read(name: str, text: str) -> Stack:
    """The stack in a row; the row's name wins over the one inside the JSON. ValueError if damaged."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        raise ValueError("its steps are not valid JSON") from None
    try:
        stack = from_json(data)
        return stack if stack.name == name else stack.renamed(name)
    except RecursionError:
        raise ValueError("its steps are nested too deeply") from None


def seed_templates(conn: sqlite3.Connection) -> bool:
    """Put core.stacks.TEMPLATES before the user's stacks, once per data file.

    A template the user deleted, renamed or edited later is never added back or overwritten,
    and a stack of the user's that has a template's name is kept as it is. True if it seeded now.
    """
    seeded = "SELECT 1 FROM settings WHERE key = ?"
    if conn.execute(seeded, (SEEDED_KEY,)).fetchone():  # the usual case: a read, no write lock
        return False
    with transaction(conn):
        if conn.execute(seeded, (SEEDED_KEY,)).fetchone():  # another process seeded meanwhile
            return False
        conn.execute("UPDATE stacks SET position = position + ?", (len(TEMPLATES),))
        conn.executemany(
            "INSERT OR IGNORE INTO stacks (name, json, position, builtin) VALUES (?, ?, ?, 1)",
            [(t.name, _text(t), i) for i, t in enumerate(TEMPLATES)])
        conn.execute("INSERT INTO settings (key, value) VALUES (?, 'true')", (SEEDED_KEY,))
    return True


def list_stacks(conn: sqlite3.Connection) -> tuple[list[Stack], list[str]]:
    """(stacks in display order, one problem sentence per row that cannot be read)."""
    stacks: list[Stack] = []
    problems: list[str] = []
    for row in conn.execute("SELECT name, json FROM stacks ORDER BY position, rowid"):
        try:
            stacks.append(_read(row[0], row[1]))
        except ValueError as exc:
            problems.append(f"The stack {row[0]!r} cannot be read ({exc}); it is left out.")
    return stacks, problems


def names(conn: sqlite3.Connection) -> list[str]:
    """Every stored name in display order, unreadable rows included (so they can be deleted)."""
    return [r[0] for r in conn.execute("SELECT name FROM stacks ORDER BY position, rowid")]


def get(conn: sqlite3.Connection, name: str) -> Stack | None:
    """The stack of that exact name; None when there is none or its row cannot be read."""
    row = conn.execute("SELECT name, json FROM stacks WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    try:
        return _read(row[0], row[1])
    except ValueError:
        return None


def _clash(conn: sqlite3.Connection, name: str, other_than: str | None) -> str | None:
    """The stored name that `name` would be confused with (same letters, any case), if any."""
    key = name.strip().casefold()
    for (stored,) in conn.execute("SELECT name FROM stacks"):
        if stored != other_than and stored.strip().casefold() == key:
            return stored
    return None


def save(conn: sqlite3.Connection, stack: Stack, old_name: str | None = None) -> None:
    """Insert a new stack (old_name None) or replace the stack called old_name, renaming it.

    ValueError when another stack already has the name (letter case does not count). An
    old_name that is no longer stored (deleted elsewhere meanwhile) saves the stack as new.
    """
    with transaction(conn):
        clash = _clash(conn, stack.name, old_name)
        if clash is not None:
            raise ValueError(f"there is already a stack named {clash!r}; choose another name")
        updated = old_name is not None and conn.execute(
            "UPDATE stacks SET name = ?, json = ? WHERE name = ?", (stack.name, _text(stack), old_name),
        ).rowcount == 1
        if not updated:
            conn.execute(
                "INSERT INTO stacks (name, json, position, builtin)"
                " VALUES (?, ?, (SELECT coalesce(max(position), -1) + 1 FROM stacks), 0)",
                (stack.name, _text(stack)))


def delete(conn: sqlite3.Connection, name: str) -> bool:
    """Remove a stack (a template too: it is the user's now); False if there was none."""
    with transaction(conn):
        return conn.execute("DELETE FROM stacks WHERE name = ?", (name,)).rowcount == 1


def move(conn: sqlite3.Connection, name: str, index: int) -> None:
    """Put a stack at `index` of the display order (clamped to the list); ValueError if unknown."""
    with transaction(conn):
        order = [r[0] for r in conn.execute("SELECT name FROM stacks ORDER BY position, rowid")]
        if name not in order:
            raise ValueError(f"no stack named {name!r}")
        order.remove(name)
        order.insert(max(0, min(int(index), len(order))), name)
        conn.executemany("UPDATE stacks SET position = ? WHERE name = ?",
                         [(i, n) for i, n in enumerate(order)])
