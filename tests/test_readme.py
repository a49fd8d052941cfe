"""The README's set-up section tells a new user the truth: two commands, the system libraries,
what happens after launch, the same apt packages as `.ci/run`, no bare `python`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP = README[README.index("## Set up"):README.index("## Using it")]


def ci_apt_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "apt-get install" in line)
    words = line.split("apt-get install", 1)[1].split(">")[0].split()
    return {w for w in words if not w.startswith("-")}


def test_set_up_keeps_exactly_two_commands():
    blocks = re.findall(r"```sh\n(.*?)```", SETUP, re.S)
    assert [b.strip().count("\n") for b in blocks] == [0, 0], blocks
    assert blocks[0].strip().endswith(".venv/bin/microsession") and blocks[1].strip().endswith("-m pytest")


def test_set_up_names_the_system_libraries_the_chime_and_what_to_expect():
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1"):
        assert package in SETUP, package
    assert "Fedora" in SETUP and "xcb-util-cursor" in SETUP
    assert "pw-play" in SETUP and "paplay" in SETUP and "aplay" in SETUP
    assert "tray" in SETUP and "no window opens" in SETUP.lower() and "Quit" in SETUP


def test_the_e2e_package_list_is_the_one_ci_installs():
    said = SETUP.split("the packages `.ci/run` installs with apt — today `", 1)[1].split("`", 1)[0]
    assert set(said.split()) == ci_apt_packages(), "README and .ci/run list different packages"


def test_no_bare_python_and_the_time_scale_caveat():
    bare = [line for line in README.splitlines() if re.search(r"(^|[\s`(])python(\s|$)", line)]
    assert bare == [], bare  # Debian has python3 only; inside the venv, .venv/bin/python
    scale = README[README.index("MICROSESSION_TIME_SCALE=60"):][:600]
    assert "fresh data folder" in scale and "each launch" in scale
