"""Throughput of the batched engine on the issue's reference sweep.

6 optimizers x 100 learning rates x 10 seeds x 1000 steps on Rosenbrock: 6,000
runs, 6 million run-steps.  Prints the whole command's wall time (start-up and
figure included), the engine's run-steps per second and peak memory.  Target: the
command under 2 s on a 2-core machine.

``--memory`` prints only the peak traced memory of one sweep and the process's peak
RSS, as JSON (engine_vs_peers.py runs it in a fresh process).  Comparisons with
torch.optim live in engine_vs_peers.py: advancing torch one run at a time, as this
script once did, is not an honest peer.
"""

from __future__ import annotations

import json
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


def memory() -> dict[str, float]:
    """Peak traced memory of one sweep after an untraced one, and the process's peak RSS."""
    from optcompare.experiments.sweep import sweep

    args = (OPTS, "rosenbrock", [f"lr=1e-4:10:{LRS}:log"])
    sweep(*args, seeds=SEEDS, steps=STEPS)
    tracemalloc.start()
    sweep(*args, seeds=SEEDS, steps=STEPS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"traced_mib": peak / 2**20, "rss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    Linux's ru_maxrss survives exec, so a child started by a big process (or by one that
    imported torch) would report its parent's peak; /proc's VmHWM belongs to this image.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 2**20 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main() -> None:
    if sys.argv[1:] == ["--memory"]:  # a fresh process, so the peak RSS is the sweep's
        print(json.dumps(memory()))
        return
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
    print(
        "for torch.optim batched and a hand-fused numpy loop in the same process, run "
        "benchmarks/engine_vs_peers.py"
    )


if __name__ == "__main__":
    main()
