"""The chime: the WAV itself, volume scaling, player discovery and launching (no sound is heard)."""

from __future__ import annotations

import math
import sys
import time
import wave
from array import array
from pathlib import Path

import pytest

from microsession.ui.session.chime import NO_PLAYER, Chime, default_wav, scale_wav


def samples(path: Path) -> tuple[wave._wave_params, array]:
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        data = array("h", w.readframes(params.nframes))
    if sys.byteorder == "big":
        data.byteswap()
    return params, data


def peak(path: Path) -> int:
    return max(abs(s) for s in samples(path)[1])


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def make_chime():
    """Build Chimes that are closed after the test, whatever happens."""
    made: list[Chime] = []

    def make(**kwargs) -> Chime:
        made.append(Chime(**kwargs))
        return made[-1]

    yield make
    for chime in made:
        chime.close()


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake players are sh scripts")


@pytest.fixture
def fake_player(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only a `paplay` (macOS: `afplay`) that writes its arguments to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "player-args"
    script = bin_dir / ("afplay" if sys.platform == "darwin" else "paplay")
    # Write, then rename, so the test never reads a half-written file. PATH has no mv: -p.
    script.write_text(
        f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {out}.tmp && command -p mv {out}.tmp {out}\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return out


def test_the_packaged_chime_is_soft_short_mono_16_bit() -> None:
    wav = default_wav()
    assert wav is not None and wav.name == "chime.wav"
    assert wav.stat().st_size < 150_000
    params, data = samples(wav)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 44100)
    assert 0.8 <= params.nframes / params.framerate <= 2.0
    dbfs = 20 * math.log10(max(abs(s) for s in data) / 32767)
    assert -13.0 <= dbfs <= -11.0
    assert abs(data[0]) < 50 and abs(data[-1]) < 50  # soft attack, no click at the end
    attack = max(abs(s) for s in data[: int(0.005 * 44100)])
    assert attack < 0.5 * max(abs(s) for s in data)  # no hard onset within 5 ms


def test_make_chime_reproduces_the_committed_file(tmp_path: Path) -> None:
    import importlib

    make_chime = importlib.import_module("microsession.resources.make_chime")
    make_chime.write(tmp_path / "chime.wav")
    wav = default_wav()
    assert wav is not None
    (new_params, new), (old_params, old) = samples(tmp_path / "chime.wav"), samples(wav)
    assert new_params == old_params
    assert max(abs(a - b) for a, b in zip(new, old)) <= 1  # libm may differ by an ulp


def test_scaling_halves_the_peak(tmp_path: Path) -> None:
    wav = default_wav()
    assert wav is not None
    scale_wav(wav, tmp_path / "half.wav", 0.5)
    assert abs(peak(tmp_path / "half.wav") - peak(wav) / 2) <= 1
    assert samples(tmp_path / "half.wav")[0].nframes == samples(wav)[0].nframes


@posix_only
def test_no_player_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_chime) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    chime = make_chime()
    assert chime.available is False
    assert chime.reason == NO_PLAYER and chime.reason.endswith(".")
    chime.play(1.0)  # does nothing, raises nothing
    assert chime._procs == []
    chime.close()


@posix_only
def test_missing_wav(tmp_path: Path, fake_player: Path, make_chime) -> None:
    chime = make_chime(wav=tmp_path / "nope.wav")
    assert not chime.available and "missing" in chime.reason
    chime.play(1.0)
    chime.close()
    assert not fake_player.exists()


@posix_only
def test_play_runs_the_player_with_a_scaled_copy(fake_player: Path, make_chime) -> None:
    chime = make_chime()
    assert chime.available and chime.reason == ""
    chime.play(0.5)
    wait_for(fake_player.exists)
    args = fake_player.read_text().splitlines()
    assert len(args) == 1
    played = Path(args[0])
    assert played.is_file() and played != default_wav()
    assert abs(peak(played) - peak(default_wav()) / 2) <= 1
    wait_for(lambda: all(p.poll() is not None for p, _ in chime._procs))
    fake_player.unlink()
    chime.play(0.5)  # finished player reaped; the cached copy is reused
    wait_for(fake_player.exists)
    assert fake_player.read_text().splitlines() == args
    chime.close()
    assert chime._procs == []  # reaped, no zombies left behind
    assert not played.exists()  # the temporary directory is gone


@posix_only
def test_silent_volume_is_a_no_op(fake_player: Path, make_chime) -> None:
    chime = make_chime()
    for volume in (0, 0.0, -1, 0.01, float("nan")):
        chime.play(volume)
    assert chime._procs == []
    chime.close()
    assert not fake_player.exists()


@posix_only
def test_full_volume_plays_the_packaged_file(fake_player: Path, make_chime) -> None:
    chime = make_chime()
    chime.play(1.0)
    wait_for(fake_player.exists)
    assert fake_player.read_text().splitlines() == [str(default_wav())]
    chime.close()


@posix_only
def test_a_broken_player_turns_the_chime_off(tmp_path: Path, make_chime) -> None:
    chime = make_chime(player=[str(tmp_path / "vanished-player")])
    assert chime.available
    chime.play(0.7)  # OSError inside: no exception, the chime reports why it is off
    assert not chime.available and "could not start" in chime.reason
    chime.close()
