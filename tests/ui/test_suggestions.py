"""The pending suggestion: offer, start, snooze (offered again later), dismiss."""

from microsession.core.triggers import Offer
from microsession.ui.tray.suggestions import ACTIONS, Suggestions

COFFEE = Offer("r1", "Coffee planning", 5, "admin", label="planning")
DESK = Offer("r2", "Back at the desk", 10, "social-media")


def test_offer_then_start(qtbot):
    s = Suggestions()
    changes = []
    s.changed.connect(lambda: changes.append(s.pending))
    with qtbot.waitSignal(s.offered) as offered:
        s.offer(COFFEE)
    assert offered.args == [COFFEE] and s.pending == COFFEE
    assert s.menu_text() == "Suggested: Coffee planning: 5 min · planning"
    with qtbot.waitSignal(s.start_requested) as started:
        s.start()
    assert started.args == [COFFEE] and s.pending is None and s.menu_text() is None
    assert changes == [COFFEE, None]
    with qtbot.assertNotEmitted(s.start_requested):
        s.start()  # nothing pending: nothing to start


def test_a_new_offer_replaces_the_pending_one_and_dismiss_drops_it(qtbot):
    s = Suggestions()
    s.offer(COFFEE)
    s.offer(DESK)
    assert s.pending == DESK
    with qtbot.waitSignal(s.changed):
        s.dismiss()
    assert s.pending is None and s.snoozed is None


def test_snooze_offers_it_again_later(qtbot):
    s = Suggestions(snooze_ms_per_minute=10)  # ten minutes in 100 ms
    s.offer(COFFEE)
    s.snooze(10)
    assert s.pending is None and s.snoozed == COFFEE
    with qtbot.waitSignal(s.offered, timeout=10000) as again:
        pass
    assert again.args == [COFFEE] and s.pending == COFFEE and s.snoozed is None


def test_a_new_offer_cancels_a_snooze(qtbot):
    s = Suggestions(snooze_ms_per_minute=10)
    s.offer(COFFEE)
    s.snooze(10)
    s.offer(DESK)
    assert s.snoozed is None and s.pending == DESK  # the snoozed one will not come back


def test_a_fired_rule_reaches_the_menu_line_on_the_main_thread(qtbot, tmp_path):
    """A real QtScheduler job 1 s ahead -> TriggerService.suggested -> Suggestions.offer."""
    import threading
    from datetime import datetime, timedelta, timezone

    from microsession.core.clock import SystemClock
    from microsession.core.triggers import AtTime, Suggestion
    from microsession.schedule.start import start_if_needed
    from microsession.store import db
    from microsession.store import triggers as store

    conn = db.connect(tmp_path / "m.sqlite3")
    rule = store.new_rule("Stand-up", AtTime((4, 0)), Suggestion(10, "communication"))
    store.add(conn, rule, datetime.now(timezone.utc))
    service = start_if_needed(conn, SystemClock(), lambda: False)
    try:
        s = Suggestions()
        service.suggested.connect(s.offer)
        seen = []
        s.changed.connect(lambda: seen.append((s.menu_text(), threading.current_thread())))
        service.scheduler.modify_job(rule.id, next_run_time=datetime.now(timezone.utc) + timedelta(seconds=1))
        with qtbot.waitSignal(s.offered, timeout=15000):
            pass
        assert seen == [("Suggested: Stand-up: 10 min · communication", threading.main_thread())]
    finally:
        service.shutdown()
        conn.close()


def test_notification_actions_map_to_start_snooze_dismiss(qtbot):
    s = Suggestions(snooze_ms_per_minute=10)
    s.offer(COFFEE)
    assert s.notification() == ("Coffee planning", "5 min · planning", ACTIONS)
    assert [k for k, _ in ACTIONS] == ["trigger_start", "trigger_snooze", "trigger_dismiss"]
    assert s.answer("trigger_snooze") and s.snoozed == COFFEE and s.notification() is None
    with qtbot.waitSignal(s.offered, timeout=10000):
        pass
    assert not s.answer("start_break") and s.pending == COFFEE  # not ours: untouched
    assert s.answer("trigger_dismiss") and s.pending is None
    s.offer(DESK)
    with qtbot.waitSignal(s.start_requested) as started:
        assert s.answer("trigger_start")
    assert started.args == [DESK]


def test_the_notification_on_a_real_desktop_and_its_snooze_action(desktop, qtbot, tmp_path):
    """dunst on Xvfb shows the suggestion with its three actions; Snooze, picked from dunst's
    menu, comes back through the notifier to Suggestions."""
    import shutil
    import subprocess
    from pathlib import Path

    from microsession.ui.session.notify import make_notifier

    notifier = make_notifier(None)
    try:
        assert notifier.backend == "freedesktop"
        s = Suggestions()
        s.offered.connect(lambda _offer: notifier.notify(*s.notification()))
        notifier.action_invoked.connect(s.answer)
        with qtbot.waitSignal(notifier.delivered, timeout=10000):
            s.offer(COFFEE)
        qtbot.waitUntil(lambda: desktop.displayed() == 1, timeout=10000)
        shots = Path(__file__).resolve().parents[2] / "shots"
        if shutil.which("import"):  # imagemagick: the screen as the user sees it
            target = (shots if shots.is_dir() else tmp_path) / "trigger-notification.png"
            subprocess.run(["/usr/bin/import", "-window", "root", "-crop", "420x160+860+0", str(target)],
                           env=desktop.env, check=True, timeout=30)
        desktop.pick("trigger_snooze")
        with qtbot.waitSignal(notifier.action_invoked, timeout=10000) as blocker:
            desktop.context()
        assert blocker.args == ["trigger_snooze"] and s.snoozed == COFFEE and s.pending is None
        offered = (desktop.dir / "dmenu-input").read_text()
        assert ",trigger_start]" in offered and ",trigger_dismiss]" in offered
    finally:
        notifier.shutdown()
