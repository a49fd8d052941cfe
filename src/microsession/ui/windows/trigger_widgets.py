"""Small parts of the trigger editor: time and minute fields, and the peak hours offer (F10)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QTimeEdit, QWidget

from microsession.core.figures import energy
from microsession.core.triggers import HM
from microsession.store import settings as settings_store
from microsession.store import triggers as store


def system_idle_available() -> bool:
    from microsession.schedule.idle import system_source

    source = system_source()
    if source is not None and hasattr(source, "close"):
        source.close()
    return source is not None


def time_edit(hm: HM = (9, 0)) -> QTimeEdit:
    edit = QTimeEdit(QTime(*hm))
    edit.setDisplayFormat("HH:mm")
    return edit


def hm_of(edit: QTimeEdit) -> HM:
    return edit.time().hour(), edit.time().minute()


def spin(lo: int, hi: int, value: int, suffix: str = " min") -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def pair(a: QWidget, b: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(a, 1)
    layout.addWidget(b)
    return box


class PeakHoursOffer(QWidget):
    """"Your ratings of N days show peak hours 9-11: use them?" with Accept; hidden while fewer
    than 14 days are rated or the setting already says so."""

    accepted = Signal(str)  # the peak_hours setting just saved

    def __init__(self, conn: sqlite3.Connection, now_utc: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn, self.now_utc = conn, now_utc
        self.text, self.accept_button = QLabel(), QPushButton("Accept")
        self.text.setWordWrap(True)
        self.accept_button.clicked.connect(self.accept)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)
        self.suggested = ""
        self.refresh()

    def refresh(self) -> None:
        by_hour, days = store.energy_data(self.conn, self.now_utc())
        hours = energy.data_peak_hours(by_hour, days)
        self.suggested = energy.hours_setting(hours) if hours else ""
        current = settings_store.load(self.conn).get("peak_hours", "")
        offer = bool(self.suggested) and self.suggested != current
        if offer:
            self.text.setText(f"Your energy ratings of {days} days show peak hours {self.suggested}: "
                              "use them for demanding tasks?")
        self.setVisible(offer)

    def accept(self) -> None:
        if self.suggested:
            settings_store.save(self.conn, "peak_hours", self.suggested)
            self.accepted.emit(self.suggested)
            self.refresh()
