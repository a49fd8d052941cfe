import sys

from microsession.cli import main

sys.exit(main())
