"""Packaging files: they parse, name one app id and icon, and the spec carries the data files.
Cheap checks only: no build here (packaging/README.md says how, and what it measured)."""

from __future__ import annotations

import configparser
import os
import plistlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from microsession.autostart import APP_ID

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
SPEC = ROOT / "packaging" / "pyinstaller" / "microsession.spec"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_file_and_metainfo_name_the_same_app():
    entry = desktop_entry()
    assert entry["Type"] == "Application" and entry["Exec"].split()[0] == "microsession"
    assert entry["Icon"] == APP_ID
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert root.find("icon").text == APP_ID
    assert root.find("provides/binary").text == "microsession"


def test_metainfo_release_matches_the_package_version():
    from microsession import __version__

    releases = ET.parse(METAINFO).getroot().findall("releases/release")
    assert releases and releases[0].get("version") == __version__


def test_macos_plist_is_a_menu_bar_app_with_our_id():
    info = plistlib.loads((ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True and info["CFBundleIdentifier"] == APP_ID
    assert "BUNDLE(" in SPEC.read_text() and "Info.plist" in SPEC.read_text()


def test_spec_carries_migrations_resources_and_the_lazy_cli_modules():
    text = SPEC.read_text(encoding="utf-8")
    assert "src/microsession/store/migrations/*.sql" in text and '"microsession/store/migrations"' in text
    for kind in ("png", "svg", "wav"):
        assert f"resources/*.{kind}" in text
    assert '"microsession/resources"' in text and 'collect_submodules("microsession")' in text
    compile(text, str(SPEC), "exec")  # at least valid Python
    # every data pattern matches files in the repository
    for pattern in re.findall(r'ROOT / "([^"]+\*[^"]*)"', text):
        assert list(ROOT.glob(pattern)), pattern
    assert (ROOT / "packaging" / "pyinstaller" / "launcher.py").is_file()


def test_install_script_lays_out_hicolor_icons_from_resources(tmp_path):
    env = dict(os.environ, DESTDIR=str(tmp_path))
    subprocess.run(["sh", str(LINUX / "install-data.sh"), "/usr"], env=env, check=True,
                   capture_output=True, timeout=60)
    share = tmp_path / "usr" / "share"
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        icon = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        data = icon.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == size  # the IHDR width matches the folder
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (share / "applications" / DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    assert (share / "metainfo" / METAINFO.name).is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="needs desktop-file-validate (apt: desktop-file-utils)")
def test_desktop_file_validates():
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="needs appstreamcli (apt: appstream)")
def test_metainfo_validates():
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not (ROOT / ".git").exists() or shutil.which("git") is None, reason="not a git checkout")
def test_build_output_is_ignored_by_git():
    for path in ("dist/microsession/microsession", "packaging/build/x", "build/microsession/x"):
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert done.returncode == 0, path


def test_the_launcher_names_the_window_class_and_the_metainfo_shows_screenshots():
    # Qt on X11 sets WM_CLASS to ("microsession", the application name): seen with xprop on the ring.
    app_name = re.search(r'setApplicationName\("([^"]+)"\)', (ROOT / "src/microsession/app.py").read_text())[1]
    assert desktop_entry()["StartupWMClass"] == app_name == "Micro-Session"
    shots = ET.parse(METAINFO).getroot().findall("screenshots/screenshot")
    assert len(shots) >= 2 and [s.get("type") for s in shots].count("default") == 1
    for shot in shots:
        url = shot.findtext("image")
        assert shot.findtext("caption") and url.startswith("https://")
        assert (ROOT / "docs" / "screenshots" / url.rsplit("/", 1)[1]).is_file(), url  # the picture is in the repo


def test_every_package_folder_is_in_the_wheel():
    """pyproject lists the packages by name: a new folder left out would be missing from a
    pip install (the editable one the tests use finds it all the same)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    folders = {".".join(p.parent.relative_to(src).parts) for p in (src / "microsession").rglob("__init__.py")}
    assert folders - listed == set()
