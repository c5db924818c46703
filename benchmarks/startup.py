"""How fast optcompare starts, and where a default run's time goes.

Prints: the wall time of `optcompare --help` (median of 5) and which heavy
modules it imported; then the phases of `optcompare run --opt rmsprop
--problem rosenbrock` (imports, engine, figures, files).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    exe = str(Path(sys.executable).with_name("optcompare"))  # the one of this environment
    print(f"optcompare --help: {wall([exe, '--help']):.3f} s (median of 5)")
    probe = (
        "import sys; from optcompare.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('numpy', 'matplotlib', 'rich') if m in sys.modules], "
        "file=sys.stderr)"
    )
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr
    print(f"heavy modules imported by --help: {heavy.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [exe, "run", "--opt", "rmsprop", "--problem", "rosenbrock", "--out", tmp, "-q"]
        print(
            f"optcompare run --opt rmsprop --problem rosenbrock (both figures): "
            f"{wall(cmd, 3):.3f} s (median of 3)"
        )

    t0 = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg")
    import optcompare
    from optcompare import plotting

    t1 = time.perf_counter()
    result = optcompare.run(["rmsprop"], "rosenbrock")
    t2 = time.perf_counter()
    figs = plotting.comparison_figures(result)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name, fig in figs.items():
            fig.savefig(f"{tmp}/{name}.png")
    t4 = time.perf_counter()
    print(
        f"  phases in-process: imports {t1 - t0:.3f} s, engine {t2 - t1:.3f} s, "
        f"figures {t3 - t2:.3f} s, PNG files {t4 - t3:.3f} s"
    )


if __name__ == "__main__":
    main()
