"""The optimizer registry: PyTorch's optimizers, re-implemented over batches of runs.

Each module holds one family: its update rule in the docstring, a state record,
``init`` and ``update``.  ``OPTIMIZERS.get(name)`` returns an
:class:`~optcompare.optimizers.base.Optimizer`.
"""

from optcompare.optimizers import (
    adadelta,
    adagrad,
    adam,
    adamax,
    nadam,
    rmsprop,
    rprop,
    s2gd,
    sag,
    sarah,
    sgd,
    svrg,
)
from optcompare.optimizers.base import Optimizer
from optcompare.registry import Registry

OPTIMIZERS: Registry[Optimizer] = Registry("optimizer")
for _opt in (
    sgd.OPTIMIZER,
    adagrad.OPTIMIZER,
    adadelta.OPTIMIZER,
    rprop.OPTIMIZER,
    rmsprop.OPTIMIZER,
    adam.OPTIMIZER,
    adam.ADAMW,
    nadam.OPTIMIZER,
    adamax.OPTIMIZER,
    sag.OPTIMIZER,
    svrg.OPTIMIZER,
    s2gd.OPTIMIZER,
    sarah.OPTIMIZER,
    sarah.PLUS,
):
    OPTIMIZERS.register(_opt.name, _opt)

#: The six classic optimizers that ``--opt all`` means.
CLASSIC = ("sgd", "adagrad", "adadelta", "rprop", "rmsprop", "adam")

#: The variance-reduced methods on finite sums: they need a problem with the oracle
#: (component gradients), and their defaults depend on it (``finite_sum.fill``).
VARIANCE_REDUCED = {
    opt.name: module.DEFAULTS
    for module, opt in (
        (sag, sag.OPTIMIZER),
        (svrg, svrg.OPTIMIZER),
        (s2gd, s2gd.OPTIMIZER),
        (sarah, sarah.OPTIMIZER),
        (sarah, sarah.PLUS),
    )
}

__all__ = ["CLASSIC", "OPTIMIZERS", "VARIANCE_REDUCED", "Optimizer"]
