"""The engine's fast paths give the same bits as its general ones.

An update skips a term whose hyperparameter is one value for every run and
switches it off; a per-run hyperparameter keeps the general path that computes
both sides.  Runs that diverge leave the working arrays; big batches run in
chunks; problems give value and gradient in one call.  None of that may change
a single bit of any trajectory.  Parametrized over the registries.
"""

from __future__ import annotations

import numpy as np
import pytest

from optcompare.engine import batch as engine_batch
from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.optimizers import OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.finite_sum import is_finite_sum
from optcompare.problem import make_problem, problem_names

NAMES = OPTIMIZERS.names()
RUNS, STEPS = 4, 60
PROBLEM = make_problem("rosenbrock")
RNG = np.random.default_rng(11)
STARTS = np.array([-1.2, 1.0]) + 0.3 * RNG.standard_normal((RUNS, 2))
# the variance-reduced methods need a finite sum: they take 2-D least squares instead
FINITE_SUM = make_problem("least-squares:batch=1")


def _problem(name: str):
    return FINITE_SUM if name in VARIANCE_REDUCED else PROBLEM


def _switches(name: str) -> list[tuple[str, object]]:
    """(key, value) pairs that turn each per-run switch of an optimizer on and off."""
    out: list[tuple[str, object]] = []
    for p in OPTIMIZERS.get(name).params:
        if not p.per_run or p.name == "lr":
            continue
        if p.kind == "bool":
            out += [(p.name, False), (p.name, True)]
        elif p.kind == "float" and p.low == 0.0 and p.default == 0.0:
            out += [(p.name, 0.0), (p.name, 0.5 if p.high is None else 0.5 * p.high)]
    return out


CASES = [(n, k, v) for n in NAMES for k, v in _switches(n)]


def _resolve(name: str, settings: dict) -> dict | None:
    try:
        return OPTIMIZERS.get(name).resolve(settings)
    except SpecError:  # a combination the optimizer refuses (nesterov without momentum)
        return None


def _same(a, b) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def test_every_optimizer_has_a_switch_to_test():
    # guards the parametrization below: a registry change that left nothing to
    # compare would silently test nothing
    assert {n for n, _, _ in CASES} >= {"sgd", "rmsprop", "adam", "adagrad", "nadam"}


@pytest.mark.parametrize(("name", "key", "value"), CASES, ids=str)
def test_a_scalar_switch_gives_the_bits_of_the_general_path(name, key, value):
    """Scalar ``key=value`` (the fast path, a plain ``if``) against the same value as a
    per-run column (the general path, both sides computed and picked per run)."""
    extra = {"momentum": 0.9} if key == "nesterov" and value else {}
    scalar = _resolve(name, {"lr": 0.002, **extra, key: value})
    if scalar is None:
        pytest.skip(f"{name} refuses {key}={value}")
    column = {**scalar, key: np.full(RUNS, scalar[key])}
    opt = OPTIMIZERS.get(name)
    seeds = np.arange(RUNS)
    fast = run_batch(opt, scalar, _problem(name), STARTS, seeds, STEPS)
    general = run_batch(opt, column, _problem(name), STARTS, seeds, STEPS)
    assert _same(fast.x, general.x)
    assert _same(fast.loss, general.loss)


@pytest.mark.parametrize("schedule", [None, np.linspace(1.0, 0.1, STEPS)], ids=["const", "decay"])
@pytest.mark.parametrize("name", NAMES)
def test_a_mixed_batch_equals_its_runs_done_one_by_one(name, schedule):
    """Per-run learning rates in one batch, one of them diverging (it leaves the working
    arrays mid-run), give each run the bits it gets alone, with or without a schedule."""
    opt = OPTIMIZERS.get(name)
    lrs = np.array([1e-3, 1e-2, 0.1, 50.0])
    prob = _problem(name)
    together = run_batch(
        opt, opt.resolve({"lr": lrs}), prob, STARTS, np.arange(RUNS), STEPS, lr_factors=schedule
    )
    for r in range(RUNS):
        alone = run_batch(
            opt,
            opt.resolve({"lr": float(lrs[r])}),
            prob,
            STARTS[r : r + 1],
            [r],
            STEPS,
            lr_factors=schedule,
        )
        assert _same(together.x[:, r], alone.x[:, 0]), f"run {r} (lr {lrs[r]})"
        assert _same(together.grad_norm[:, r], alone.grad_norm[:, 0])
        for field in ("diverged_at", "final_loss", "best_loss", "first_below", "auc"):
            assert getattr(together, field)[r] == getattr(alone, field)[0], field
        assert _same(together.diverged_x[r], alone.diverged_x[0])


