"""The variance-reduced methods on finite sums: sag, svrg, s2gd, sarah, sarah-plus.

Each method's iterates are checked against a loop written here from its paper's
rule, one run at a time, drawing the same sample indices from each run's stream;
passes are counted by hand; the convergence claim of issue 12 is checked at
0.5 / L_max and with tuning; and the refusals give one line.
"""

from __future__ import annotations

import numpy as np
import pytest

import optcompare
from optcompare import noise
from optcompare.engine import run_batch
from optcompare.engine.clipping import make_clipping
from optcompare.engine.oracle import SAMPLE_STREAM
from optcompare.experiments.choices import make_optimizers
from optcompare.optimizers import CLASSIC, OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.finite_sum import LOOP_STREAM
from optcompare.problem import make_problem

VR = sorted(VARIANCE_REDUCED)
SEEDS = np.array([3, 8, 21])


def _samples(seeds, t, n, k):
    """(runs, k) sample indices: uniform, with replacement, from each run's stream."""
    u = noise.uniform(np.asarray(seeds), t, k, stream=SAMPLE_STREAM)
    return np.minimum((u * n).astype(int), n - 1)


def _loop_draws(seed, t):
    return noise.uniform(np.array([seed]), t, 2, stream=LOOP_STREAM)[0]


def _grad_i(p, w, idx):
    """(1/k) sum over idx of (a_i . w - b_i) a_i, written out sample by sample."""
    return sum((p.A[i] @ w - p.b[i]) * p.A[i] for i in idx) / len(idx)


def _full(p, w):
    return p.A.T @ (p.A @ w - p.b) / p.n


# ---- the problem's constants -----------------------------------------------------


@pytest.mark.parametrize("spec", ["least-squares", "least-squares:dim=5,n=300,corr=0.5"])
def test_l_max_and_mu_are_the_extreme_curvatures(spec):
    p = make_problem(spec)
    per_sample = [np.linalg.eigvalsh(np.outer(a, a))[-1] for a in p.A]
    assert p.l_max == pytest.approx(max(per_sample), rel=1e-12)
    assert p.mu == pytest.approx(np.linalg.svd(p.A, compute_uv=False)[-1] ** 2 / p.n, rel=1e-10)
    hessian = p.A.T @ p.A / p.n  # f is quadratic: mu is its Hessian's smallest eigenvalue
    assert p.mu <= np.linalg.eigvalsh(hessian)[0] * (1 + 1e-12)


def test_the_batch_key_sets_the_samples_per_gradient_default_one():
    assert make_problem("least-squares").component_batch == 1
    assert make_problem("least-squares:batch=4").component_batch == 4


# ---- the paper's rules, by hand ----------------------------------------------------

P = make_problem("least-squares:n=15,batch=2")
X0 = np.array([[-2.0, -2.0], [1.0, 3.0], [0.5, -4.0]])
STEPS, M, LR = 40, 7, 0.04


def _svrg_by_hand(seed, w, random_snapshot):
    out, t = [], 0
    snap = w.copy()
    while t < STEPS:
        mu, w, kept = _full(P, snap), snap.copy(), snap.copy()
        j = min(int(_loop_draws(seed, t + 1)[1] * M), M - 1)
        for k in range(M):
            t += 1
            if t > STEPS:
                break
            if k == j:
                kept = w.copy()
            idx = _samples([seed], t, P.n, 2)[0]
            w = w - LR * (_grad_i(P, w, idx) - _grad_i(P, snap, idx) + mu)
            out.append(w)
        snap = kept if random_snapshot else w
    return out


def _s2gd_by_hand(seed, x, nu):
    out, t = [], 0
    q = 1 - nu * LR
    cdf = np.cumsum([q ** (M - s) for s in range(1, M + 1)])
    while t < STEPS:
        mu, y = _full(P, x), x.copy()
        length = int(np.searchsorted(cdf / cdf[-1], _loop_draws(seed, t + 1)[0])) + 1
        for _ in range(length):
            t += 1
            if t > STEPS:
                break
            idx = _samples([seed], t, P.n, 2)[0]
            y = y - LR * (mu + _grad_i(P, y, idx) - _grad_i(P, x, idx))  # the paper's sign
            out.append(y)
        x = y
    return out


