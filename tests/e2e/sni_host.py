"""A StatusNotifierWatcher + host on a private D-Bus session bus, written with jeepney.

What a panel (KDE Plasma, GNOME's AppIndicator extension, waybar) does, reduced to what a
test needs:

* owns ``org.kde.StatusNotifierWatcher`` and answers its methods and properties
  (``RegisterStatusNotifierItem``, ``IsStatusNotifierHostRegistered`` = true, Introspect:
  Qt reads the property through a QDBusInterface, which introspects first);
* records every item that registers, and every signal an item or its dbusmenu sends
  (``NewIcon``, ``NewToolTip``, ``LayoutUpdated``, ``ItemsPropertiesUpdated``...) with the
  time it came, so a test can count the traffic per minute;
* calls the item like a panel does: properties (``IconPixmap``, ``ToolTip``, ``Menu``),
  ``Activate(x, y)``, and the menu's ``GetLayout``, ``AboutToShow`` and ``Event(id,
  "clicked")``. On the same connection as the signals: when a call returns, every signal
  the app sent before its reply has been recorded (the bus keeps one sender's order), so a
  test can count what an opening of the menu sent.

No pytest import: the benchmarks use it too. Used as ``with SniHost(bus_address) as host:``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, MessageType, Properties, message_bus
from jeepney import new_error, new_method_call, new_method_return, new_signal
from jeepney.io.blocking import open_dbus_connection

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"

_INTROSPECT = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{WATCHER}">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/></method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{{sv}}" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" direction="out"/></method>
  </interface>
</node>
"""


