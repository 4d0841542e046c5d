"""Run the command line: ``python -m familiekoordinering``."""

import sys

from familiekoordinering.cli import main

sys.exit(main())
