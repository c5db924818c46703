"""The built-in catalog of test problems; each module registers its problems."""

from . import (  # noqa: F401  (importing each module registers its problems)
    classic2d,
    drift,
    least_squares,
    logistic,
    mlp,
    multimodal,
    quadratics,
    reddi,
    rnn_cliff,
    rosenbrock,
    saddles,
)

OPTCOMPARE_CATALOG = True
