"""The weekly review window (F12): one week against the four before. Built when first opened.

Figures come from store.metrics.review (the rules are in core.figures.metrics / core.figures.review_model);
this window only lays them out. "Export PNG…" saves what it shows (`export_png(path)`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from microsession.core.figures import metrics as m
from microsession.core.clock import local_offset_s
from microsession.core.figures.review_model import ENERGY_WEEKS, Review
from microsession.ui.keys import close_on_escape
from microsession.ui.windows.review_charts import EnergyHeat, LengthBars, SessionBars

WINDOW_TITLE = "Micro-Session · Weekly review"


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _wrapping(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ReviewWindow(QWidget):
    def __init__(self, conn: sqlite3.Connection, now_utc: Callable[[], datetime],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("review_window")
        self.conn, self.now_utc = conn, now_utc
        self.weeks_back = 0
        self.review: Review | None = None
        self.first_week = None

        self.prev_button = QPushButton("◀ Previous week")
        self.next_button = QPushButton("Next week ▶")
        self.export_button = QPushButton("Export PNG…")
        self.title = _caption("")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prev_button.clicked.connect(lambda: self.show_week(self.weeks_back + 1))
        self.next_button.clicked.connect(lambda: self.show_week(self.weeks_back - 1))
        self.export_button.clicked.connect(self._export_clicked)
        top = QHBoxLayout()
        top.addWidget(self.prev_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.next_button)

        self.sentence = QLabel()
        self.sentence.setObjectName("sentence")
        font = self.sentence.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.sentence.setFont(font)
        self.comparison = _wrapping("comparison")
        self.figures = _wrapping("figures")
        self.bars = SessionBars()
        self.heat = EnergyHeat()
        self.lengths = LengthBars()
        self.sweet = _wrapping("sweet")
        self.peaks = _wrapping("peaks")
        self.never = _wrapping("never_finished")
        self.advice = _wrapping("suggestions")
        self.message = _wrapping("message")
        self.message.setVisible(False)

        energy = QGridLayout()
        energy.addWidget(_caption(f"Energy by hour (last {ENERGY_WEEKS} weeks)"), 0, 0)
        energy.addWidget(_caption("Energy by length (same weeks)"), 0, 1)
        energy.addWidget(self.heat, 1, 0)
        energy.addWidget(self.lengths, 1, 1, Qt.AlignmentFlag.AlignTop)
        legend = self.legend = QLabel("amber: low energy after sessions · green: high · grey: no rating")
        legend.setObjectName("heat_legend")  # in the normal text colour: a disabled grey is too faint to read
        energy.addWidget(legend, 2, 0, 1, 2)
        energy.setColumnStretch(0, 3)
        energy.setColumnStretch(1, 2)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.sentence)
        layout.addWidget(self.comparison)
        layout.addWidget(self.figures)
        self.bars_caption = _caption("Sessions per day")
        layout.addWidget(self.bars_caption)
        layout.addWidget(self.bars)
        layout.addLayout(energy)
        for label in (self.sweet, self.peaks, self.never, self.advice):
            layout.addWidget(label)
        layout.addStretch(1)
        layout.addLayout(bottom)
        # keyboard: Left / Right step through weeks, Ctrl+S exports, Escape closes
        for keys, slot in ((Qt.Key.Key_Left, self.prev_button.click), (Qt.Key.Key_Right, self.next_button.click),
                           (QKeySequence.StandardKey.Save, self._export_clicked)):
            QShortcut(QKeySequence(keys), self, slot)
        close_on_escape(self)
        self.prev_button.setToolTip("Previous week (Left)")
        self.next_button.setToolTip("Next week (Right)")
        self.export_button.setToolTip("Save this window as a PNG image (Ctrl+S)")
        self.resize(640, 640)
        self.show_week(0)

    def show_week(self, weeks_back: int) -> None:
        """Show the week `weeks_back` weeks before the current one (0: this week)."""
        from microsession.store import metrics as store

        self.weeks_back = max(0, weeks_back)
        now = self.now_utc()
        try:
            self.review = store.review(self.conn, now, local_offset_s(now), self.weeks_back)
            first = store.first_session_day(self.conn)
        except sqlite3.Error as exc:
            self.message.setText(f"Could not read your data: {exc}")
            self.message.setVisible(True)
            return
        self.message.setVisible(False)
        self.first_week = m.week_start(first) if first else None
        self._fill(self.review)

    def _fill(self, r: Review) -> None:
        last_day = r.week_end - timedelta(days=1)
        when = "This week" if self.weeks_back == 0 else "Last week" if self.weeks_back == 1 else "Week"
        self.title.setText(f"{when}: {r.week_start:%d %b} – {last_day:%d %b %Y}")
        self.prev_button.setEnabled(self.first_week is not None and r.week_start > self.first_week)
        self.next_button.setEnabled(self.weeks_back > 0)
        self.sentence.setText(r.sentence)
        self.comparison.setText(r.comparison)
        w = r.week
        before_focus = r.before_mean("focused_s")
        before_tasks = r.before_mean("tasks_finished")
        # Sessions as everywhere (stats too): "completed" of those "started" (a stop before a minute is neither);
        # focus time and interruptions count the stopped ones too.
        parts = [f"completed {w.sessions} of {w.counted} started (micro {w.micro}, deep work {w.deep})",
                 f"Tasks finished {w.tasks_finished}" + (f" (before: {before_tasks:.1f})" if before_tasks is not None else ""),
                 f"focus {m.duration_text(w.focused_s)}" + (f" (before: {m.duration_text(before_focus)})" if before_focus is not None else "")]
        if w.average_length_s is not None:
            parts.append(f"average session {m.duration_text(w.average_length_s)}")
        if w.average_energy is not None:
            parts.append(f"energy {w.average_energy:.1f}")
        if w.counted:
            parts.append(f"interrupted {w.interrupted} of {w.counted} started")
        parts.append(f"breaks {w.breaks}")
        self.figures.setText(" · ".join(parts))
        n = len(r.before)
        self.bars_caption.setText("Sessions per day" + (
            f" (grey: average of the {n} week{'s' if n != 1 else ''} before)" if n else ""))
        self.bars.set_data([d.completed for d in r.days], r.before_per_day)
        self.bars.setAccessibleName("Sessions per day: " + ", ".join(
            f"{d.day:%A} {d.completed}" for d in r.days))
        self.heat.set_data({k: (v.mean, v.n) for k, v in r.energy_heat.items() if v.n})
        self.lengths.set_data([(m.BUCKET_LABELS[b], v.mean, v.n) for b, v in r.energy_by_bucket.items()],
                              m.BUCKET_LABELS.get(r.sweet.bucket or ""))
        self.sweet.setText(r.sweet.text)
        self.peaks.setText(f"Peak hours: {r.peak_text}" if r.peaks else
                           "Peak hours: not enough rated sessions at one hour yet")
        self.never.setText(("Never finished: " + ", ".join(self._label(t) for t in r.never_finished))
                           if r.never_finished else "")
        self.never.setVisible(bool(r.never_finished))
        self.advice.setText("\n".join(f"• {s}" for s in r.suggestions))
        self.advice.setVisible(bool(r.suggestions))

    def _label(self, slug: str) -> str:
        from microsession.store import metrics as store

        try:
            return store.type_labels(self.conn).get(slug, slug)
        except sqlite3.Error:
            return slug

    def export_png(self, path: str | Path) -> bool:
        """Save the week as a PNG, without the window's buttons; False when it could not be written."""
        buttons = (self.prev_button, self.next_button, self.export_button)
        for button in buttons:  # hidden for the picture; their room kept, so nothing moves
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
            button.hide()
        try:
            return self.grab().save(str(path), "PNG")
        finally:
            for button in buttons:
                button.show()

    def _export_clicked(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # when asked: its import makes seven enum types (first open)

        r = self.review
        name = f"microsession-week-{r.week_start.isoformat()}.png" if r else "microsession-week.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export the week as PNG", str(Path.home() / name), "PNG image (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.export_png(path):
            self.message.setText(f"Could not save {path}")
            self.message.setVisible(True)