class SniHost:
    """The watcher and host. ``items``: "service/path" strings registered, in order;
    ``signals``: (monotonic time, sender, interface, member, body) of every item signal."""

    def __init__(self, bus_address: str) -> None:
        self.bus_address = bus_address
        self.items: list[str] = []
        self.registered_at: list[float] = []  # time.monotonic() of each registration
        self.signals: list[tuple[float, str, str, str, tuple]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._serve = open_dbus_connection(bus_address)
        self._send_lock = threading.Lock()
        self._replies: dict[int, list] = {}  # serial -> [threading.Event, reply or None]
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "SniHost":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> "SniHost":
        bus = message_bus
        for iface in (ITEM_IFACE, MENU_IFACE):
            rule = MatchRule(type="signal", interface=iface)
            self._serve.send_and_get_reply(bus.AddMatch(rule), timeout=5)
        reply = self._serve.send_and_get_reply(bus.RequestName(WATCHER, 4), timeout=5)  # 4: do not queue
        if reply.body[0] != 1:
            raise RuntimeError(f"could not own {WATCHER} (reply {reply.body[0]})")
        self._thread = threading.Thread(target=self._loop, name="sni-host", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self._serve.close()
        except OSError:
            pass

    # ------------------------------------------------------------------ serving
    def _loop(self) -> None:
        def handle(msg) -> None:
            if msg.header.message_type is MessageType.signal:
                self._record(msg)
            elif msg.header.message_type is MessageType.method_call:
                self._answer(msg)
            else:  # a reply to one of our calls
                waiting = self._replies.get(msg.header.fields.get(HeaderFields.reply_serial, -1))
                if waiting is not None:
                    waiting[1] = msg
                    waiting[0].set()

        serve(self._serve, self._stop, handle)

    def _record(self, msg) -> None:
        f = msg.header.fields
        iface = f.get(HeaderFields.interface, "")
        if iface in (ITEM_IFACE, MENU_IFACE):
            with self._lock:
                self.signals.append((time.monotonic(), f.get(HeaderFields.sender, ""), iface,
                                     f.get(HeaderFields.member, ""), tuple(msg.body)))

    def _send(self, msg, serial: int | None = None) -> None:
        with self._send_lock:
            self._serve.send(msg, serial=serial)

    def _call(self, msg, timeout: float = 10.0):
        with self._send_lock:
            serial = next(self._serve.outgoing_serial)
        waiting = self._replies[serial] = [threading.Event(), None]
        try:
            self._send(msg, serial)
            if not waiting[0].wait(timeout):
                raise TimeoutError(f"no reply to {msg.header.fields.get(HeaderFields.member)} in {timeout} s")
            return waiting[1]
        finally:
            del self._replies[serial]

    def _answer(self, msg) -> None:
        f = msg.header.fields
        iface, member = f.get(HeaderFields.interface, ""), f.get(HeaderFields.member, "")
        sender = f.get(HeaderFields.sender, "")
        if member == "Introspect":
            reply = new_method_return(msg, "s", (_INTROSPECT,))
        elif member == "RegisterStatusNotifierItem":
            service = msg.body[0]
            # Qt sends its well-known name; some apps send an object path (then: sender + path).
            item = f"{sender}{service}" if service.startswith("/") else f"{service}/StatusNotifierItem"
            with self._lock:
                self.items.append(item)
                self.registered_at.append(time.monotonic())
            reply = new_method_return(msg)
            self._send(reply)
            self._send(new_signal(DBusAddress(WATCHER_PATH, interface=WATCHER),
                                        "StatusNotifierItemRegistered", "s", (item,)))
            return
        elif member == "RegisterStatusNotifierHost":
            reply = new_method_return(msg)
        elif iface == "org.freedesktop.DBus.Properties" and member in ("Get", "GetAll"):
            props = {"RegisteredStatusNotifierItems": ("as", list(self.items)),
                     "IsStatusNotifierHostRegistered": ("b", True), "ProtocolVersion": ("i", 0)}
            if member == "GetAll":
                reply = new_method_return(msg, "a{sv}", (props,))
            elif msg.body[1] in props:
                reply = new_method_return(msg, "v", (props[msg.body[1]],))
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownProperty", "s", (msg.body[1],))
        else:
            reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (member,))
        self._send(reply)

    # ------------------------------------------------------------------ reading
    def item(self, timeout: float = 30.0) -> str:
        """The first registered item ("service/path"), waiting for it."""
        deadline = time.monotonic() + timeout
        while not self.items:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no SNI item registered in {timeout:.0f} s")
            time.sleep(0.02)
        return self.items[0]

    def signals_of(self, member: str, since: float = 0.0) -> list[tuple[float, str, str, str, tuple]]:
        with self._lock:
            return [s for s in self.signals if s[3] == member and s[0] >= since]

    def _address(self, item: str, iface: str, path: str | None = None) -> DBusAddress:
        service, _, item_path = item.partition("/")
        return DBusAddress(path or "/" + item_path, bus_name=service, interface=iface)

    def call(self, item: str, iface: str, member: str, signature: str = "", body: tuple = (),
             path: str | None = None, timeout: float = 10.0) -> tuple:
        msg = new_method_call(self._address(item, iface, path), member, signature, body)
        reply = self._call(msg, timeout=timeout)
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"{member} failed: {reply.header.fields.get(HeaderFields.error_name)} {reply.body}")
        return tuple(reply.body)

    def prop(self, item: str, name: str) -> Any:
        """An item property's value (the variant unpacked)."""
        addr = self._address(item, ITEM_IFACE)
        reply = self._call(Properties(addr).get(name))
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"Get {name} failed: {reply.body}")
        return reply.body[0][1]

    def activate(self, item: str, x: int = 0, y: int = 0) -> None:
        self.call(item, ITEM_IFACE, "Activate", "ii", (x, y))

    def menu_path(self, item: str) -> str:
        return self.prop(item, "Menu")

    def layout(self, item: str) -> tuple[int, dict]:
        """(revision, root) of the whole menu; each node: {"id", "props", "children"}."""
        revision, root = self.call(item, MENU_IFACE, "GetLayout", "iias", (0, -1, []),
                                   path=self.menu_path(item))
        return revision, _node(root)

    def about_to_show(self, item: str, menu_id: int = 0) -> bool:
        return bool(self.call(item, MENU_IFACE, "AboutToShow", "i", (menu_id,), path=self.menu_path(item))[0])

    def click(self, item: str, menu_id: int) -> None:
        self.call(item, MENU_IFACE, "Event", "isvu", (menu_id, "clicked", ("i", 0), 0),
                  path=self.menu_path(item))


def serve(conn, stop: threading.Event, handle: Callable[[Any], None]) -> None:
    """Receive on `conn` and hand each message to `handle` until `stop` is set or the bus goes."""
    while not stop.is_set():
        try:
            msg = conn.receive(timeout=0.1)
        except TimeoutError:
            continue
        except (OSError, EOFError, ValueError):
            return
        handle(msg)


def _node(raw) -> dict:
    menu_id, props, children = raw
    return {"id": menu_id, "props": {k: v[1] for k, v in props.items()},
            "children": [_node(child[1]) for child in children]}


def walk(node: dict):
    """Every node below `node`, depth first (not `node` itself)."""
    for child in node["children"]:
        yield child
        yield from walk(child)


def find_label(node: dict, label: str) -> dict | None:
    """The first node whose label, without mnemonics' underscores, starts with `label`."""
    return next((n for n in walk(node) if str(n["props"].get("label", "")).replace("_", "").startswith(label)), None)
