"""The optimizer registry: PyTorch's optimizers, re-implemented over batches of runs.

Each module holds one family: its update rule in the docstring, a state record,
``init`` and ``update``.  ``OPTIMIZERS.get(name)`` returns an
:class:`~optcompare.optimizers.base.Optimizer`.
"""

from optcompare.optimizers import adadelta, adagrad, adam, adamax, nadam, rmsprop, rprop, sgd
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
):
    OPTIMIZERS.register(_opt.name, _opt)

#: The six classic optimizers that ``--opt all`` means.
CLASSIC = ("sgd", "adagrad", "adadelta", "rprop", "rmsprop", "adam")

__all__ = ["CLASSIC", "OPTIMIZERS", "Optimizer"]
