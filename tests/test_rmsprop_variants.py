"""RMSProp as each source writes it (``rmsprop:variant=NAME``), against the sources' rules.

The references below are written from each source's own formulas (see the module
docstring of optcompare.optimizers.rmsprop for where they come from), one scalar weight
at a time in plain Python, in the source's notation and order of operations; none of
them calls into optcompare.  First steps are also written out by hand.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.optimizers import OPTIMIZERS
from optcompare.optimizers.base import hyper
from optcompare.problem import make_problem

RMS = OPTIMIZERS.get("rmsprop")
VARIANTS = ("torch", "seed", "hinton", "graves", "tf1", "keras", "dl4j")


def torch_rule(gs, w, lr=1e-2, alpha=0.99, eps=1e-8):
    """torch.optim.RMSprop: square_avg starts at 0; w -= lr g / (sqrt(square_avg) + eps)."""
    square_avg, out = 0.0, []
    for g in gs:
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        w = w - lr * g / (math.sqrt(square_avg) + eps)
        out.append(w)
    return out


def seed_rule(gs, theta, alpha=1e-2, beta=0.9, eps=1e-8):
    """The explainer: v_t = beta v + (1 - beta) g^2; theta -= alpha / sqrt(v_t + eps) g."""
    v, out = 0.0, []
    for g in gs:
        v = beta * v + (1 - beta) * g**2
        theta = theta - alpha / math.sqrt(v + eps) * g
        out.append(theta)
    return out


def hinton_rule(gs, w, lr=1e-2, eps=1e-8):
    """Lecture 6e: MeanSquare = 0.9 MeanSquare + 0.1 g^2; divide g by sqrt(MeanSquare).

    The slide gives no eps, start or lr: PyTorch's (eps outside the root, 0, 1e-2).
    """
    mean_square, out = 0.0, []
    for g in gs:
        mean_square = 0.9 * mean_square + 0.1 * g**2
        w = w - lr * g / (math.sqrt(mean_square) + eps)
        out.append(w)
    return out


def graves_rule(gs, w):
    """Graves 2013 eqs. 38-41 with aleph 0.95, beth 0.9, gimel 1e-4, daleth 1e-4; state 0."""
    aleph, beth, gimel, daleth = 0.95, 0.9, 1e-4, 1e-4
    n = gbar = delta = 0.0
    out = []
    for g in gs:
        n = aleph * n + (1 - aleph) * g**2
        gbar = aleph * gbar + (1 - aleph) * g
        delta = beth * delta - gimel * g / math.sqrt(n - gbar**2 + daleth)
        w = w + delta
        out.append(w)
    return out


def tf1_rule(gs, var, lr=1e-2, decay=0.9, momentum=0.0, epsilon=1e-10):
    """tf.train.RMSPropOptimizer: the rms slot starts at ONE.

    mean_square = decay ms + (1 - decay) g^2; mom = momentum mom + lr g / sqrt(ms + eps);
    var -= mom.
    """
    ms, mom, out = 1.0, 0.0, []
    for g in gs:
        ms = decay * ms + (1 - decay) * g * g
        mom = momentum * mom + lr * g / math.sqrt(ms + epsilon)
        var = var - mom
        out.append(var)
    return out


def keras_rule(gs, var, learning_rate=1e-3, rho=0.9, epsilon=1e-7, momentum=0.0):
    """keras RMSprop: v = rho v + (1 - rho) g^2; incr = lr g / sqrt(v + eps); m = mu m + incr."""
    v, m, out = 0.0, 0.0, []
    for g in gs:
        v = rho * v + (1 - rho) * g**2
        increment = learning_rate * g / math.sqrt(v + epsilon)
        if momentum > 0:
            m = momentum * m + increment
            var = var - m
        else:
            var = var - increment
        out.append(var)
    return out


def dl4j_rule(gs, w, lr=0.1, decay=0.95, epsilon=1e-8):
    """DL4J RmsProp: cache starts at eps; cache = d cache + (1-d) g^2; lr g / (sqrt(cache) + eps)."""
    cache, out = epsilon, []
    for g in gs:
        cache = decay * cache + (1 - decay) * g * g
        w = w - lr * g / (math.sqrt(cache) + epsilon)
        out.append(w)
    return out


RULES = {
    "torch": torch_rule,
    "seed": seed_rule,
    "hinton": hinton_rule,
    "graves": graves_rule,
    "tf1": tf1_rule,
    "keras": keras_rule,
    "dl4j": dl4j_rule,
}

# One column per weight: large, small (eps and the initial value matter), sign flips,
# an exact zero, and a tiny gradient where Graves's eps = 1e-4 under the root dominates.
GRADS = np.array(
    [
        [3.0, -0.02, 40.0, 0.0, 1e-5],
        [-1.0, -0.5, 10.0, 0.3, 2e-5],
        [2.0, 0.001, -5.0, -0.3, -1e-5],
        [0.5, 0.0, 1e-3, 0.1, 3e-5],
        [-0.2, 0.3, 0.01, 0.0, 1e-6],
    ]
)
X0 = np.array([[0.5, -1.5, 2.0, 0.0, 1.0]])


def steps(settings, grads=GRADS, x0=X0):
    h = hyper(RMS.resolve(settings))
    x, s, out = x0, RMS.init(x0, h), []
    for g in grads:
        x, s = RMS.update(x, g[None, :], s, h)
        out.append(x[0])
    return np.array(out)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_preset_follows_its_sources_rule(variant):
    got = steps({"variant": variant})
    for j in range(GRADS.shape[1]):
        expected = RULES[variant](list(GRADS[:, j]), float(X0[0, j]))
        np.testing.assert_allclose(got[:, j], expected, rtol=1e-12, atol=1e-15)


def test_rules_in_the_table_are_the_issues():
    assert set(RULES) == set(VARIANTS) == {p.name for p in RMS.presets}


def test_first_steps_by_hand():
    """One weight at 0, first gradient g, each source's formula evaluated by hand."""
    g = 0.1
    x = np.zeros((1, 1))

    def first(variant):
        return float(steps({"variant": variant}, np.array([[g]]), x)[0, 0])

    # torch: v = 0.01 g^2, step lr g / (0.1 g + 1e-8) ~ 10 lr = 0.1
    assert first("torch") == pytest.approx(-0.01 * 0.1 / (0.1 * 0.1 + 1e-8), rel=1e-12)
    assert first("torch") == pytest.approx(-0.1, rel=1e-6)
    # seed and hinton: v = 0.1 g^2, step ~ lr / sqrt(0.1) = 0.0316
    assert first("seed") == pytest.approx(-0.01 * 0.1 / math.sqrt(0.001 + 1e-8), rel=1e-12)
    assert first("hinton") == pytest.approx(-0.01 * 0.1 / (math.sqrt(0.001) + 1e-8), rel=1e-12)
    assert first("seed") == pytest.approx(-0.0316228, rel=1e-5)
    # tf1: v = 0.9 * 1 + 0.1 g^2 = 0.901, step = lr g / sqrt(0.901) ~ lr g
    assert first("tf1") == pytest.approx(-0.01 * 0.1 / math.sqrt(0.901 + 1e-10), rel=1e-12)
    assert first("tf1") == pytest.approx(-0.00105351, rel=1e-5)
    # keras: 1e-3 g / sqrt(0.1 g^2 + 1e-7)
    assert first("keras") == pytest.approx(-1e-3 * 0.1 / math.sqrt(0.001 + 1e-7), rel=1e-12)
    # dl4j: cache = 0.95e-8 + 0.05 g^2 = 0.0005 + 9.5e-9
    assert first("dl4j") == pytest.approx(
        -0.1 * 0.1 / (math.sqrt(0.95e-8 + 0.0005) + 1e-8), rel=1e-12
    )
    # graves: n = 0.05 g^2, gbar = 0.05 g, den = sqrt(n - gbar^2 + 1e-4)
    den = math.sqrt(0.05 * 0.01 - (0.05 * 0.1) ** 2 + 1e-4)
    assert first("graves") == pytest.approx(-1e-4 * 0.1 / den, rel=1e-12)


