"""Render the ring window and the end-of-session popup offscreen into docs/*.png
(and docs/screenshots/ring-deep-work.png, popup-long-task.png).

Run: python docs/make_screenshots.py   (needs no display; uses the offscreen platform)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from microsession.ui.tray.icon_picture import tray_pixmap  # noqa: E402
from microsession.ui.palette import dark_palette, light_palette  # noqa: E402
from microsession.ui.session.ring import RingView, RingWindow  # noqa: E402

HERE = Path(__file__).resolve().parent
VIEW = RingView(
    phase="focus",
    fraction_left=754 / 900,  # 12:34 left of 15:00
    time_text="12:34",
    title="Focus",
    subtitle="Write the intro",
    step_text="step 2 of 5",
)


def render(dark: bool, hovered: bool = False) -> QPixmap:
    ring = RingWindow()
    ring.setPalette(dark_palette() if dark else light_palette())
    ring.render_view(VIEW)
    if hovered:
        ring._hovered = True  # a screenshot of the hover buttons only
    return ring.grab()


def on_backdrop(picture: QPixmap, backdrop: str, pad: int = 16) -> QPixmap:
    """The translucent card on a plain desktop-like backdrop, as a user would see it."""
    out = QPixmap(picture.width() + 2 * pad, picture.height() + 2 * pad)
    out.fill(QColor(backdrop))
    painter = QPainter(out)
    painter.drawPixmap(pad, pad, picture)
    painter.end()
    return out


def render_popup() -> QPixmap:
    """The popup half answered, as after ten seconds of typing."""
    from datetime import datetime, timezone

    from microsession.core.events import Ended, Kind, Outcome, SessionInfo
    from microsession.ui.session.end_popup import EndPopup

    start = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
    popup = EndPopup()
    popup.setPalette(light_palette())
    popup.ask(Ended(SessionInfo("demo", Kind.MICRO, 900.0, start), Outcome.COMPLETED, start, 900.0))
    popup.stopped_at.setText("Halfway through the intro's second paragraph")
    popup.next_step.setText("Tie the intro to the survey results")
    popup.energy.button(4).setChecked(True)
    return popup.grab()


def render_deep_work() -> QPixmap:
    """The ring 29 minutes into a 90-minute deep-work block: h:mm:ss fits whole."""
    ring = RingWindow()
    ring.setPalette(light_palette())
    ring.render_view(RingView("deep", 3659 / 5400, "1:00:59", "Deep work", "Chapter 3: the results", "", 3659))
    return ring.grab()


LONG_TASK = "Write the grant application's budget justification section for the committee"


def render_long_task_popup() -> QPixmap:
    """The popup of a session on a task whose name is longer than the popup is wide."""
    from datetime import datetime, timezone

    from microsession.core.events import Ended, Kind, Outcome, SessionInfo
    from microsession.ui.session.end_popup import EndPopup

    start = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
    popup = EndPopup()
    popup.setPalette(light_palette())
    popup.ask(Ended(SessionInfo("demo", Kind.MICRO, 1500.0, start, task_id="t1"), Outcome.COMPLETED, start, 1500.0),
              tasks=[("t1", LONG_TASK)])
    popup.stopped_at.setText("Staff costs done; travel next")
    popup.next_step.setText("Ask Dana for the travel quotes")
    popup.energy.button(3).setChecked(True)
    return popup.grab()


def main() -> int:
    _app = QApplication.instance() or QApplication(sys.argv)
    on_backdrop(render(dark=False), "#c9d2d8").save(str(HERE / "ring-light.png"))
    on_backdrop(render(dark=True), "#4b5560").save(str(HERE / "ring-dark.png"))
    if "--all" in sys.argv:  # extra pictures for reviewing, not committed
        on_backdrop(render(dark=True, hovered=True), "#4b5560").save("/tmp/ring-hover.png")
        strip = QPixmap(6 * 72, 72)
        strip.fill(QColor("#2b2f33"))
        painter = QPainter(strip)
        for i, phase in enumerate(("idle", "focus", "deep", "break", "paused", "done")):
            fraction = None if phase == "idle" else 0.7
            painter.drawPixmap(i * 72 + 4, 4, tray_pixmap(fraction, phase, 64, True))
        painter.end()
        strip.save("/tmp/tray-strip.png")
    render_popup().save(str(HERE / "popup.png"))
    on_backdrop(render_deep_work(), "#c9d2d8").save(str(HERE / "screenshots" / "ring-deep-work.png"))
    render_long_task_popup().save(str(HERE / "screenshots" / "popup-long-task.png"))
    print("saved", HERE / "ring-light.png", HERE / "ring-dark.png", HERE / "popup.png",
          HERE / "screenshots" / "ring-deep-work.png", HERE / "screenshots" / "popup-long-task.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
