"""The ``optcompare`` command line: parse and check the input, call the library, render.

Only this package talks to the terminal.  Every user mistake becomes one line on
stderr and exit code 2 (bad input) or 1 (the run failed); no traceback.  Heavy
modules (numpy, matplotlib, rich) are imported inside the commands, so
``optcompare --help`` starts fast.
"""

from optcompare.cli.main import main

__all__ = ["main"]
