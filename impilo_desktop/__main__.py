"""`python -m impilo_desktop` runs the same entry point as the `impilo-desktop` command."""

import sys

from impilo_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
