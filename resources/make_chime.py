"""Synthesise chime.wav: a soft, small bell (stdlib only, deterministic output).

Two sine partials (a fundamental and a slightly stretched octave that fades faster), a 15 ms
raised-cosine attack, exponential decay, a short fade-out, peak at -12 dBFS; 44.1 kHz mono
16-bit, 1.2 s. Run: ``python resources/make_chime.py [out.wav]``.
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from pathlib import Path

RATE = 44_100
SECONDS = 1.2
PEAK_DBFS = -12.0
ATTACK_S = 0.015
FADE_OUT_S = 0.08
# (frequency Hz, relative amplitude, decay time constant s)
PARTIALS = ((659.25, 1.0, 0.42), (1325.0, 0.32, 0.22))


def synthesise() -> array:
    """Return the chime as signed 16-bit samples."""
    n = round(RATE * SECONDS)
    raw = []
    for i in range(n):
        t = i / RATE
        value = sum(a * math.exp(-t / tau) * math.sin(2 * math.pi * f * t) for f, a, tau in PARTIALS)
        if t < ATTACK_S:
            value *= 0.5 - 0.5 * math.cos(math.pi * t / ATTACK_S)
        left = SECONDS - t
        if left < FADE_OUT_S:
            value *= 0.5 - 0.5 * math.cos(math.pi * left / FADE_OUT_S)
        raw.append(value)
    scale = 32767 * 10 ** (PEAK_DBFS / 20) / max(abs(v) for v in raw)
    return array("h", (round(v * scale) for v in raw))


def write(path: Path) -> None:
    """Write the chime to ``path``."""
    samples = synthesise()
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("chime.wav"))
