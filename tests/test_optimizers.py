"""Optimizer update rules: hand-computed steps, registry-wide properties, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.optimizers import CLASSIC, OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.base import hyper, state_arrays
from optcompare.problem import make_problem

NAMES = OPTIMIZERS.names()
# the variance-reduced methods need a finite sum's oracle (least squares), and their
# steps are checked against hand loops in test_variance_reduction.py
GRADIENT_NAMES = [n for n in NAMES if n not in VARIANCE_REDUCED]
X0 = np.array([[0.5, -1.5, 2.0]])
G1 = np.array([[3.0, -0.02, 40.0]])
G2 = np.array([[-1.0, -0.5, 10.0]])


def steps(name, settings, grads, x0=X0, losses=None):
    """Feed a fixed gradient sequence; return the iterates after each step."""
    opt = OPTIMIZERS.get(name)
    h = hyper(opt.resolve(settings))
    x, s, out = x0, opt.init(x0, h), []
    for k, g in enumerate(grads):
        loss = None if losses is None else np.array([losses[k]])
        x, s = opt.update(x, g, s, h, loss)
        out.append(x)
    return out


# Expected iterates written out from each paper's rule as PyTorch states it
# (see each module's docstring), with plain Python arithmetic per coordinate.
def _sgd(s, x, g1, g2):
    lr, mu, tau, nest, wd = (
        s.get("lr", 1e-3),
        s.get("momentum", 0),
        s.get("dampening", 0),
        s.get("nesterov", False),
        s.get("weight_decay", 0),
    )
    g1 = g1 + wd * x
    b1 = g1
    x1 = x - lr * ((g1 + mu * b1) if nest else (b1 if mu else g1))
    g2 = g2 + wd * x1
    b2 = mu * b1 + (1 - tau) * g2
    x2 = x1 - lr * ((g2 + mu * b2) if nest else (b2 if mu else g2))
    return x1, x2


def _adagrad(s, x, g1, g2):
    lr, dec, wd, a0, eps = (
        s.get("lr", 1e-2),
        s.get("lr_decay", 0),
        s.get("weight_decay", 0),
        s.get("initial_accumulator_value", 0),
        s.get("eps", 1e-10),
    )
    g1 = g1 + wd * x
    acc = a0 + g1 * g1
    x1 = x - lr * g1 / (math.sqrt(acc) + eps)
    g2 = g2 + wd * x1
    acc += g2 * g2
    x2 = x1 - lr / (1 + dec) * g2 / (math.sqrt(acc) + eps)
    return x1, x2


def _adadelta(s, x, g1, g2):
    lr, rho, eps, wd = (
        s.get("lr", 1.0),
        s.get("rho", 0.9),
        s.get("eps", 1e-6),
        s.get("weight_decay", 0),
    )
    v = u = 0.0
    out = []
    for g in (g1, g2):
        g = g + wd * x
        v = rho * v + (1 - rho) * g * g
        d = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        x = x - lr * d
        out.append(x)
    return tuple(out)


def _rprop(s, x, g1, g2):
    lr, ep = s.get("lr", 1e-2), s.get("eta_plus", 1.2)  # eta_minus only shrinks a step not taken
    lo, hi = s.get("step_min", 1e-6), s.get("step_max", 50.0)
    step = min(max(lr, lo), hi)
    x1 = x - math.copysign(step, g1) if g1 else x
    if g1 * g2 > 0:
        step = min(step * ep, hi)
        x2 = x1 - math.copysign(step, g2)
    elif g1 * g2 < 0:
        x2 = x1  # iRprop-: the step shrinks and no move is made
    else:
        x2 = x1 - (math.copysign(step, g2) if g2 else 0.0)
    return x1, x2


def _rmsprop(s, x, g1, g2):
    lr, al, eps, wd = (
        s.get("lr", 1e-2),
        s.get("alpha", 0.99),
        s.get("eps", 1e-8),
        s.get("weight_decay", 0),
    )
    mu, centered = s.get("momentum", 0), s.get("centered", False)
    v = gm = b = 0.0
    out = []
    for g in (g1, g2):
        g = g + wd * x
        v = al * v + (1 - al) * g * g
        gm = al * gm + (1 - al) * g
        a = math.sqrt(v - gm * gm if centered else v) + eps
        b = mu * b + g / a
        x = x - lr * (b if mu else g / a)
        out.append(x)
    return tuple(out)


def _adam(s, x, g1, g2, decoupled=False):
    lr, b1, b2, eps = (
        s.get("lr", 1e-3),
        s.get("beta1", 0.9),
        s.get("beta2", 0.999),
        s.get("eps", 1e-8),
    )
    wd = s.get("weight_decay", 1e-2 if decoupled else 0.0)
    ams = s.get("amsgrad", False)
    m = v = vmax = 0.0
    out = []
    for t, g in enumerate((g1, g2), start=1):
        if decoupled:
            x = x * (1 - lr * wd)
        else:
            g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        vhat = (vmax if ams else v) / (1 - b2**t)
        x = x - lr * (m / (1 - b1**t)) / (math.sqrt(vhat) + eps)
        out.append(x)
    return tuple(out)


def _nadam(s, x, g1, g2):
    lr, b1, b2, eps = (
        s.get("lr", 2e-3),
        s.get("beta1", 0.9),
        s.get("beta2", 0.999),
        s.get("eps", 1e-8),
    )
    wd, psi = s.get("weight_decay", 0.0), s.get("momentum_decay", 4e-3)
    decoupled = s.get("decoupled_weight_decay", False)

    def mu(t):  # Dozat's momentum schedule
        return b1 * (1 - 0.5 * 0.96 ** (t * psi))

    m = v = 0.0
    out = []
    for t, g in enumerate((g1, g2), start=1):
        if decoupled:
            x = x * (1 - lr * wd)
        else:
            g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        prod_t = math.prod(mu(i) for i in range(1, t + 1))
        m_hat = mu(t + 1) * m / (1 - prod_t * mu(t + 1)) + (1 - mu(t)) * g / (1 - prod_t)
        x = x - lr * m_hat / (math.sqrt(v / (1 - b2**t)) + eps)
        out.append(x)
    return tuple(out)


def _adamax(s, x, g1, g2):
    lr, b1, b2, eps, wd = (
        s.get("lr", 2e-3),
        s.get("beta1", 0.9),
        s.get("beta2", 0.999),
        s.get("eps", 1e-8),
        s.get("weight_decay", 0.0),
    )
    m = u = 0.0
    out = []
    for t, g in enumerate((g1, g2), start=1):
        g = g + wd * x
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g) + eps)
        x = x - lr / (1 - b1**t) * m / u
        out.append(x)
    return tuple(out)


REFERENCE = {
    "sgd": _sgd,
    "adagrad": _adagrad,
    "adadelta": _adadelta,
    "rprop": _rprop,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": lambda s, x, a, b: _adam(s, x, a, b, True),
    "nadam": _nadam,
    "adamax": _adamax,
}

CASES = [
    ("sgd", {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.3}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.5, "lr_decay": 0.1}),
    ("adagrad", {"initial_accumulator_value": 0.7, "weight_decay": 0.2}),
    ("adadelta", {}),
    ("adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.1}),
    ("rprop", {}),
    ("rprop", {"lr": 2.0, "step_max": 1.0}),
    ("rprop", {"lr": 0.1, "eta_minus": 0.3, "eta_plus": 1.5, "step_min": 1e-3}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9}),
    (
        "rmsprop",
        {"centered": True, "momentum": 0.9, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01},
    ),
    ("adam", {}),
    ("adam", {"amsgrad": True, "lr": 0.1}),
    ("adam", {"beta1": 0.0}),
    ("adam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.1, "amsgrad": True, "lr": 0.01}),
    ("nadam", {}),
    ("nadam", {"lr": 0.1, "momentum_decay": 0.5, "weight_decay": 0.2}),
    ("nadam", {"weight_decay": 0.3, "decoupled_weight_decay": True, "lr": 0.05}),
    ("nadam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "momentum_decay": 0.0}),
    ("adamax", {}),
    ("adamax", {"lr": 0.1, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.2}),
    ("adamax", {"eps": 0.5}),
]


def test_every_optimizer_has_a_hand_computed_reference():
    assert set(REFERENCE) == set(GRADIENT_NAMES)
    assert {name for name, _ in CASES} == set(GRADIENT_NAMES)


@pytest.mark.parametrize(("name", "settings"), CASES, ids=lambda v: str(v))
def test_first_two_steps_match_the_published_rule(name, settings):
    x1, x2 = steps(name, settings, [G1, G2])
    for j in range(X0.shape[1]):
        e1, e2 = REFERENCE[name](settings, X0[0, j], G1[0, j], G2[0, j])
        assert x1[0, j] == pytest.approx(e1, rel=1e-12, abs=1e-15)
        assert x2[0, j] == pytest.approx(e2, rel=1e-12, abs=1e-15)


def test_first_step_sizes_are_the_textbook_ones():
    """The well-known first steps: Adam ~ lr sign(g); RMSProp ~ 10 lr; Adadelta ~ sqrt(eps/(1-rho))."""
    g = np.array([[5.0, -0.1, 300.0]])
    x = np.zeros((1, 3))
    (adam,) = steps("adam", {"lr": 0.01}, [g], x0=x)
    np.testing.assert_allclose(adam, -0.01 * np.sign(g), rtol=1e-6)
    (rms,) = steps("rmsprop", {"lr": 0.01}, [g], x0=x)
    np.testing.assert_allclose(rms, -0.1 * np.sign(g), rtol=1e-6)
    (ada,) = steps("adadelta", {}, [g], x0=x)
    np.testing.assert_allclose(np.abs(ada[0, [0, 2]]), math.sqrt(1e-6 / 0.1), rtol=1e-3)


def test_rprop_plus_backtracks_and_irprop_plus_only_when_loss_rises():
    g = [np.array([[1.0]]), np.array([[1.0]]), np.array([[-1.0]]), np.array([[-1.0]])]
    x0 = np.zeros((1, 1))
    s = {"lr": 0.1}
    minus = [float(v[0, 0]) for v in steps("rprop", s, g, x0)]
    assert minus == pytest.approx([-0.1, -0.22, -0.22, -0.22 + 0.12 * 0.5])
    plus = [float(v[0, 0]) for v in steps("rprop", {**s, "variant": "rprop+"}, g, x0)]
    assert plus == pytest.approx([-0.1, -0.22, -0.1, -0.1 + 0.06])  # undo the -0.12 move
    better = [
        float(v[0, 0]) for v in steps("rprop", {**s, "variant": "irprop+"}, g, x0, [3, 2, 1, 0])
    ]
    assert better == pytest.approx(minus)  # loss fell: no backtracking
    worse = [
        float(v[0, 0]) for v in steps("rprop", {**s, "variant": "irprop+"}, g, x0, [3, 2, 5, 4])
    ]
    assert worse == pytest.approx(plus)
    keep = [float(v[0, 0]) for v in steps("rprop", {**s, "variant": "rprop-"}, g, x0)]
    assert keep == pytest.approx([-0.1, -0.22, -0.22 + 0.06, -0.22 + 0.06 + 0.06 * 1.2])


# Every setting that keeps or reads extra state, and per-run hyperparameter columns.
PURITY_CASES = [
    *CASES,
    ("rprop", {"variant": "rprop-"}),
    ("rprop", {"variant": "rprop+"}),
    ("rprop", {"variant": "irprop+", "lr": 0.5, "step_max": 1.0}),
    ("sgd", {"lr": np.array([0.1, 0.01]), "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": np.array([0.1, 0.5]), "weight_decay": np.array([0.0, 0.1])}),
    ("rmsprop", {"lr": np.array([0.1, 0.01]), "momentum": 0.5, "centered": True}),
    ("rmsprop", {"variant": "graves"}),
    ("rmsprop", {"variant": "tf1", "momentum": 0.9, "centered": True}),
    ("rmsprop", {"variant": "dl4j"}),
    (
        "rmsprop",
        {
            "lr_in_momentum": np.array([True, False]),
            "eps_in_sqrt": np.array([False, True]),
            "initial_accumulator_value": np.array([0.0, 1.0]),
            "momentum": 0.5,
        },
    ),
    ("adam", {"lr": np.array([0.1, 0.01]), "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"beta1": np.array([0.0, 0.9]), "amsgrad": True}),
    ("rprop", {"lr": np.array([0.1, 2.0]), "variant": "irprop+"}),
    (
        "nadam",
        {
            "beta1": np.array([0.5, 0.9]),
            "momentum_decay": np.array([0.0, 0.1]),
            "weight_decay": 0.1,
            "decoupled_weight_decay": np.array([True, False]),
        },
    ),
    ("adamax", {"lr": np.array([0.1, 0.01]), "beta2": np.array([0.5, 0.999])}),
]
# Two runs, five steps: sign flips, exact zeros, shrinking magnitudes (so AMSGrad's
# maximum differs from v) and a loss that both rises and falls (both irprop+ branches).
PURITY_GRADS = np.array(
    [
        [[3.0, -0.02, 40.0], [1.0, 2.0, -3.0]],
        [[-1.0, -0.5, 10.0], [1.0, -2.0, 0.0]],
        [[2.0, 0.0, -5.0], [-1.0, 2.0, 3.0]],
        [[2.0, 0.3, -0.1], [-0.5, -1.0, 3.0]],
        [[-0.2, 0.3, 0.01], [0.5, 1.0, -0.3]],
    ]
)
PURITY_LOSSES = np.array([[5.0, 5.0], [4.0, 6.0], [6.0, 4.0], [3.0, 7.0], [3.0, 2.0]])


def _arrays(prefix, record):
    """The numpy arrays of a state record or hyperparameter namespace, by name."""
    items = record.items() if isinstance(record, dict) else vars(record).items()
    return {f"{prefix}.{k}": v for k, v in items if isinstance(v, np.ndarray)}


def _same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("name", "settings"), PURITY_CASES, ids=lambda v: str(v))
def test_updates_leave_their_inputs_untouched_and_return_fresh_arrays(name, settings):
    """A recorded trajectory stays as recorded: no update writes into x, g, loss, h or
    the state it was given, and nothing it returns shares memory with them."""
    opt = OPTIMIZERS.get(name)
    h = hyper(opt.resolve(settings))
    x = np.array([[0.5, -1.5, 2.0], [-0.3, 0.8, 1.1]])
    s = opt.init(x, h)
    for step, (g, loss) in enumerate(
        zip(PURITY_GRADS.copy(), PURITY_LOSSES.copy(), strict=True), start=1
    ):
        inputs = {
            "x": x,
            "g": g,
            "loss": loss,
            **_arrays("state", state_arrays(s)),
            **_arrays("h", h),
        }
        before = {k: v.copy() for k, v in inputs.items()}
        x_new, s_new = opt.update(x, g, s, h, loss)
        for k, v in inputs.items():
            assert _same_bits(v, before[k]), f"step {step}: update wrote into {k}"
        outputs = {"x_new": x_new, **_arrays("new state", state_arrays(s_new))}
        old_state = state_arrays(s)
        for k, v in outputs.items():
            for j, w in inputs.items():
                # a switched-off term's buffer is carried forward as the very same array;
                # that is safe because no update writes into its inputs (checked above)
                carried = j.startswith("state") and k == "new " + j and v is w
                assert carried or not np.shares_memory(v, w), (
                    f"step {step}: {k} shares memory with {j}"
                )
        assert old_state.keys() == state_arrays(s_new).keys()
        names = list(outputs)
        for i, k in enumerate(names):
            for j in names[i + 1 :]:
                assert not np.shares_memory(outputs[k], outputs[j]), (
                    f"step {step}: {k} shares memory with {j}"
                )
        assert np.all(np.isfinite(x_new))
        x, s = x_new, s_new


@pytest.mark.parametrize("name", NAMES)
def test_batched_sweep_equals_runs_one_at_a_time(name):
    opt = OPTIMIZERS.get(name)
    lrs = np.array([1e-3, 3e-3, 1e-2])
    p = make_problem("least-squares:batch=1" if name in VARIANCE_REDUCED else "rosenbrock")
    x0 = np.tile(p.start(), (3, 1))
    batch = run_batch(opt, opt.resolve({"lr": lrs}), p, x0, np.zeros(3), 50)
    for i, lr in enumerate(lrs):
        one = run_batch(opt, opt.resolve({"lr": lr}), p, x0[:1], np.zeros(1), 50)
        np.testing.assert_array_equal(batch.x[:, i], one.x[:, 0])


@pytest.mark.parametrize("name", GRADIENT_NAMES)
def test_converges_on_a_convex_quadratic(name):
    p = make_problem("sphere")
    opt = OPTIMIZERS.get(name)
    lr = {"sgd": 0.1, "adadelta": 1.0, "adagrad": 0.5, "rprop": 0.05}.get(name, 0.05)
    x0 = np.ones((1, p.dim))
    tr = run_batch(opt, opt.resolve({"lr": lr}), p, x0, np.zeros(1), 3000)
    assert tr.final_loss[0] < 1e-3 * float(np.sum(x0**2))  # sphere: f(x) = |x|^2


@pytest.mark.parametrize("name", GRADIENT_NAMES)
def test_goes_downhill_on_rosenbrock(name):
    p = make_problem("rosenbrock")
    opt = OPTIMIZERS.get(name)
    tr = run_batch(opt, opt.resolve({}), p, p.start()[None], np.zeros(1), 200)
    assert tr.final_loss[0] < 0.9 * tr.loss[0, 0]
    assert tr.diverged_at[0] == -1


def test_sgd_without_momentum_is_gradient_descent():
    (x1, x2) = steps("sgd", {"lr": 0.1, "dampening": 0.3}, [G1, G2])
    np.testing.assert_allclose(x2, X0 - 0.1 * G1 - 0.1 * G2, rtol=1e-15)


def test_adamw_without_decay_is_adam():
    a = steps("adam", {"lr": 0.02}, [G1, G2, G1])
    w = steps("adamw", {"lr": 0.02, "weight_decay": 0.0}, [G1, G2, G1])
    for p, q in zip(a, w, strict=True):
        np.testing.assert_array_equal(p, q)


def test_amsgrad_keeps_the_largest_second_moment():
    grads = [np.array([[10.0]]), np.array([[0.01]]), np.array([[0.01]])]
    opt = OPTIMIZERS.get("adam")
    h = hyper(opt.resolve({"amsgrad": True}))
    x, s = X0[:, :1], opt.init(X0[:, :1], h)
    for g in grads:
        x, s = opt.update(x, g, s, h)
    assert s.v_max[0, 0] == pytest.approx(0.001 * 100.0)
    assert s.v[0, 0] < s.v_max[0, 0]
    # the larger denominator is the one used: once v falls below its maximum, AMSGrad's
    # steps are shorter than Adam's on the same gradients
    x0 = X0[:, :1]
    ams = np.diff([x0[0, 0]] + [v[0, 0] for v in steps("adam", {"amsgrad": True}, grads, x0)])
    adam = np.diff([x0[0, 0]] + [v[0, 0] for v in steps("adam", {}, grads, x0)])
    assert ams[0] == adam[0] and np.all(np.abs(ams[1:]) < np.abs(adam[1:]))


def test_classic_six_are_registered():
    assert set(CLASSIC) <= set(NAMES) and len(CLASSIC) == 6


BAD = [
    ("sgd", {"lr": -1}, "sgd: lr=-1 is not allowed; lr must be a number >= 0"),
    (
        "sgd",
        {"momentum": "abc"},
        "sgd: momentum=abc is not allowed; momentum must be a number >= 0",
    ),
    ("sgd", {"nesterov": True}, "nesterov=true needs momentum > 0 and dampening = 0"),
    (
        "sgd",
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "needs momentum > 0 and dampening = 0",
    ),
    ("sgd", {"nesterov": "maybe"}, "nesterov must be true or false"),
    ("adam", {"beta2": 1.5}, "adam: beta2=1.5 is not allowed; beta2 must be a number in [0, 1)"),
    ("adam", {"beta1": 1}, "beta1 must be a number in [0, 1)"),
    ("adam", {"lr": "nan"}, "lr must be a number >= 0"),
    ("adam", {"lrr": 0.1}, "unknown adam hyperparameter 'lrr'; did you mean lr?"),
    ("rmsprop", {"alpha": 2}, "alpha must be a number in [0, 1]"),
    ("rprop", {"eta_minus": 1.0}, "eta_minus must be a number in (0, 1)"),
    ("rprop", {"eta_plus": 0.9}, "eta_plus must be a number > 1"),
    ("rprop", {"step_min": 2, "step_max": 1}, "step_min must be <= step_max"),
    ("rprop", {"variant": "rprop++"}, "variant must be one of irprop-, rprop-, rprop+, irprop+"),
    ("adagrad", {"eps": -1e-10}, "eps must be a number >= 0"),
    ("adadelta", {"rho": -0.1}, "rho must be a number in [0, 1]"),
    ("adam", {"lr": [0.1, -0.1]}, "lr must be a number >= 0"),
]


@pytest.mark.parametrize(("name", "settings", "message"), BAD, ids=[str(b[1]) for b in BAD])
def test_invalid_hyperparameters_name_optimizer_value_and_rule(name, settings, message):
    with pytest.raises(SpecError) as err:
        OPTIMIZERS.get(name).resolve(settings)
    assert message in str(err.value)


def test_unknown_optimizer_suggests_close_names():
    with pytest.raises(SpecError, match="unknown optimizer 'adm'; did you mean adam"):
        OPTIMIZERS.get("adm")


@pytest.mark.parametrize("name", NAMES)
def test_every_hyperparameter_is_documented_in_the_docstring(name):
    opt = OPTIMIZERS.get(name)
    torch_rule = name not in VARIANCE_REDUCED  # those follow their papers, not PyTorch
    assert ("Defaults (PyTorch)" if torch_rule else "Defaults:") in opt.rule
    assert "Paper" in opt.rule
    for p in opt.params:
        if p.kind != "choice":
            assert p.name in opt.rule, p.name
