"""What every subcommand module shares: the one-line error, the parser that raises it, argument types."""

from __future__ import annotations

import argparse
from datetime import date


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise CliError(message)


FIRST_DATE, LAST_DATE = date(1971, 1, 1), date(9000, 12, 31)  # room for look-back windows and arithmetic


def date_arg(text: str) -> date:
    """An argparse type: a calendar date like 2026-03-23, within FIRST_DATE..LAST_DATE."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-23, got {text!r}") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"expected a date from {FIRST_DATE} to {LAST_DATE}, got {text}")
    return value


def run_subcommand(group: str, handlers: dict, name: str | None, args: argparse.Namespace) -> int:
    """Run `group name`'s handler; a ValueError or an SQLite error becomes one line (exit 2)."""
    import sqlite3  # here: `status` must not pay for it

    handler = handlers.get(name)
    if handler is None:
        raise CliError(f"{group} needs a command: {', '.join(handlers)}")
    try:
        return handler(args)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except sqlite3.Error as exc:
        raise CliError(f"cannot use the data file: {exc}") from None


def int_from(low: int, high: int, what: str = "a number"):
    """An argparse type: a whole number from `low` to `high`, its error naming the real range."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} from {low} to {high}, got {text}")
        return value
    return parse


positive_int = int_from(1, 1_000_000)


def path_arg(text: str) -> str:
    """An argparse type: a file name that is not empty ('' would be read as the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got an empty text")
    return text
