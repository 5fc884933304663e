"""``python -m derive``: the same as the ``derive`` command."""
import sys

from ._cli import main

sys.exit(main())
