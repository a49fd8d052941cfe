"""An ICS subscription (Google's "secret address in iCal format", Outlook's "publish
calendar"): fetched with urllib, a timeout, ETag / If-Modified-Since, into a local copy in
the data folder (written atomically by store.export.write_file: a synced temporary file in
the same folder, then a rename),
so the last good copy keeps working offline. Never called on the UI thread, never at start-up.

Each failure is one sentence (CalendarError when there is no copy to fall back on; a note
"offline: …" when there is).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from microsession.schedule.calendar import MAX_BYTES, CalendarError

TIMEOUT_S = 15.0
CACHE_DIR = "calendars"
USER_AGENT = "microsession (calendar subscription)"


def cache_path(folder: Path, key: str) -> Path:
    """The local copy of a calendar (key: its address, and the user for CalDAV)."""
    import hashlib

    return Path(folder) / CACHE_DIR / (hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + ".ics")


def write_atomically(path: Path, data: bytes) -> None:
    """In the data folder's calendars/ (made user-only), by the export's one atomic writer."""
    from microsession.store.export import write_file

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_file(path, data)


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def _meta(path: Path) -> dict:
    try:
        data = json.loads(_meta_path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def looks_like_calendar(data: bytes) -> str | None:
    """Why this answer is not a calendar (one phrase), or None."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        return None
    if head.startswith((b"<!DOCTYPE HTML", b"<HTML", b"<?XML", b"<")):
        return "it gives a web page, not a calendar (use the iCal/.ics address)"
    return "its answer is not a calendar (no BEGIN:VCALENDAR)"


def http_problem(status: int) -> str:
    if status in (401, 403):
        return f"the server refused access (HTTP {status}); check the secret address or the password"
    if status == 404:
        return "there is no calendar at this address (HTTP 404)"
    if status >= 500:
        return f"the calendar server failed (HTTP {status}); it will be tried again"
    return f"the calendar server answered HTTP {status}"


def fetch(url: str, path: Path, timeout: float = TIMEOUT_S, now: datetime | None = None) -> str | None:
    """Bring the local copy `path` up to date from `url`. None when it is fresh; a note when
    the copy from earlier is used; CalendarError when there is no usable copy."""
    import socket
    import urllib.error
    import urllib.request

    meta = _meta(path)
    have_copy = path.exists()
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if have_copy and meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if have_copy and meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    problem = None

    class WebOnly(urllib.request.HTTPRedirectHandler):
        """Redirects are followed to http(s) addresses only (urllib would follow ftp:// too)."""

        def redirect_request(self, req, fp, code, msg, hdrs, newurl):
            if not newurl.lower().startswith(("http://", "https://")):
                raise urllib.error.URLError("it redirects to an address that is not a web address")
            return super().redirect_request(req, fp, code, msg, hdrs, newurl)

    opener = urllib.request.build_opener(WebOnly)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            data = answer.read(MAX_BYTES + 1)
            etag, modified = answer.headers.get("ETag"), answer.headers.get("Last-Modified")
        if len(data) > MAX_BYTES:
            problem = f"the calendar is larger than {MAX_BYTES // (1024 * 1024)} MB"
        else:
            problem = looks_like_calendar(data)
        if problem is None:
            write_atomically(path, data)
            stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
            write_atomically(_meta_path(path), json.dumps(
                {"url_hash": path.stem, "etag": etag, "last_modified": modified, "fetched_utc": stamp}).encode())
            return None
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and have_copy:
            return None
        problem = http_problem(exc.code)
    except (TimeoutError, socket.timeout):
        problem = f"the calendar server did not answer within {timeout:g} s"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            problem = f"the calendar server did not answer within {timeout:g} s"
        else:
            text = getattr(reason, "strerror", None) or str(reason)
            problem = f"cannot reach the calendar server ({' '.join(str(text).split())[:80]})"
    except (OSError, ValueError) as exc:  # a reset connection, a malformed address…
        problem = f"cannot fetch the calendar ({' '.join(str(exc).split())[:80]})"
    if have_copy:
        when = str(meta.get("fetched_utc", ""))[:16].replace("T", " ")
        return f"offline: {problem}; using the copy from {when or 'earlier'} UTC"
    raise CalendarError(problem)
