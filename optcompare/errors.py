"""The two kinds of failure a user can meet, so the CLI can map them to exit codes.

Library code raises these with a complete one-line message; the CLI prints the
message and exits 2 (``SpecError``: the input was wrong) or 1 (``RunError``:
the input was fine but the run could not be done, e.g. a disk error).
"""


class OptcompareError(Exception):
    """Base of every error optcompare reports to a user."""

    exit_code = 1


class SpecError(OptcompareError, ValueError):
    """A user-supplied name, value, spec or option is not allowed.

    When the value came from one parameter of a library function, ``param`` names
    it and the message says ``{p}`` wherever the parameter is named: a Python
    caller reads the parameter's name there (``seeds 0 is not allowed``), and the
    command line the flag that sets it (``--seeds 0 is not allowed``).
    """

    exit_code = 2

    def __init__(self, message: str, param: str | None = None) -> None:
        self.template, self.param = message, param
        super().__init__(self.naming(param) if param else message)

    def naming(self, name: str) -> str:
        """The message with the parameter called ``name``."""
        return self.template.replace("{p}", name)


class RunError(OptcompareError, RuntimeError):
    """A valid request failed while running or writing its results."""

    exit_code = 1
