"""The built-in catalog of test problems; each module registers its problems."""

from optcompare.problems import rosenbrock  # noqa: F401

OPTCOMPARE_CATALOG = True
