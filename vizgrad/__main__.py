"""``python -m vizgrad`` runs the command line."""

import sys

from .frontends.cli import main

sys.exit(main())
