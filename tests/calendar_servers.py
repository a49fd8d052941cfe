"""Servers the calendar tests talk to, all on 127.0.0.1: a scripted HTTP server for ICS
subscription addresses, a real Radicale (CalDAV) with a user and a password, and a real
keyring backend that keeps its secrets in memory."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time

import keyring
import pytest
from keyring.backend import KeyringBackend


class Server:
    """Answers each request with the next scripted step: (status, body) or 'hang'."""

    def __init__(self) -> None:
        self.steps: list = []
        self.seen: list[dict] = []
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.seen.append(dict(self.headers))
                step = outer.steps.pop(0)
                if step == "hang":
                    outer.release.wait(30)
                    return
                status, body, headers = step
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/calendar/secret-abcdef0123456789/basic.ics"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (the keyring API) that keeps its secrets in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    folder = tmp_path_factory.mktemp("radicale")
    (folder / "users").write_text("ana:s3cret\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
                             "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(folder / "users"),
                             "--auth-htpasswd-encryption", "plain", "--storage-filesystem-folder",
                             str(folder / "collections")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"radicale did not start: {proc.stderr.read().decode()[-500:]}")
            time.sleep(0.05)  # polling the port: a condition, not a fixed wait
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def memory_keyring():
    saved = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(saved)


