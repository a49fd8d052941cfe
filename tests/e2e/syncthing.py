"""Two (or more) real Syncthing instances on 127.0.0.1 sharing one folder, for the sync tests.

Each instance has its own home (keys, config, index) and its own copy of the folder. The
config is written before the start: listening on tcp://127.0.0.1:PORT only, no global or local
discovery, no relays, no NAT, no usage or crash reporting, no upgrades; the other devices are
known by id and address; the folder rescans every few seconds and its watcher waits 1 s.
Readiness and "connected" are read from the REST API (the API key is set by us). Processes are
ours alone: stopped by their own pid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

FOLDER_ID = "microsession"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Syncthing:
    def __init__(self, workdir: Path, name: str) -> None:
        self.name = name
        self.home = workdir / f"st-{name}"
        self.folder = workdir / f"sync-{name}"
        self.folder.mkdir(parents=True)
        (self.folder / ".stfolder").mkdir()  # the marker Syncthing looks for
        self.gui_port, self.listen_port = free_port(), free_port()
        self.api_key = f"test-key-{name}-{os.getpid()}"
        self.env = {**os.environ, "HOME": str(workdir / f"home-{name}"), "STNOUPGRADE": "1",
                    "STNODEFAULTFOLDER": "1", "STNORESTART": "1", "all_proxy": "", "http_proxy": ""}
        out = subprocess.run(["syncthing", "generate", f"--home={self.home}", "--no-default-folder",
                              "--skip-port-probing"], env=self.env, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"syncthing generate failed: {out.stderr[-500:]}")
        self.device_id = ET.parse(self.home / "config.xml").getroot().find("device").get("id")
        self.proc: subprocess.Popen | None = None
        self.log = workdir / f"st-{name}.log"

    def configure(self, peers: list["Syncthing"]) -> None:
        path = self.home / "config.xml"
        tree = ET.parse(path)
        root = tree.getroot()
        options = root.find("options")
        for tag, value in {"listenAddress": f"tcp://127.0.0.1:{self.listen_port}", "globalAnnounceEnabled": "false",
                           "localAnnounceEnabled": "false", "relaysEnabled": "false", "natEnabled": "false",
                           "urAccepted": "-1", "urSeen": "3", "startBrowser": "false", "crashReportingEnabled": "false",
                           "autoUpgradeIntervalH": "0", "reconnectionIntervalS": "1", "announceLANAddresses": "false",
                           "setLowPriority": "false"}.items():
            element = options.find(tag)
            if element is None:
                element = ET.SubElement(options, tag)
            element.text = value
        gui = root.find("gui")
        gui.find("address").text = f"127.0.0.1:{self.gui_port}"
        gui.find("apikey").text = self.api_key
        for peer in peers:
            device = ET.SubElement(root, "device", id=peer.device_id, name=peer.name, compression="metadata",
                                   introducer="false", skipIntroductionRemovals="false", introducedBy="")
            ET.SubElement(device, "address").text = f"tcp://127.0.0.1:{peer.listen_port}"
            ET.SubElement(device, "paused").text = "false"
            ET.SubElement(device, "autoAcceptFolders").text = "false"
        folder = ET.SubElement(root, "folder", id=FOLDER_ID, label=FOLDER_ID, path=str(self.folder),
                               type="sendreceive", rescanIntervalS="5", fsWatcherEnabled="true",
                               fsWatcherDelayS="1", ignorePerms="false", autoNormalize="true")
        ET.SubElement(folder, "filesystemType").text = "basic"
        for device_id in [self.device_id] + [p.device_id for p in peers]:
            ET.SubElement(folder, "device", id=device_id, introducedBy="")
        ET.SubElement(folder, "minDiskFree", unit="%").text = "0"
        ET.SubElement(folder, "markerName").text = ".stfolder"
        root.find("options").find("minHomeDiskFree").text = "0"
        tree.write(path)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["syncthing", "serve", "--no-browser", "--no-restart", "--no-upgrade", f"--home={self.home}",
             f"--gui-address=http://127.0.0.1:{self.gui_port}", f"--gui-apikey={self.api_key}"],
            env=self.env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self._ping(), 60, f"syncthing {self.name}'s REST API")

    def _ping(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"syncthing {self.name} exited: {self.log.read_text(errors='replace')[-2000:]}")
        try:
            return self.rest("/rest/system/ping").get("ping") == "pong"
        except OSError:
            return False

    def rest(self, path: str, method: str = "GET", body: object = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.gui_port}{path}", data=data, method=method,
                                     headers={"X-API-Key": self.api_key})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else {}

    def connected(self, other: "Syncthing") -> bool:
        try:
            conns = self.rest("/rest/system/connections")["connections"]
        except OSError:
            return False
        return bool(conns.get(other.device_id, {}).get("connected"))

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class Pair:
    """Two instances that know each other and share FOLDER_ID; `a.folder` and `b.folder` are the
    two machines' copies of the sync folder."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("syncthing") is None:
            raise FileNotFoundError("syncthing")
        self.a, self.b = Syncthing(workdir, "a"), Syncthing(workdir, "b")
        self.a.configure([self.b])
        self.b.configure([self.a])

    def __enter__(self) -> "Pair":
        try:
            self.a.start()
            self.b.start()
            wait_until(lambda: self.a.connected(self.b) and self.b.connected(self.a), 90, "the two Syncthings to connect")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.a.stop()
        self.b.stop()
