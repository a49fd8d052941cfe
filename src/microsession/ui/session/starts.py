"""Starting sessions on tasks, batches and stacks, with the preparation and resume cards.

The tray menu, the task windows and the control socket all start sessions through here,
so every start gets the same checks, the same preparation card and the same resume card.
Each `start_*` raises ValueError with a sentence for the user when it cannot start.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from microsession.core.errors import NotFound
from microsession.core.events import SessionInfo, Tags
from microsession.core.format import KIND_LABELS, kind_for_minutes
from microsession.core.session import Action
from microsession.core.stacks import Stack
from microsession.core.tasks import Task, batch_for, resume_text, type_label
from microsession.store import settings as settings_store
from microsession.store import tasks as task_store
from microsession.trace import trace
from microsession.ui.session.controller import Controller

if TYPE_CHECKING:
    from microsession.ui.session.prep_card import PrepCard
    from microsession.ui.session.ring import RingWindow

PREP_SECONDS = 60.0
RECENT_TASKS = 8


class Starts(QObject):
    def __init__(self, controller: Controller, conn: sqlite3.Connection | None,
                 show_ring: Callable[[], None], ring: Callable[[], RingWindow | None]) -> None:
        super().__init__()
        self.c, self.conn = controller, conn
        self._show_ring, self._ring = show_ring, ring
        self._card: PrepCard | None = None
        self._pending: Callable[[], None] | None = None  # the start the card waits to make
        controller.started.connect(self._on_started)

    # --- what the menus offer ---------------------------------------------------------
    def recent_tasks(self) -> list[Task]:
        return task_store.recent_open(self.conn, RECENT_TASKS) if self.conn is not None else []

    def batch_types(self) -> list[tuple[str, str, int]]:
        """(slug, label, open tasks) of each type that has open tasks."""
        if self.conn is None:
            return []
        labels = {t.slug: t.label for t in task_store.list_types(self.conn)}
        return [(slug, labels.get(slug) or type_label(slug), n) for slug, n in task_store.open_counts_by_type(self.conn)]

    def stacks(self) -> list[Stack]:
        if self.conn is None:
            from microsession.core.stacks import TEMPLATES

            return list(TEMPLATES)
        from microsession.store import stacks as stack_store

        stack_store.seed_templates(self.conn)
        return stack_store.list_stacks(self.conn)[0]

    # --- starting -----------------------------------------------------------------------
    def start_minutes(self, minutes: float) -> None:
        self._check(minutes)
        self._prepare(minutes, "", lambda: self.c.start(minutes))

    def start_task(self, task_id: str) -> None:
        task = self._task(task_id)
        label = task.title
        self._check(task.minutes)
        self._prepare(task.minutes, label, lambda: self.c.start(task.minutes, None, task.id, label))

    def start_batch(self, task_type: str, minutes: float | None = None) -> None:
        if self.conn is None:
            raise ValueError("your tasks cannot be read right now")
        slug = task_store.resolve_type(self.conn, task_type)
        if slug is None:
            raise NotFound(f"no task type {task_type!r}")
        labels = {t.slug: t.label for t in task_store.list_types(self.conn)}
        batch = batch_for(task_store.open_of_type(self.conn, slug), slug, labels.get(slug, ""))
        minutes = minutes or self.c.settings.default_minutes
        self._check(minutes)
        tags = Tags(batch_type=slug, batch_task_ids=batch.task_ids)
        self._prepare(minutes, batch.label, lambda: self.c.start(minutes, None, None, batch.label, tags))

    def start_stack(self, name: str) -> None:
        stack = next((s for s in self.stacks() if s.name.casefold() == name.strip().casefold()), None)
        if stack is None:
            raise NotFound(f"no stack named {name!r}")
        self._check(stack.steps[0].minutes)
        self.c.start_stack(stack)
        self._show_ring()

    def tasks_of(self, info: SessionInfo) -> list[tuple[str, str]]:
        """(id, title) of the tasks a session was about, for the popup to tick off."""
        ids = list(info.tags.batch_task_ids) or ([info.task_id] if info.task_id else [])
        if not ids or self.conn is None:
            return []
        try:
            found = [task_store.get(self.conn, task_id) for task_id in ids]
        except sqlite3.Error:
            return []
        return [(t.id, t.title) for t in found if t is not None and not t.done]

    # --- checks ---------------------------------------------------------------------------
    def _check(self, minutes: float) -> None:
        if not 1 <= minutes <= 240:
            raise ValueError("minutes must be from 1 to 240")
        if not self.c.can(Action.START):
            raise ValueError("a session is already running")

    def _task(self, task_id: str) -> Task:
        if self.conn is None:
            raise ValueError("your tasks cannot be read right now")
        found = [t for t in task_store.find(self.conn, task_id) if t.is_open]
        if not found:
            raise NotFound(f"no open task {task_id!r}")
        if len(found) > 1:
            raise NotFound(f"{task_id!r} names {len(found)} tasks; give more of the id")
        return found[0]

    # --- the preparation card -------------------------------------------------------------
    def _prepare(self, minutes: float, label: str, start: Callable[[], None]) -> None:
        s = self.c.settings
        if not s.preparation or minutes < s.preparation_min_minutes:
            start()
            self._show_ring()
            return
        if self._card is None:
            from microsession.ui.session.prep_card import PrepCard

            self._card = PrepCard()
            self._card.start_now.connect(self._card_done)
            self._card.cancelled.connect(self._card_cancelled)
            self._card.checklist_edited.connect(self._save_checklist)
        self._pending = start
        what = label or KIND_LABELS[kind_for_minutes(minutes)]
        self._card.ask(f"Get ready: {minutes:g} min · {what}", s.preparation_checklist, PREP_SECONDS / self.c.scale)
        trace("prep_shown", minutes=minutes)

    def preparing(self) -> bool:
        return self._card is not None and self._card.isVisible()

    def _card_done(self) -> None:
        start, self._pending = self._pending, None
        trace("prep_done")
        if start is not None and self.c.can(Action.START):
            start()
            self._show_ring()

    def _card_cancelled(self) -> None:
        self._pending = None
        trace("prep_cancelled")

    def _save_checklist(self, text: str) -> None:
        from dataclasses import replace

        self.c.set_settings(replace(self.c.settings, preparation_checklist=text))
        if self.conn is not None:
            try:
                settings_store.save(self.conn, "preparation_checklist", text)
            except sqlite3.Error:
                pass  # kept for this run; the next save tries again

    # --- the resume card -------------------------------------------------------------------
    def _on_started(self, info: SessionInfo) -> None:
        text = None
        if info.task_id and self.conn is not None:
            try:
                text = resume_text(task_store.last_log(self.conn, info.task_id))
            except sqlite3.Error:
                text = None
        ring = self._ring()
        if ring is None and text:  # a card to show: the ring too
            self._show_ring()
            ring = self._ring()
        if ring is not None:
            ring.set_note(text or "")
        if text:
            trace("resume_card", task_id=info.task_id, text=text)
