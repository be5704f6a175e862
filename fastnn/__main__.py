"""``python -m fastnn``: the command line of :mod:`fastnn.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
