"""A CalDAV account as a calendar source (Nextcloud, Fastmail, iCloud, Radicale), with the
`caldav` library; the password lives in the system keyring (the `keyring` library), never in
the database or an export. Without a usable keyring (no Secret Service) the password is
refused rather than stored in plain text.

`fetch` merges the account's events (from a day ago to a year ahead) into one local .ics
copy beside the database, which CalendarSource reads like any file; on failure with a copy
from earlier it is used ("offline: …"). Runs off the UI thread only; imported on first use.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from microsession.schedule.calendar import CalendarError

SERVICE = "microsession-caldav"
NO_KEYRING = ("there is no system keyring (Secret Service) on this system, so the CalDAV password cannot be "
              "kept safely, and it is not stored in plain text")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _account(url: str, user: str) -> str:
    return f"{user}@{url}"


def _keyring():
    """The keyring module, when its backend keeps secrets safely; CalendarError otherwise."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:  # pragma: no cover - a runtime dependency
        raise CalendarError(NO_KEYRING) from None
    backend = keyring.get_keyring()
    name = (type(backend).__module__ + "." + type(backend).__name__).lower()
    if isinstance(backend, (fail.Keyring, null.Keyring)) or "plaintext" in name or "uncrypted" in name \
            or (hasattr(backend, "backends") and not backend.backends):
        raise CalendarError(NO_KEYRING)
    return keyring


def save_password(url: str, user: str, password: str) -> None:
    """Keep the password in the system keyring; CalendarError when that cannot be done safely."""
    kr = _keyring()
    try:
        kr.set_password(SERVICE, _account(url, user), password)
    except Exception as exc:  # noqa: BLE001 - keyring.errors.*, D-Bus errors
        raise CalendarError(f"the system keyring refused the password ({' '.join(str(exc).split())[:80]})") from None


def forget_password(url: str, user: str) -> None:
    try:
        _keyring().delete_password(SERVICE, _account(url, user))
    except Exception:  # noqa: BLE001 - nothing stored, or no keyring: nothing to forget
        pass


def forget_unused_password(conn, removed) -> None:
    """A removed CalDAV rule's password leaves the keyring, unless another rule uses that account."""
    from microsession.core.triggers import AfterEvents
    from microsession.store import triggers as store

    c = getattr(removed, "condition", None)
    if not isinstance(c, AfterEvents) or c.source != "caldav" or not c.path:
        return
    others = [r.condition for r in store.rules(conn) if isinstance(r.condition, AfterEvents)]
    if not any(o.source == "caldav" and (o.path, o.user) == (c.path, c.user) for o in others):
        forget_password(c.path, c.user)


def stored_password(url: str, user: str) -> str:
    kr = _keyring()
    try:
        found = kr.get_password(SERVICE, _account(url, user))
    except Exception as exc:  # noqa: BLE001
        raise CalendarError(f"the system keyring cannot be read ({' '.join(str(exc).split())[:80]})") from None
    if not found:
        raise CalendarError(f"no password is stored for {user} at this CalDAV server; enter it in the trigger editor")
    return found


def _problem(exc: Exception, timeout: float) -> str:
    from caldav.lib import error

    if isinstance(exc, error.AuthorizationError):
        return "the CalDAV server refused the user name or password (HTTP 401)"
    if isinstance(exc, error.NotFoundError):
        return "there is no CalDAV calendar at this address (HTTP 404)"
    text = (type(exc).__name__ + " " + str(exc)).lower()
    if "timeout" in text or "timed out" in text:
        return f"the CalDAV server did not answer within {timeout:g} s"
    if "connect" in text or "resolve" in text or "refused" in text:
        return "cannot reach the CalDAV server (is the address right, are you online?)"
    if "401" in text or "unauthorized" in text:
        return "the CalDAV server refused the user name or password (HTTP 401)"
    return f"the CalDAV server's answer is not a calendar ({' '.join(str(exc).split())[:80] or type(exc).__name__})"


def read_events(url: str, user: str, secret: str, timeout: float, now: datetime | None = None) -> bytes:
    """One VCALENDAR with the account's (or the addressed calendar's) events and time zones."""
    import caldav
    import icalendar

    now = now or datetime.now(timezone.utc)
    host = urlsplit(url).hostname or ""
    client = caldav.DAVClient(url=url, username=user, password=secret, timeout=int(max(1, timeout)),
                              require_tls=host not in LOOPBACK)  # a password goes in clear only to this machine
    with client:
        principal = client.principal()
        calendars = principal.calendars()
        wanted = [c for c in calendars if str(c.url).rstrip("/") == url.rstrip("/")] or calendars
        if not wanted:
            raise CalendarError("this CalDAV account has no calendars")
        merged = icalendar.Calendar()
        merged.add("PRODID", "-//microsession//caldav copy//EN")
        merged.add("VERSION", "2.0")
        if "@" in user:
            merged.add("X-WR-CALNAME", user)  # the owner, so that events they declined are skipped
        zones = set()
        for cal in wanted:
            for obj in cal.search(start=now - timedelta(days=1), end=now + timedelta(days=400), event=True):
                for comp in obj.icalendar_instance.subcomponents:
                    if comp.name == "VTIMEZONE":
                        if str(comp.get("TZID")) in zones:
                            continue
                        zones.add(str(comp.get("TZID")))
                    if comp.name in ("VEVENT", "VTIMEZONE"):
                        merged.add_component(comp)
        return merged.to_ical()


def fetch(url: str, user: str, copy: Path, timeout: float, now: datetime | None = None, *,
          password: str | None = None) -> str | None:
    """Bring the local copy up to date (see ics_fetch.fetch for what is returned or raised).
    `password`: already taken from the keyring; else it is read here."""
    from microsession.schedule import ics_fetch

    secret = password or stored_password(url, user)  # no password, no keyring: nothing to fall back on
    try:
        data = read_events(url, user, secret, timeout, now)
    except CalendarError:
        raise
    except Exception as exc:  # noqa: BLE001 - caldav, niquests and lxml raise many kinds
        problem = _problem(exc, timeout)
        if copy.exists():
            return f"offline: {problem}; using the copy from earlier"
        raise CalendarError(problem) from None
    ics_fetch.write_atomically(copy, data)
    return None
