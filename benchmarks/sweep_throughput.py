"""Throughput of the batched engine on the issue's reference sweep.

6 optimizers x 100 learning rates x 10 seeds x 1000 steps on Rosenbrock: 6,000
runs, 6 million run-steps.  Prints the whole command's wall time (start-up and
figure included), the engine's run-steps per second and peak memory, and, when
torch is importable, the speed of the same kind of runs one at a time through
torch.optim and the ratio.  Target: the command under 2 s on a 2-core machine.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

OPTS = ["sgd", "adagrad", "adadelta", "rprop", "rmsprop", "adam"]
LRS, SEEDS, STEPS = 100, 10, 1000


def whole_command() -> float:
    exe = str(Path(sys.executable).with_name("optcompare"))  # the one of this environment
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            exe,
            "sweep",
            *[a for o in OPTS for a in ("--opt", o)],
            "--problem",
            "rosenbrock",
            "--param",
            f"lr=1e-4:10:{LRS}:log",
            "--seeds",
            str(SEEDS),
            "--steps",
            str(STEPS),
            "--out",
            tmp,
            "-q",
        ]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - t


def engine() -> tuple[float, float]:
    """Engine time (best of 3, untraced) and peak traced memory (one traced run)."""
    from optcompare.experiments.sweep import sweep

    args = (OPTS, "rosenbrock", [f"lr=1e-4:10:{LRS}:log"])
    times = []
    for _ in range(3):
        t = time.perf_counter()
        sweep(*args, seeds=SEEDS, steps=STEPS)
        times.append(time.perf_counter() - t)
    tracemalloc.start()  # slows numpy's allocations, so timed separately
    sweep(*args, seeds=SEEDS, steps=STEPS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak


def torch_loop(sample: int = 12, steps: int = STEPS) -> float | None:
    """run-steps per second of one-at-a-time torch.optim runs (None without torch)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_default_dtype(torch.float64)
    classes = {
        "sgd": torch.optim.SGD,
        "adagrad": torch.optim.Adagrad,
        "adadelta": torch.optim.Adadelta,
        "rprop": torch.optim.Rprop,
        "rmsprop": torch.optim.RMSprop,
        "adam": torch.optim.Adam,
    }
    t = time.perf_counter()
    for k in range(sample):
        x = torch.tensor([-1.2, 1.0], requires_grad=True)
        opt = classes[OPTS[k % len(OPTS)]]([x], lr=1e-3, foreach=False)
        for _ in range(steps):
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            opt.step()
    return sample * steps / (time.perf_counter() - t)


def main() -> None:
    runs = len(OPTS) * LRS * SEEDS
    total = runs * STEPS
    print(
        f"reference sweep: {len(OPTS)} optimizers x {LRS} lrs x {SEEDS} seeds x {STEPS} steps"
        f" = {runs:,} runs, {total:,} run-steps"
    )
    print(f"whole command (start-up, engine, figure, files): {whole_command():.2f} s")
    elapsed, peak = engine()
    rate = total / elapsed
    print(
        f"engine: {elapsed:.2f} s, {rate / 1e6:.1f} million run-steps/s, "
        f"peak traced memory {peak / 2**20:.1f} MiB "
        f"(process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
    )
    ref = torch_loop()
    if ref is None:
        print("torch not importable: skipped the one-at-a-time torch.optim comparison")
    else:
        print(
            f"torch.optim one run at a time: {ref:,.0f} run-steps/s; "
            f"optcompare's batch is {rate / ref:,.0f}x faster"
        )


if __name__ == "__main__":
    sys.exit(main())