def _sarah_by_hand(seed, w, gamma):
    out, t = [], 0
    while t < STEPS:
        v = _full(P, w)
        v0 = v @ v
        prev, w = w, w - LR * v
        t += 1
        out.append(w)
        k = 1
        while k < M and t < STEPS and (gamma is None or v @ v > gamma * v0):
            t += 1
            idx = _samples([seed], t, P.n, 2)[0]
            v = _grad_i(P, w, idx) - _grad_i(P, prev, idx) + v
            prev, w = w, w - LR * v
            out.append(w)
            k += 1
    return out


def _sag_by_hand(seed, x):
    table: dict[int, np.ndarray] = {}
    out = []
    for t in range(1, STEPS + 1):
        for i in _samples([seed], t, P.n, 2)[0]:  # one sample at a time
            table[int(i)] = (P.A[i] @ x - P.b[i]) * P.A[i]
        x = x - LR * sum(table.values()) / len(table)  # the average over the samples seen
        out.append(x)
    return out


HAND = {
    "svrg": lambda seed, x: _svrg_by_hand(seed, x, False),
    "svrg:snapshot=random": lambda seed, x: _svrg_by_hand(seed, x, True),
    "s2gd": lambda seed, x: _s2gd_by_hand(seed, x, 0.0),
    "s2gd:nu=3": lambda seed, x: _s2gd_by_hand(seed, x, 3.0),
    "sarah": lambda seed, x: _sarah_by_hand(seed, x, None),
    "sarah-plus": lambda seed, x: _sarah_by_hand(seed, x, 0.125),
    "sarah-plus:gamma=0.5": lambda seed, x: _sarah_by_hand(seed, x, 0.5),
    "sag": _sag_by_hand,
}


def test_every_method_has_a_hand_loop():
    assert {spec.split(":")[0] for spec in HAND} == set(VR)


@pytest.mark.parametrize("spec", sorted(HAND))
def test_iterates_follow_the_papers_rule_written_by_hand(spec):
    (choice,) = make_optimizers(spec)
    opt = choice.optimizer
    settings = {**choice.given, "lr": LR, **({} if opt.name == "sag" else {"m": M})}
    tr = run_batch(opt, opt.resolve(settings), P, X0, SEEDS, STEPS)
    for r, seed in enumerate(SEEDS):
        expected = np.array(HAND[spec](int(seed), X0[r]))
        np.testing.assert_allclose(tr.x[1:, r], expected, rtol=1e-11, atol=1e-13)


def test_sarah_plus_ends_loops_early_and_s2gd_draws_different_lengths():
    """The hand loops above would also pass if the early stop or the random lengths
    never acted: check that they do, through the passes each run spent."""
    runs = {}
    for name, extra in (("sarah", {}), ("sarah-plus", {"gamma": 0.5}), ("s2gd", {"nu": 3.0})):
        opt = OPTIMIZERS.get(name)
        tr = run_batch(opt, opt.resolve({"lr": LR, "m": M, **extra}), P, X0, SEEDS, STEPS)
        runs[name] = tr.passes[-1]
    assert np.all(runs["sarah-plus"] > runs["sarah"])  # more full gradients: shorter loops
    assert len(set(runs["s2gd"])) > 1  # the runs' loops differ in length


def test_s2gd_lengths_follow_the_papers_distribution():
    from optcompare.optimizers.s2gd import length_quantile

    u = (np.arange(4000) + 0.5) / 4000
    for m, q in ((1, 0.9), (7, 1.0), (7, 0.6), (50, 0.99), (5, 0.0)):
        weights = np.array([q ** (m - t) for t in range(1, m + 1)])
        expected = np.searchsorted(np.cumsum(weights) / weights.sum(), u) + 1
        got = length_quantile(u, np.full(u.size, m), np.full(u.size, q))
        assert np.mean(got != expected) < 1e-3  # only rounding at the steps of the CDF
        assert got.min() >= 1 and got.max() <= m