def test_keras_docstring_example_two_steps(cli):
    """Keras's RMSprop docstring: lr 0.1, var 10, loss var^2/2 -> 9.683772 after one step."""
    code, _, err = cli(
        "run",
        "--opt",
        "rmsprop:variant=keras,lr=0.1",
        "--problem",
        "expr:x**2/2",
        "--start",
        "10",
        "--steps",
        "2",
        "--no-plot",
        "--out",
        "k",
    )
    assert code == 0, err
    with open("k/trajectory.csv", newline="") as f:
        xs = [float(r["x0"]) for r in csv.DictReader(f)]
    # step 1: v = 0.1 * 10^2 = 10; x = 10 - 0.1 * 10 / sqrt(10 + 1e-7)
    x1 = 10 - 0.1 * 10 / math.sqrt(10 + 1e-7)
    assert round(x1, 6) == 9.683772
    # step 2: g = x1; v = 0.9 * 10 + 0.1 * x1^2; x = x1 - 0.1 x1 / sqrt(v + 1e-7)
    v2 = 0.9 * 10 + 0.1 * x1**2
    x2 = x1 - 0.1 * x1 / math.sqrt(v2 + 1e-7)
    assert round(x2, 6) == 9.45788  # 93.7755 / 10 + 9 = 18.3775, sqrt 4.2869, step 0.22589
    assert xs == pytest.approx([10.0, x1, x2], rel=1e-12)


