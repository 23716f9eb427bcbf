"""`python -m cft_desktop` runs the command line (no arguments opens the window)."""

from cft_desktop.cli import main

raise SystemExit(main())
