"""What one full-batch step of the learning problems costs, batched over runs.

Prints, per problem (logistic regression on breast cancer, softmax regression on
iris and wine, and the small network on two moons when it is registered), the
milliseconds of

- ``value_and_grad`` on a (runs, dim) batch in the engine's coordinate-major
  layout (best of ``--repeat``); for the linear models also the two BLAS matrix
  products that hold most of its arithmetic (logits W A^T and the gradient's R A),
  for scale: the problems use einsum instead, slower, because a BLAS product may
  round a run differently in a batch of another size (BLAS may also use several
  threads here). The issue quotes about 27 ms per full-batch logistic step at
  1,000 runs, measured with matrix products;
- one step of ``optcompare.run`` with Adam (the engine, recording, and the test
  metrics computed at the end), averaged over ``--steps`` steps, best of ``--repeat``.

Usage: python benchmarks/learning_problems.py [--runs 1000] [--steps 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import optcompare
from optcompare.problem import make_problem, problem_names

SPECS = ["logistic", "softmax", "softmax:data=wine", "mlp"]


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    runs, steps, repeat = args.runs, args.steps, args.repeat
    print(f"{runs} runs, full batch; best of {repeat}; numpy {np.__version__}")
    print(
        f"{'problem':<20} {'dim':>4} {'rows':>5} {'value_and_grad':>15} {'BLAS pair':>10} "
        f"{'run, per step':>14}"
    )
    rng = np.random.default_rng(0)
    for spec in SPECS:
        if spec.split(":")[0] not in problem_names():
            print(f"{spec:<20} (not registered)")
            continue
        p = make_problem(spec)
        X = np.asfortranarray(rng.normal(0.0, 0.1, (runs, p.dim)))
        p.value_and_grad(X)  # first touch
        vg = best_of(repeat, lambda p=p, X=X: p.value_and_grad(X))
        rows = int(getattr(p, "n", 0))
        blas = ""
        if hasattr(p, "m") and hasattr(p, "A"):  # the linear models: logits W A^T, back A
            m, A = int(p.m), np.asarray(p.A)
            W = np.ascontiguousarray(X[:, : m * A.shape[1]]).reshape(runs * m, A.shape[1])
            R = rng.normal(size=(runs * m, len(A)))
            pair = best_of(repeat, lambda A=A, W=W, R=R: (W @ A.T, R @ A))
            blas = f"{pair * 1e3:7.1f} ms"

        def one_run(spec=spec):
            optcompare.run(["adam"], spec, steps=steps, seeds=runs, jitter=0.1)

        step = best_of(max(1, repeat // 2), one_run) / steps
        print(
            f"{spec:<20} {p.dim:>4} {rows:>5} {vg * 1e3:12.1f} ms {blas:>10} {step * 1e3:11.1f} ms"
        )


if __name__ == "__main__":
    main()
