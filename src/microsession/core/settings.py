"""User settings: names, defaults and validation. Stored by store.settings."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Spec:
    default: Any
    lo: float | None = None
    hi: float | None = None

    def check(self, value: Any) -> Any:
        """The value in the right type and range, or ValueError."""
        kind = type(self.default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("expected a finite number")
        try:
            value = kind(value)
        except OverflowError:  # an int beyond a float's range
            raise ValueError("expected a smaller number") from None
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ValueError(f"expected a value from {self.lo:g} to {self.hi:g}")
        return value


SPECS: dict[str, Spec] = {
    "default_minutes": Spec(15, 1, 240),
    "break_minutes": Spec(5, 1, 60),
    "chime": Spec(True),
    "chime_volume": Spec(0.6, 0.0, 1.0),
    "heads_up": Spec(False),
    "ring_on_top": Spec(True),
    "ring_x": Spec(-1, -100000, 100000),
    "ring_y": Spec(-1, -100000, 100000),
}


@dataclass(frozen=True)
class Settings:
    default_minutes: int = SPECS["default_minutes"].default
    break_minutes: int = SPECS["break_minutes"].default
    chime: bool = SPECS["chime"].default
    chime_volume: float = SPECS["chime_volume"].default
    heads_up: bool = SPECS["heads_up"].default  # a quiet notification a minute before the end
    ring_on_top: bool = SPECS["ring_on_top"].default
    ring_x: int = SPECS["ring_x"].default  # -1: not placed yet
    ring_y: int = SPECS["ring_y"].default

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> tuple["Settings", list[str]]:
        """Settings from stored values; bad or unknown keys fall back, reported as problems."""
        good: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in values.items():
            spec = SPECS.get(key)
            if spec is None:
                continue  # a key from a newer version: kept in the store, ignored here
            try:
                good[key] = spec.check(value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        return cls(**good), problems


assert {f.name for f in fields(Settings)} == set(SPECS), "Settings and SPECS must agree"