def test_the_mixed_batch_above_really_has_a_divergence():
    opt = OPTIMIZERS.get("sgd")
    tr = run_batch(opt, opt.resolve({"lr": 50.0}), PROBLEM, STARTS[:1], [0], STEPS)
    assert tr.diverged_at[0] > 0


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (name, problem)
        for name in NAMES
        for problem in ["rosenbrock", "rosenbrock:noise=3", "least-squares:batch=4,n=20", "reddi"]
        if name not in VARIANCE_REDUCED or is_finite_sum(make_problem(problem))
    ],
)
def test_recording_on_and_off_give_the_same_summaries(name, problem):
    opt = OPTIMIZERS.get(name)
    prob = make_problem(problem)
    x0 = prob.start() + 0.2 * RNG.standard_normal((5, prob.dim))
    vals = opt.resolve({"lr": np.array([1e-3, 1e-2, 0.1, 1.0, 20.0])})
    seeds = np.arange(5)
    full = run_batch(opt, vals, prob, x0, seeds, 80, tol=1e-2)
    lean = run_batch(opt, vals, prob, x0, seeds, 80, tol=1e-2, record=False)
    assert lean.x is None
    for field in ("final_x", "final_loss", "best_loss", "auc", "first_below", "diverged_at"):
        assert _same(getattr(full, field), getattr(lean, field)), field


@pytest.mark.parametrize("record", [True, False])
def test_chunks_give_the_bits_of_one_batch(monkeypatch, record):
    """A batch advanced in chunks of 3 runs equals it advanced whole: trajectories,
    summaries, the progress count and what ``on_step`` sees."""
    opt = OPTIMIZERS.get("sgd")
    lrs = np.array([1e-4, 1e-3, 2e-3, 5e-4, 0.1, 3e-3, 1e-3])
    x0 = np.array([-1.2, 1.0]) + 0.3 * RNG.standard_normal((len(lrs), 2))

    def go():
        seen: list[int] = []
        ends = np.zeros(len(lrs))

        def on_step(t, x, rows):
            ends[rows] = np.linalg.norm(x, axis=1)

        tr = run_batch(
            opt,
            opt.resolve({"lr": lrs}),
            PROBLEM,
            x0,
            np.arange(len(lrs)),
            50,
            record=record,
            progress=seen.append,
            on_step=on_step,
        )
        return tr, seen, ends

    whole, seen_whole, ends_whole = go()
    monkeypatch.setattr(engine_batch, "CHUNK_RUNS", 3)
    parts, seen_parts, ends_parts = go()
    for field in ("x", "loss", "grad_norm", "final_x", "best_loss", "auc", "diverged_at"):
        a, b = getattr(whole, field), getattr(parts, field)
        assert (a is None and b is None) or _same(a, b), field
    assert whole.diverged_at.max() > 0  # the lr 0.1 run diverged, in the middle chunk
    assert _same(ends_whole, ends_parts)
    assert seen_whole[-1] == seen_parts[-1] == 50
    assert seen_parts == sorted(seen_parts)


SPECS = [*problem_names(), "rosenbrock:dim=5", "least-squares:n=30,dim=4"]


@pytest.mark.parametrize("spec", SPECS)
def test_value_and_grad_is_f_and_grad_bit_for_bit(spec):
    """Every problem's fused evaluation equals its separate f and grad, on the
    (runs, dim) view of coordinate-major storage the engine passes."""
    prob = make_problem(spec)
    lo, hi = np.array(prob.window()[: prob.dim]).T if prob.dim == 2 else (-2.0, 2.0)
    X = np.ascontiguousarray((lo + (hi - lo) * RNG.random((9, prob.dim))).T).T
    assert X.T.flags.c_contiguous
    f, g = prob.value_and_grad(X)
    assert _same(np.asarray(f), np.asarray(prob.f(X)))
    assert _same(np.asarray(g), np.asarray(prob.grad(X)))


def test_without_summaries_the_end_points_are_the_same_and_summaries_are_refused():
    opt = OPTIMIZERS.get("rmsprop")
    vals = opt.resolve({"lr": np.array([1e-3, 1e-2, 0.1, 30.0])})
    full = run_batch(opt, vals, PROBLEM, STARTS, np.arange(RUNS), STEPS, record=False)
    bare = run_batch(
        opt, vals, PROBLEM, STARTS, np.arange(RUNS), STEPS, record=False, summaries=False
    )
    for field in ("final_x", "final_loss", "diverged_at"):
        assert _same(getattr(full, field), getattr(bare, field)), field
    for summary in ("best_loss", "auc", "first_below"):
        with pytest.raises(ValueError, match="summaries=False"):
            getattr(bare, summary)
