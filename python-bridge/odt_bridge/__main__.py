"""`python -m odt_bridge ...` (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
