"""Entry script of the PyInstaller build: the same as `python -m microsession`."""

import sys

from microsession.cli import main

if __name__ == "__main__":
    sys.exit(main())