def test_explicit_keys_override_the_preset():
    values = RMS.resolve({"variant": "tf1", "alpha": "0.5", "eps_in_sqrt": "false"})
    assert values["alpha"] == 0.5 and values["eps_in_sqrt"] is False
    assert values["initial_accumulator_value"] == 1.0 and values["eps"] == 1e-10  # kept
    g = 0.1
    (x1,) = steps({"variant": "tf1", "alpha": 0.5, "eps_in_sqrt": False}, np.array([[g]]))[:, :1]
    v1 = 0.5 * 1.0 + 0.5 * g * g
    assert x1[0] == pytest.approx(0.5 - 0.01 * g / (math.sqrt(v1) + 1e-10), rel=1e-12)
    # the order of keys does not matter: the preset never overrides a given key
    assert RMS.resolve({"lr": 0.3, "variant": "keras"})["lr"] == 0.3


def test_torch_preset_is_the_default_and_fills_are_torchs():
    default = RMS.resolve({})
    assert default == RMS.resolve({"variant": "torch"})
    for preset in RMS.presets:
        for key in preset.filled:
            assert preset.values[key] == default[key], (preset.name, key)


def test_unknown_variant_is_one_line_naming_the_allowed_ones(cli):
    with pytest.raises(SpecError) as info:
        RMS.resolve({"variant": "adam"})
    message = str(info.value)
    assert "\n" not in message
    for name in VARIANTS:
        assert name in message
    code, out, err = cli("run", "--opt", "rmsprop:variant=tf2", "--problem", "sphere", "--no-plot")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "tf1, keras, dl4j" in err


def _quadratic_two_steps(lr_in_momentum, factors, steps_=2):
    values = RMS.resolve(
        {"lr": 0.1, "momentum": 0.9, "alpha": 0.9, "lr_in_momentum": lr_in_momentum}
    )
    tr = run_batch(
        RMS,
        values,
        make_problem("expr:x**2/2"),
        np.array([[10.0]]),
        np.array([0]),
        steps_,
        lr_factors=factors,
    )
    return tr.x[:, 0, 0]


def test_lr_in_momentum_matches_torch_at_constant_lr():
    torch_x = _quadratic_two_steps(False, None, 8)
    inside = _quadratic_two_steps(True, None, 8)
    np.testing.assert_allclose(inside, torch_x, rtol=1e-13)
    assert not np.allclose(torch_x[1:], 10.0)  # it did move


def test_lr_in_momentum_differs_under_a_step_schedule():
    """StepLR halving after step 1: lr 0.1 then 0.05; f = x^2/2 from 10, momentum 0.9."""
    factors = np.array([1.0, 0.5])
    torch_x = _quadratic_two_steps(False, factors)
    inside = _quadratic_two_steps(True, factors)
    a1 = math.sqrt(0.1 * 100) + 1e-8  # v1 = 0.1 * 10^2
    x1 = 10 - 0.1 * 10 / a1  # the same first step in both placements
    a2 = math.sqrt(0.9 * 10 + 0.1 * x1**2) + 1e-8
    # PyTorch: b2 = 0.9 g1/a1 + g2/a2, x2 = x1 - 0.05 b2 (the halved lr rescales the past)
    x2_torch = x1 - 0.05 * (0.9 * 10 / a1 + x1 / a2)
    # lr inside: b2 = 0.9 (0.1 g1/a1) + 0.05 g2/a2, x2 = x1 - b2 (the past keeps lr 0.1)
    x2_inside = x1 - (0.9 * 0.1 * 10 / a1 + 0.05 * x1 / a2)
    assert torch_x == pytest.approx([10.0, x1, x2_torch], rel=1e-12)
    assert inside == pytest.approx([10.0, x1, x2_inside], rel=1e-12)
    assert x2_torch - x2_inside == pytest.approx(0.045 * 10 / a1, rel=1e-9)  # 0.142


def test_explain_shows_the_variant_table_with_sources(cli):
    code, out, _ = cli("explain", "rmsprop")
    assert code == 0
    table = out[out.index("Variants (") :]
    for name in VARIANTS:
        assert name in table
    for source in ("Graves 2013", "tf.train.RMSPropOptimizer", "keras", "Deeplearning4j"):
        assert source in table
    assert "PyTorch's is used" in table
    hinton_col = [line for line in table.splitlines() if line.strip().startswith("eps ")][0]
    assert "1e-8*" in hinton_col and "0.0001" in hinton_col and "1e-10" in hinton_col
