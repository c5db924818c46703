"""The gradient oracle of methods that build their own search direction.

Most optimizers take the gradient the problem lets them observe.  The
variance-reduced methods on finite sums (SAG, SVRG, SARAH, ...) instead ask
for component gradients at chosen samples, at two points, and now and then a
full gradient.  Such an optimizer sets ``Optimizer.direction``; the engine
calls it with an :class:`Oracle` every step, clips what it returns, and hands
that to the optimizer's update as its gradient.  The oracle counts each run's
work in passes over the data (a full gradient is one pass, a component
gradient 1/n of one), which is the fair x-axis for such methods.
"""

from __future__ import annotations

import numpy as np

from optcompare import noise
from optcompare.problem import Problem

#: The random stream of the oracle's sample indices (the problems use 1 to 4).
SAMPLE_STREAM = 5


class Oracle:
    """One chunk's window on a problem, with the work of each run counted.

    Work is counted exactly, in component gradients for a finite sum (a full
    gradient is n of them) and in passes otherwise, and reported in passes: 3,000
    single-sample steps on n = 100 are 30 passes, not 30.0000000000019.

    Attributes:
        n: the number of components of a finite-sum problem (None otherwise).
    """

    def __init__(self, problem: Problem, seeds: np.ndarray, count: np.ndarray | None = None):
        self.problem, self.seeds = problem, seeds
        self.n: int | None = getattr(problem, "n", None)
        self.unit = float(self.n or 1)  # counted units per pass
        self.count = np.zeros(len(seeds)) if count is None else count

    @property
    def work(self) -> np.ndarray:
        """(runs,) passes over the data each run has spent so far."""
        return self.count / self.unit

    def observe(self, x: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The loss and gradient every other optimizer sees at ``step``."""
        self.count += self.problem.passes_per_step() * self.unit
        return self.problem.observe(x, self.seeds, step)

    def full(self, x: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The exact objective and gradient: one pass, charged to every run, or only to
        the runs ``rows`` (indices) when x holds just their rows."""
        self._charge(self.unit, rows)
        return self.problem.value_and_grad(x)

    def sample(self, step: int, k: int = 1) -> np.ndarray:
        """(runs, k) component indices drawn uniformly, with replacement, from each
        run's own stream at ``step``."""
        n = self._components()
        u = noise.uniform(self.seeds, step, k, stream=SAMPLE_STREAM)
        return np.minimum((u * n).astype(np.int64), n - 1)

    def component(
        self, x: np.ndarray, idx: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """The mean gradient of the components ``idx`` ((runs, k)) at x: k / n passes
        (charged to the runs ``rows`` only when x and idx hold just their rows)."""
        self._components()
        self._charge(float(idx.shape[1]), rows)
        return self.problem.component_grad(x, idx)  # type: ignore[attr-defined]

    def _charge(self, units: float, rows: np.ndarray | None) -> None:
        # methods whose runs are in different phases (random or adaptive inner loops)
        # ask for some runs only, and only those runs have done the work
        if rows is None:
            self.count += units
        else:
            self.count[rows] += units

    def take(self, keep: np.ndarray) -> Oracle:
        """The same oracle for the runs ``keep`` (a mask), their work carried over."""
        return Oracle(self.problem, self.seeds[keep], self.count[keep])

    def _components(self) -> int:
        if self.n is None or not hasattr(self.problem, "component_grad"):
            raise ValueError(f"problem {self.problem.name} is not a finite sum")
        return self.n
