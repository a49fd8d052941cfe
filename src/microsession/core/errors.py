"""Errors that say what kind of problem the user has, beyond their one-line message."""

from __future__ import annotations


class NotFound(ValueError):
    """A task, task type, stack or rule named on the command line (or the control socket)
    matches nothing, or more than one: a bad argument (exit code 2), not a refusal (1)."""
