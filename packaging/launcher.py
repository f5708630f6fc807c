"""Entry script of the frozen app (PyInstaller needs a script, not a module).

It lives outside the package on purpose: were `impilo_desktop/__main__.py` the script, its
folder would go on the search path and `impilo_desktop/secrets.py` would shadow the standard
library's `secrets` module inside the bundle.
"""

import sys

from impilo_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
