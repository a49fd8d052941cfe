"""What to do with a session the store still shows as running at start-up.

The app was killed or crashed mid-session. Elapsed-clock readings do not survive a
reboot, so the decision is made on stored wall times: if the deadline passed while the
app was down the session is closed as `recovered` at its deadline; otherwise it goes on
with what is left (a paused one stays paused).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from microsession.core.events import Ended, Outcome, SessionInfo


@dataclass(frozen=True)
class Recovery:
    info: SessionInfo
    remaining_s: float  # > 0: resume the session with this much left
    ended: Ended | None  # set when the deadline had passed: store it, resume nothing


def recover(info: SessionInfo, now_utc: datetime) -> Recovery:
    if info.paused_at_utc is not None:
        ran = (info.paused_at_utc - info.started_utc).total_seconds() - info.paused_s
        left = min(info.planned_s, max(1.0, info.planned_s - ran))
        return Recovery(info, left, None)
    deadline = info.started_utc + timedelta(seconds=info.planned_s + info.paused_s)
    left = (deadline - now_utc).total_seconds()
    if left > 0:
        return Recovery(info, min(left, info.planned_s), None)
    ended = Ended(replace(info), Outcome.RECOVERED, deadline, info.planned_s)
    return Recovery(info, 0.0, ended)
