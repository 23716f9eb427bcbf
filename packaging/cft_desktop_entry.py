"""Entry script of the frozen bundle: the console script `cft-desktop` (cft_desktop.cli:main).

No arguments opens the window; subcommands (list, validate, render, play, ...) work as installed.
"""

import sys

from cft_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