# ---- passes -------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3])
def test_passes_of_svrg_and_sarah_counted_by_hand(batch):
    """n = 20, m = 5: an outer start costs n component gradients, an SVRG inner step
    2 batch, a SARAH inner step 2 batch (its first update uses the full gradient)."""
    n, m, steps = 20, 5, 23
    p = make_problem(f"least-squares:n={n},batch={batch}")
    svrg, sarah = np.zeros(steps + 1), np.zeros(steps + 1)
    for t in range(1, steps + 1):
        start = (t - 1) % m == 0
        svrg[t] = svrg[t - 1] + (n if start else 0) / n + 2 * batch / n
        sarah[t] = sarah[t - 1] + (n if start else 2 * batch) / n
    for name, expected in (("svrg", svrg), ("sarah", sarah)):
        opt = OPTIMIZERS.get(name)
        tr = run_batch(opt, opt.resolve({"m": m}), p, X0[:2], SEEDS[:2], steps)
        np.testing.assert_allclose(tr.passes, np.column_stack([expected] * 2), rtol=1e-13)


def test_sag_costs_one_component_per_sample_a_step():
    p = make_problem("least-squares:n=40,batch=2")
    opt = OPTIMIZERS.get("sag")
    tr = run_batch(opt, opt.resolve({}), p, X0, SEEDS, 30)
    np.testing.assert_allclose(tr.passes, np.tile(np.arange(31)[:, None] * 2 / 40, (1, 3)))


# ---- defaults, tuning, convergence --------------------------------------------------

LS1 = "least-squares:batch=1"


@pytest.mark.parametrize("name", VR)
def test_defaults_come_from_the_problem(name):
    """lr = c / L_max and m = 2n, filled in when the problem is known (and recorded),
    and the same run as an update that works them out itself."""
    p = make_problem(LS1)
    result = optcompare.run(name, LS1, steps=25, seeds=2)
    values = result.runs[0].hyperparameters
    module = OPTIMIZERS.get(name).module
    assert values["lr"] == pytest.approx(module.LR_FACTOR / p.l_max, rel=1e-15)
    if "m" in values:
        assert values["m"] == 2 * p.n
    opt = OPTIMIZERS.get(name)
    bare = run_batch(opt, opt.resolve({}), p, np.tile(p.start(), (2, 1)), [0, 1], 25)
    np.testing.assert_array_equal(bare.x[:, 0], result.runs[0].x)


@pytest.mark.parametrize("name", VR)
def test_converges_to_f_star_at_half_over_l_max_where_sgd_stalls(name):
    """Issue 12: least squares with single-sample gradients, 3,000 steps, lr = 0.5 / L_max."""
    p = make_problem(LS1)
    lr = 0.5 / p.l_max
    x0 = np.tile(p.start(), (5, 1))
    opt = OPTIMIZERS.get(name)
    tr = run_batch(opt, opt.resolve({"lr": lr}), p, x0, np.arange(5), 3000)
    assert np.max(tr.final_loss - p.f_star) <= 1e-8
    sgd = OPTIMIZERS.get("sgd")
    plain = run_batch(sgd, sgd.resolve({"lr": lr}), p, x0, np.arange(5), 3000)
    assert np.min(plain.final_loss - p.f_star) > 1e-6  # SGD's noise floor


def test_tuned_on_the_same_budget_they_converge_and_sgd_does_not():
    result = optcompare.run([*VR, "sgd"], LS1, steps=3000, seeds=3, tune=True)
    f_star = make_problem(LS1).f_star
    for label in result.labels:
        gaps = [r.final_loss - f_star for r in result.runs_of(label)]
        if label.startswith("sgd"):
            assert min(gaps) > 1e-6, label
        else:
            assert max(gaps) <= 1e-8, label


