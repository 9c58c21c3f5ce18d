"""``python -m ecgkit.predict``: the command line of :mod:`ecgkit.app.cli`."""
import sys

from ecgkit.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
