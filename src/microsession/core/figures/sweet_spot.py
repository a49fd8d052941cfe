"""The sweet spot (F12): the session length after which energy stays highest. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from microsession.core.figures.metrics import BUCKET_LABELS, BUCKETS, Mean, SessionRow, energy_by_bucket

SWEET_MIN_DAYS = 14  # distinct days with a counted focus session
SWEET_MIN_RATED = 5  # rated sessions for a bucket to be considered
SWEET_MIN_BUCKETS = 2  # buckets that must be considered (nothing to compare otherwise)


@dataclass(frozen=True)
class SweetSpot:
    """The length bucket after which energy is highest, or why there is none yet.

    Rule: at least SWEET_MIN_DAYS distinct days with focus sessions, and at least
    SWEET_MIN_BUCKETS buckets with SWEET_MIN_RATED rated sessions each; the pick is the
    bucket with the highest mean energy among those (ties: the shorter). Confidence:
    "high" when the pick and the runner-up both have 15+ ratings and differ by 0.5+,
    "medium" with 8+ ratings each and 0.3+, otherwise "low".
    """

    bucket: str | None
    mean: float | None = None
    samples: dict[str, int] = field(default_factory=dict)  # rated sessions per bucket
    confidence: str = ""  # high | medium | low ("" without a pick)
    days_missing: int = 0  # days of data still needed
    reason: str = ""

    @property
    def text(self) -> str:
        if self.bucket is None:
            return self.reason
        n = self.samples[self.bucket]
        return (f"Sweet spot: {BUCKET_LABELS[self.bucket]} — energy {self.mean:.1f} after "
                f"{n} rated sessions ({self.confidence} confidence)")


def sweet_spot(rows: Iterable[SessionRow]) -> SweetSpot:
    rows = list(rows)
    return sweet_spot_of(len({r.local_s // 86400 for r in rows if r.is_focus}), energy_by_bucket(rows))


def sweet_spot_of(days: int, by_bucket: dict[str, Mean]) -> SweetSpot:
    """The sweet spot from its two inputs: days with focus sessions, energy by length bucket."""
    samples = {b: m.n for b, m in by_bucket.items() if m.n}
    if days < SWEET_MIN_DAYS:
        missing = SWEET_MIN_DAYS - days
        return SweetSpot(None, samples=samples, days_missing=missing,
                         reason=f"Sweet spot: {missing} more day{'s' if missing != 1 else ''} of data")
    able = [b for b in BUCKETS if by_bucket[b].n >= SWEET_MIN_RATED]
    if len(able) < SWEET_MIN_BUCKETS:
        return SweetSpot(None, samples=samples, reason=(
            f"Sweet spot: rate at least {SWEET_MIN_RATED} sessions in {SWEET_MIN_BUCKETS} different lengths"
            " to compare them"))
    ranked = sorted(able, key=lambda b: (-by_bucket[b].mean, BUCKETS.index(b)))
    best, second = by_bucket[ranked[0]], by_bucket[ranked[1]]
    gap, least = best.mean - second.mean, min(best.n, second.n)
    confidence = "high" if least >= 15 and gap >= 0.5 else "medium" if least >= 8 and gap >= 0.3 else "low"
    return SweetSpot(ranked[0], best.mean, samples, confidence)
