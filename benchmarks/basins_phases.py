"""Where the time of ``basins --grid 401`` goes: the engine against everything around it.

Times, best of 3, the issue's basins command (one optimizer, grid 401, 500 steps)
end to end through the command line next to a default ``run``, then the same work
in this process phase by phase: the engine (``run_batch``'s own ``wall_time``),
the classification of the end points, and each file the folder gets (basins.csv,
summary.json, basins.png).  Start-up and imports are the whole command minus the
phases.  The engine and the classification are timed by wrapping the two calls
``run_basins`` makes.

    python benchmarks/basins_phases.py                 # rmsprop on himmelblau
    python benchmarks/basins_phases.py --opt all --grid 201
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def command(args: list[str]) -> Callable[[], None]:
    exe = str(Path(sys.executable).with_name("optcompare"))  # the one of this environment

    def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [exe, *args, "--out", str(Path(tmp) / "o"), "-q"], check=True, capture_output=True
            )

    return run


def phases(opts: list[str], problem: str, grid: int, steps: int) -> dict[str, float]:
    """Seconds per phase of one basins computation and its files, in this process."""
    from optcompare import output
    from optcompare.experiments import basins as module
    from optcompare.problem import make_problem

    spent = {"engine": 0.0, "classification": 0.0}
    run_batch, classify = module.run_batch, module.classify

    def timed_run_batch(*args: Any, **kwargs: Any) -> Any:
        tr = run_batch(*args, **kwargs)
        spent["engine"] += tr.wall_time
        return tr

    def timed_classify(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        ends = classify(*args, **kwargs)
        spent["classification"] += time.perf_counter() - start
        return ends

    module.run_batch, module.classify = timed_run_batch, timed_classify
    try:
        start = time.perf_counter()
        results = module.basins(opts, problem, grid=grid, steps=steps)
        spent["rest of the experiment"] = (
            time.perf_counter() - start - spent["engine"] - spent["classification"]
        )
    finally:
        module.run_batch, module.classify = run_batch, classify
    _, contents = output.basins_files(results, make_problem(problem), "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in contents.files.items():
            start = time.perf_counter()
            write(Path(tmp) / name)
            spent[name] = time.perf_counter() - start
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opt", action="append", default=None)
    parser.add_argument("--problem", default="himmelblau")
    parser.add_argument("--grid", type=int, default=401)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    a = parser.parse_args()
    opts = a.opt or ["rmsprop"]
    args = ["basins", *(x for o in opts for x in ("--opt", o)), "--problem", a.problem]
    args += ["--grid", str(a.grid), "--steps", str(a.steps)]
    whole = best_of(a.repeat, command(args))
    default = best_of(a.repeat, command(["run", "--opt", "rmsprop", "--problem", "rosenbrock"]))
    print(f"optcompare {' '.join(args)}: {whole:.2f} s (best of {a.repeat})")
    print(
        f"optcompare run --opt rmsprop --problem rosenbrock: {default:.2f} s; "
        f"ratio {whole / default:.2f} (issue 11's target: under 3)"
    )
    best: dict[str, float] = {}
    for _ in range(a.repeat):
        for name, t in phases(opts, a.problem, a.grid, a.steps).items():
            best[name] = min(t, best.get(name, float("inf")))
    best["start-up, imports, the rest"] = max(whole - sum(best.values()), 0.0)
    for name, t in best.items():
        print(f"  {name:<30} {t:6.2f} s  {t / whole:5.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
