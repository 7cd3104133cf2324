"""``python -m opinionsim``: the ``opinionsim`` command (where the console script is not on PATH)."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
