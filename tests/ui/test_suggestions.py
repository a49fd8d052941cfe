"""The pending suggestion: offer, start, snooze (offered again later), dismiss."""

from microsession.core.triggers import Offer
from microsession.ui.suggestions import Suggestions

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
