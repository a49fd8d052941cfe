import subprocess
import sys


def test_core_imports_no_qt_no_scheduler_no_sqlite():
    code = (
        "import sys, microsession.core, microsession.core.session, microsession.core.recovery,"
        " microsession.core.format, microsession.core.settings, microsession.core.logbook,"
        " microsession.core.stacks, microsession.core.rhythm,"
        " microsession.core.figures.metrics, microsession.core.figures.habits, microsession.core.figures.review_model,"
        " microsession.core.figures.sweet_spot, microsession.core.hooks, microsession.autostart,"
        " microsession.core.triggers, microsession.core.trigger_json, microsession.core.figures.energy;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler', 'sqlite3', '_sqlite3')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stacks_cli_imports_no_qt_no_scheduler(tmp_path):
    code = (
        "import sys, os; from microsession.cli import main;"
        f"os.environ['MICROSESSION_DATA_DIR'] = {str(tmp_path)!r};"
        "main(['stacks', 'list']); main(['tasks', 'add', 'x']); main(['stacks', 'list', '--json']);"
        "main(['stats', '--json']); main(['stats', '--day']); main(['stats', '--all']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_control_cli_imports_no_qt_no_sqlite(tmp_path):
    """`microsession status` is polled by status bars every second: no Qt, no SQLite, no app."""
    code = (
        "import sys, os; from microsession.cli import main;"
        f"os.environ['MICROSESSION_DATA_DIR'] = {str(tmp_path / 'data')!r};"
        f"os.environ['XDG_RUNTIME_DIR'] = {str(tmp_path)!r};"
        "main(['status']); main(['status', '--json']); main(['pause']); main(['start', '0']);"
        "import microsession.control.client, microsession.control.protocol, microsession.cli.control,"
        " microsession.control.instance;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler', 'sqlite3', '_sqlite3')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_data_cli_imports_no_qt_no_scheduler(tmp_path):
    """export / import / backup / restore run without a display; core.export_format is pure."""
    out = tmp_path / "e.json"
    code = (
        "import sys, os; from microsession.cli import main;"
        f"os.environ['MICROSESSION_DATA_DIR'] = {str(tmp_path / 'data')!r};"
        f"os.environ['XDG_RUNTIME_DIR'] = {str(tmp_path)!r};"
        "main(['tasks', 'add', 'x']); main(['export', '--out', " + repr(str(out)) + "]);"
        "main(['import', " + repr(str(out)) + "]); main(['backup']); main(['export', '--out', "
        + repr(str(tmp_path / 'csv')) + "]);"
        "import microsession.core.export_format;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    pure = ("import sys, microsession.core.export_format;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler', 'sqlite3', '_sqlite3')];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", pure], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_triggers_cli_imports_no_qt(tmp_path):
    """`triggers next` uses APScheduler's triggers and icalendar, never Qt."""
    code = (
        "import sys, os; from microsession.cli import main;"
        f"os.environ['MICROSESSION_DATA_DIR'] = {str(tmp_path)!r};"
        "main(['triggers', 'list']); main(['triggers', 'add', '--name', 'x', '--at', '9:00']);"
        "main(['triggers', 'next', '--json']); main(['triggers', 'list', '--json']);"
        "import microsession.schedule.jobs, microsession.schedule.calendar, microsession.schedule.idle;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
