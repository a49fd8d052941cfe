"""The control protocol, the socket's address, the instance lock and the client, without Qt
and without the app; the CLI's answers when no app runs."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from microsession.control import client as client
from microsession.control import instance as instance
from microsession.control import protocol as protocol

NOT_RUNNING = "Micro-Session is not running"


@pytest.fixture
def runtime(tmp_path, monkeypatch) -> Path:
    """A private, short runtime folder of our own (sockets need short paths)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="msrt-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def cli(tmp_path: Path, runtime: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "MICROSESSION_DATA_DIR": str(tmp_path / "data"), "XDG_RUNTIME_DIR": str(runtime)}
    return subprocess.run([sys.executable, "-m", "microsession", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


# --- the protocol ------------------------------------------------------------------------------
def test_requests_round_trip_through_one_line():
    line = protocol.encode(protocol.request("start", minutes=5))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.check_request(protocol.decode(line)) == {"cmd": "start", "minutes": 5}
    assert protocol.request("start", task="3f2a") == {"cmd": "start", "task": "3f2a"}
    assert protocol.request("status") == {"cmd": "status"}


@pytest.mark.parametrize("message, says", [
    ([], "JSON object"),
    ({"cmd": "dance"}, "unknown command"),
    ({"cmd": "pause", "minutes": 5}, "takes no"),
    ({"cmd": "start", "minutes": 5, "task": "ab"}, "not with a task"),
    ({"cmd": "start", "task": "ab", "type": "admin"}, "one of"),
    ({"cmd": "start", "minutes": 0}, "from 1 to 240"),
    ({"cmd": "start", "minutes": float("nan")}, "a number"),
    ({"cmd": "start", "minutes": True}, "a number"),
    ({"cmd": "start", "minutes": "5"}, "a number"),
    ({"cmd": "start", "stack": ""}, "text of 1"),
    ({"cmd": "start", "type": "x" * 500}, "text of 1"),
])
def test_bad_requests_are_refused_with_a_reason(message, says):
    with pytest.raises(protocol.ProtocolError, match=says):
        protocol.check_request(message)


@pytest.mark.parametrize("line", [b"not json", b"\xff\xfe", b"[" * 5000, b'{"cmd": "status"' + b" " * 5000])
def test_undecodable_or_oversized_lines_are_protocol_errors(line):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(line)


def test_replies_are_checked():
    assert protocol.check_reply({"ok": True, "status": {"state": "idle"}})["ok"]
    assert protocol.error("no\nsession   here") == {"ok": False, "error": "no session here"}
    for bad in ({"ok": "yes"}, {"ok": False}, {"ok": True, "status": []}, "ok"):
        with pytest.raises(protocol.ProtocolError):
            protocol.check_reply(bad)


def test_status_fields_and_the_waybar_ones():
    running = protocol.status("running", "focus", 299.4, "04:60", 0.75, "Focus", "Write report")
    assert running["text"] == "focus 04:60 · Write report" and running["class"] == "focus"
    assert running["percentage"] == 25 and running["app_running"] is True
    idle = protocol.not_running()
    assert idle["state"] == "idle" and idle["app_running"] is False and idle["text"] == "idle"
    assert protocol.format_status(running, "{state} {remaining} {task}") == "running 04:60 Write report"
    assert protocol.format_status(running, "{remaining_s:.0f}s {percentage}%") == "299s 25%"
    for bad in ("{nope}", "{state.__class__}", "{}", "{state", "{state!z}"):
        with pytest.raises(protocol.ProtocolError, match="--format"):
            protocol.format_status(running, bad)


# --- where the socket is ------------------------------------------------------------------------
def test_one_address_per_data_folder_however_it_is_spelled(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    monkeypatch.chdir(tmp_path)
    key = client.folder_key(tmp_path / "a")
    assert client.folder_key("a") == key == client.folder_key(str(tmp_path / "a") + "/")
    assert client.folder_key(tmp_path / "link") == key
    assert client.folder_key(tmp_path / "b") != key and len(key) == 16


def test_socket_in_the_runtime_folder_or_a_private_one_when_the_path_is_too_long(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    short = client.socket_path(tmp_path / "data")
    assert short.parent == tmp_path and short.name.startswith("ms-") and short.suffix == ".sock"
    deep = tmp_path / ("x" * 90)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fallback = client.socket_path(tmp_path / "data", create=True)
    assert fallback.parent == tmp_path / f"microsession-{os.getuid()}"
    assert fallback.name == short.name and len(os.fsencode(fallback)) <= client.MAX_SOCKET_PATH
    assert fallback.parent.stat().st_mode & 0o777 == 0o700
    fallback.parent.chmod(0o755)  # someone opened it up: not ours to trust
    with pytest.raises(client.ControlError, match="not a private folder"):
        client.socket_path(tmp_path / "data")


def test_windows_pipe_name_is_per_user_and_folder(tmp_path):
    name = client.pipe_name(tmp_path / "data", user="Ada")
    assert name.startswith("microsession-") and "\\" not in name and len(name) < 100
    assert client.pipe_name(tmp_path / "data", user="ada") == name  # Windows names ignore case
    assert client.pipe_name(tmp_path / "data", user="Bob") != name
    assert client.pipe_name(tmp_path / "other", user="Ada") != name


# --- the client against a peer --------------------------------------------------------------------
def serve_once(path: Path, answer: bytes | None) -> threading.Thread:
    """A bare peer on `path` that reads one request and sends `answer` (None: says nothing)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def run() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            conn.recv(protocol.MAX_LINE)
            if answer is not None:
                conn.sendall(answer)
                conn.close()
            else:
                conn.recv(1)  # until the client gives up

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_send_returns_the_reply_or_none_when_nobody_listens(tmp_path, runtime):
    folder = tmp_path / "data"
    assert client.send(folder, {"cmd": "status"}) is None
    thread = serve_once(client.socket_path(folder), b'{"ok": true, "status": {"state": "running"}}\n')
    assert client.send(folder, {"cmd": "status"})["status"]["state"] == "running"
    thread.join(10)


@pytest.mark.parametrize("answer, says", [(b"garbage\n", "not one line of JSON"), (b"", "without an answer"),
                                          (b'{"ok": 1}\n', "not understood"), (None, "did not answer")])
def test_a_peer_that_answers_badly_is_one_clear_error(tmp_path, runtime, answer, says):
    folder = tmp_path / "data"
    thread = serve_once(client.socket_path(folder), answer)
    with pytest.raises(client.ControlError, match=says):
        client.send(folder, {"cmd": "status"}, timeout=0.5)
    thread.join(10)


def test_a_stale_socket_file_means_not_running_and_is_replaced(tmp_path, runtime):
    folder = tmp_path / "data"
    path = client.socket_path(folder)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # what a kill -9 leaves: the file, nobody behind it
    assert path.exists() and client.send(folder, {"cmd": "status"}) is None
    claimed = instance.claim(folder)
    assert claimed is not None and not path.exists()  # removed at once: nobody is sent there
    claimed.listen()
    assert stat.S_ISSOCK(path.stat().st_mode) and path.stat().st_mode & 0o777 == 0o600
    claimed.close()
    assert not path.exists()


def test_the_lock_holder_is_the_instance_until_it_closes(tmp_path, runtime):
    folder = tmp_path / "data"
    first = instance.claim(folder)
    assert first is not None and instance.locked_by_another(folder)
    with pytest.raises(client.ControlError, match="does not answer"):
        instance.claim(folder, timeout=0.3)  # locked, no socket yet: still starting
    first.listen()
    with pytest.raises(client.ControlError, match="does not answer"):
        instance.claim(folder, timeout=0.3)  # locked, listening, but nobody answers here
    first.close()
    assert not instance.locked_by_another(folder)
    again = instance.claim(folder)
    assert again is not None
    again.close()


def test_accept_and_peer_on_plain_descriptors(tmp_path, runtime):
    claimed = instance.claim(tmp_path / "data")
    claimed.listen()
    try:
        assert instance.accept_unix(claimed.listen_fd) is None  # nobody waits: no blocking
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as peer:
            peer.connect(str(claimed.path))
            fd = instance.accept_unix(claimed.listen_fd)
            try:
                assert instance.peer_uid(fd) in (None, os.getuid())
                peer.sendall(b"hi")
                assert os.read(fd, 10) == b"hi"
                assert not os.get_inheritable(fd)
            finally:
                os.close(fd)
    finally:
        claimed.close()


RACER = textwrap.dedent("""
    import os, select, sys, time
    from pathlib import Path
    from microsession.control import instance as instance
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    claimed = instance.claim(Path(sys.argv[1]), timeout=20)
    if claimed is None:
        print("handed over", flush=True)
        sys.exit(0)
    print("instance", flush=True)
    claimed.listen()
    end = time.monotonic() + 20
    while time.monotonic() < end and not Path(sys.argv[3]).exists():  # answer as the app would
        if not select.select([claimed.listen_fd], [], [], 0.1)[0]:
            continue
        fd = instance.accept_unix(claimed.listen_fd)
        if fd is not None:
            os.set_blocking(fd, True)
            os.read(fd, 4096)
            os.write(fd, b'{"ok": true}\\n')
            os.close(fd)
    claimed.close()
""")


def test_two_launches_at_the_same_instant_leave_exactly_one_instance(tmp_path, runtime):
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    go, done = tmp_path / "go", tmp_path / "done"
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path / "data"), str(go), str(done)],
                              env=env, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    go.touch()
    try:
        firsts = [p.stdout.readline().strip() for p in procs]
    finally:
        done.touch()
        outs = [p.wait(timeout=30) for p in procs]
    assert sorted(firsts) == ["handed over", "handed over", "instance"]
    assert outs == [0, 0, 0]


# --- the command line with no app running --------------------------------------------------------
def test_status_without_an_app_says_idle_and_exits_0(tmp_path, runtime):
    text = cli(tmp_path, runtime, "status")
    assert (text.returncode, text.stdout, text.stderr) == (0, "idle\n", "")
    js = cli(tmp_path, runtime, "status", "--json")
    assert js.returncode == 0
    fields = json.loads(js.stdout)
    assert fields["state"] == "idle" and fields["app_running"] is False
    fmt = cli(tmp_path, runtime, "status", "--format", "[{state}] {remaining}")
    assert (fmt.returncode, fmt.stdout) == (0, "[idle]\n")
    assert not (tmp_path / "data").exists()  # asking writes nothing


@pytest.mark.parametrize("command", ["pause", "resume", "stop", "skip-break", "show", "quit"])
def test_other_commands_without_an_app_exit_1(tmp_path, runtime, command):
    out = cli(tmp_path, runtime, command)
    assert (out.returncode, out.stdout, out.stderr) == (1, "", NOT_RUNNING + "\n")


@pytest.mark.parametrize("args", [
    ["start", "0"], ["start", "abc"], ["start", "nan"], ["start", "500"], ["start", "5", "--task", "abcd"],
    ["start", "--task", "abcd", "--stack", "x"], ["start", "--stack", ""], ["status", "--format", "{nope}"],
    ["status", "--json", "--format", "{state}"], ["pause", "now"], ["status", "--format", "{state"],
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, runtime, args):
    out = cli(tmp_path, runtime, *args)
    assert out.returncode == 2, out
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_start_help_and_the_readme_show_the_synopsis_that_works(tmp_path, runtime):
    out = cli(tmp_path, runtime, "start", "--help")
    assert out.returncode == 0
    assert "start [MINUTES] [--type TYPE] | --task ID | --stack NAME" in out.stdout
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "microsession start [MINUTES] [--type TYPE] | --task ID | --stack NAME" in readme
    with_task = cli(tmp_path, runtime, "start", "5", "--task", "abcd")
    assert with_task.returncode == 2 and "its own length" in with_task.stderr
    assert protocol.request("start", minutes=20, type="admin") == {"cmd": "start", "minutes": 20, "type": "admin"}
