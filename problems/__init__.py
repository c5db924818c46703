"""The built-in catalog of test problems; each module registers its problems."""

from optcompare.problems import (  # noqa: F401
    classic2d,
    least_squares,
    multimodal,
    quadratics,
    reddi,
    rosenbrock,
    saddles,
)

OPTCOMPARE_CATALOG = True
