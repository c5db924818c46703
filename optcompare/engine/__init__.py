"""The batched engine: schedules, the step loop, and the trajectory record it returns."""

from optcompare.engine.batch import run_batch, runaway_limit
from optcompare.engine.trajectory import Trajectory

__all__ = ["Trajectory", "run_batch", "runaway_limit"]
