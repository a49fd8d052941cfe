"""Micro-Session: a calm tray timer for focused micro-sessions."""

__version__ = "0.1.0"
