"""The soft chime: a short WAV played by the platform's own player (no QtMultimedia).

Volume is applied by scaling the samples into a cached temporary WAV, so every player plays
at the same level. Players are launched without a shell and reaped on the next play/close.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from microsession.resources import path as resource_path
from pathlib import Path

_log = logging.getLogger(__name__)

_STEPS = 20  # volume is cached in 5 % steps
_STUCK_S = 10.0  # a player still running after this long is ended before the next chime
_LINUX_PLAYERS = (("pw-play",), ("paplay",), ("aplay", "-q"))
NO_PLAYER = (
    "No sound player found (install pipewire, pulseaudio-utils or alsa-utils); the chime is off."
)


def default_wav() -> Path | None:
    """The packaged chime.wav, or None if it is missing."""
    try:
        path = resource_path("chime.wav")
        return path if path.is_file() else None
    except Exception:  # noqa: BLE001
        return None


def find_player() -> list[str] | None:
    """The command (without the file) of the first sound player found, [] for winsound."""
    if sys.platform == "win32":
        return []
    candidates = (("afplay",),) if sys.platform == "darwin" else _LINUX_PLAYERS
    for name, *args in candidates:
        found = shutil.which(name)
        if found:
            return [found, *args]
    return None


class Chime:
    """Plays the chime at a volume 0..1. ``available``/``reason`` say whether it can."""

    def __init__(self, wav: Path | None = None, player: list[str] | None = None) -> None:
        self._wav = wav if wav is not None else default_wav()
        self._player = player if player is not None else find_player()
        self._procs: list[tuple[subprocess.Popen[bytes], float]] = []
        self._cache: dict[int, Path] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.available = True
        self.reason = ""
        if self._wav is None or not self._wav.is_file():
            self._off("The chime sound file is missing; the chime is off.")
        elif self._player is None:
            self._off(NO_PLAYER)

    def play(self, volume: float) -> None:
        """Start the chime and return at once; 0 (or unavailable) is a silent no-op."""
        try:
            self._reap()
            step = _step(volume)
            if not self.available or step == 0:
                return
            if any(p.poll() is None for p, _ in self._procs):
                return  # one chime at a time: the last one is still sounding
            self._start(self._scaled(step))
        except Exception:  # noqa: BLE001 - a chime must never take the app down
            _log.exception("the chime failed")

    def close(self) -> None:
        """Stop and reap players and delete the temporary files."""
        try:
            for proc, _ in self._procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc, _ in self._procs:
                try:
                    proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._procs.clear()
            if sys.platform == "win32" and self._player == []:
                import winsound

                winsound.PlaySound(None, 0)
        except Exception:  # noqa: BLE001
            _log.exception("cannot stop the chime player")
        finally:
            self._cache.clear()
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def _off(self, reason: str) -> None:
        self.available, self.reason = False, reason

    def _start(self, path: Path) -> None:
        if self._player == []:
            import winsound

            flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
            winsound.PlaySound(str(path), flags)
            return
        assert self._player is not None
        try:
            proc = subprocess.Popen(
                [*self._player, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            self._off(f"The sound player {Path(self._player[0]).name} could not start ({exc}); "
                      "the chime is off.")
            return
        self._procs.append((proc, time.monotonic()))

    def _reap(self) -> None:
        """Forget finished players (poll() reaps them) and end one that seems stuck."""
        now = time.monotonic()
        for proc, started in self._procs:
            if proc.poll() is None and now - started > _STUCK_S:
                proc.kill()
                proc.wait()
        self._procs = [(p, t) for p, t in self._procs if p.poll() is None]

    def _scaled(self, step: int) -> Path:
        """The chime scaled to ``step``/_STEPS, written once per step."""
        assert self._wav is not None
        if step == _STEPS:
            return self._wav
        if step in self._cache:
            return self._cache[step]
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="microsession-chime-")
        path = Path(self._tmp.name) / f"chime-{step * 100 // _STEPS:03d}.wav"
        scale_wav(self._wav, path, step / _STEPS)
        self._cache[step] = path
        return path


def _step(volume: float) -> int:
    try:
        v = float(volume)
    except (TypeError, ValueError):
        return 0
    if math.isnan(v):
        return 0
    return round(min(max(v, 0.0), 1.0) * _STEPS)


def scale_wav(src: Path, dst: Path, factor: float) -> None:
    """Copy a 16-bit PCM WAV with every sample multiplied by ``factor`` (0..1)."""
    with wave.open(str(src), "rb") as inp:
        params = inp.getparams()
        if params.sampwidth != 2:
            raise ValueError(f"{src} is not 16-bit PCM")
        samples = array("h", inp.readframes(params.nframes))
    if sys.byteorder == "big":
        samples.byteswap()
    scaled = array("h", (round(s * factor) for s in samples))
    if sys.byteorder == "big":
        scaled.byteswap()
    with wave.open(str(dst), "wb") as out:
        out.setparams(params)
        out.writeframes(scaled.tobytes())