# ---- per-run settings, divergence, clipping --------------------------------------


@pytest.mark.parametrize("name", ["svrg", "s2gd", "sarah", "sarah-plus"])
def test_per_run_loop_lengths_in_one_batch_equal_runs_one_by_one(name):
    opt = OPTIMIZERS.get(name)
    ms, lrs = np.array([3, 5, 8]), np.array([0.02, 0.05, 40.0])  # the last one diverges
    together = run_batch(opt, opt.resolve({"m": ms, "lr": lrs}), P, X0, SEEDS, STEPS)
    assert together.diverged_at[2] > 0
    for r in range(3):
        alone = run_batch(
            opt,
            opt.resolve({"m": int(ms[r]), "lr": float(lrs[r])}),
            P,
            X0[r : r + 1],
            SEEDS[r : r + 1],
            STEPS,
        )
        np.testing.assert_array_equal(together.x[:, r], alone.x[:, 0])
        np.testing.assert_array_equal(together.passes[:, r], alone.passes[:, 0])


@pytest.mark.parametrize("name", VR)
def test_norm_clipping_acts_on_the_search_direction(name):
    """The first direction of every method here is far longer than 0.01 at the start
    (-2, -2), so each first step is exactly lr times the clip."""
    p = make_problem(LS1)
    opt = OPTIMIZERS.get(name)
    clip = make_clipping(0.01, None)
    tr = run_batch(opt, opt.resolve({"lr": 0.1}), p, X0[:1], SEEDS[:1], 3, clipping=clip)
    moved = np.linalg.norm(tr.x[1, 0] - tr.x[0, 0])
    assert moved == pytest.approx(0.1 * 0.01, rel=1e-5)  # clip: C |d| / (|d| + 1e-6)
    assert tr.clipped[0] >= 1


# ---- refusals and the registry --------------------------------------------------------


def test_on_a_problem_without_the_oracle_the_cli_refuses_in_one_line(cli):
    code, out, err = cli("run", "--opt", "svrg", "--problem", "rosenbrock")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "least-squares" in lines[0] and "rosenbrock" in lines[0]


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_gradient_noise_is_refused_for_the_exact_component_gradients(cli, command):
    extra = ["--param", "lr=0.01:0.1:3"] if command == "sweep" else []
    code, _, err = cli(command, "--opt", "sag", "--problem", "least-squares:noise=1", *extra)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "noise" in err


def test_all_still_means_the_six_classics():
    assert [c.name for c in make_optimizers("all")] == list(CLASSIC)
    assert not set(CLASSIC) & set(VR)
    assert set(VR) == {"sag", "svrg", "s2gd", "sarah", "sarah-plus"}


@pytest.mark.parametrize("name", VR)
def test_explain_states_rule_defaults_paper_and_gradDescent(name):
    rule = OPTIMIZERS.get(name).rule
    for needed in ("Update rule", "Defaults:", "L_max", "Paper", "gradDescent's implementation"):
        assert needed in rule, needed


@pytest.mark.parametrize("name", VR)
def test_list_and_explain_show_the_default_as_its_rule(cli, name):
    """A default filled from the problem reads as its rule (not '-'), and the rule is the
    value the run records."""
    p = make_problem(LS1)
    opt = OPTIMIZERS.get(name)
    rules = {q.name: q.default_rule for q in opt.params if q.default is None}
    assert rules["lr"] and rules.get("m", "2n") == "2n"
    factor = float(rules["lr"].removesuffix("/L_max"))
    values = optcompare.run(name, LS1, steps=1).runs[0].hyperparameters
    assert values["lr"] == pytest.approx(factor / p.l_max, rel=1e-15)
    code, out, err = cli("list")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.split()[:1] == [name])
    assert f"lr={rules['lr']}" in row and "lr=-" not in row
    code, out, err = cli("explain", name)
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.split()[:2] == ["lr", rules["lr"]] for line in lines)
    if "m" in rules:
        assert any(line.split()[:2] == ["m", "2n"] for line in lines)
