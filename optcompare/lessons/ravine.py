"""Lesson ``ravine``: SGD zig-zags across a valley; momentum and per-coordinate scaling help."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare.lessons.base import (
    TITLE,
    Lesson,
    LessonResult,
    command,
    fmt,
    new_figure,
    page,
    retitle,
    style,
    table,
)
from optcompare.lessons.ravine_figures import (
    adam_scale,
    plot_adam_scale,
    plot_coordinate,
    plot_effective_steps,
)
from optcompare.lessons.ravine_text import counter_case, findings

KAPPA = 25
PROBLEM = f"quadratic:kappa={KAPPA}"
LR = 0.07
SGD, MOMENTUM, RMSPROP, ADAM = (
    f"sgd:lr={LR}",
    f"sgd:lr={LR},momentum=0.5",
    "rmsprop:lr=0.1",
    "adam:lr=0.3",
)
OPTS = [SGD, MOMENTUM, RMSPROP, ADAM]
#: the counter-case: SGD's momentum swept at the same lr, up to the common choice 0.9
#: (PyTorch's own default is 0)
BETAS = (0.0, 0.25, 0.5, 0.75, 0.9)
COMMON_BETA = 0.9
#: the momentum figure shows these (shades of one optimizer need few lines)
SHOWN_BETAS = (0.0, 0.5, 0.9)
STEPS = 100
TOL = 1e-3
#: a crossing of the valley floor counts as a zig-zag while the run is still this far
#: off the floor, relative to where it started (later crossings are invisible)
VISIBLE = 0.01


def zigzags(y: np.ndarray, threshold: float) -> int:
    """Sign changes of ``y`` from one step to the next, counted while |y| > threshold."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    flips = (np.sign(y[1:]) * np.sign(y[:-1]) < 0) & (np.abs(y[:-1]) > threshold)
    return int(np.sum(flips))


def curvatures(problem) -> np.ndarray:
    """The Hessian's diagonal of a quadratic, from gradients at the unit vectors."""
    eye = np.eye(problem.dim)
    return np.asarray(problem.grad(eye) - problem.grad(np.zeros_like(eye)), dtype=float).diagonal()


def contraction(lr: float, beta: float, h: float) -> float:
    """How much |x| shrinks per step, in the long run, for SGD with momentum ``beta``
    (PyTorch's heavy ball) on a 1-D quadratic of curvature ``h``.

    Derivation: b_t = beta b_t-1 + h x_t-1 and x_t = x_t-1 - lr b_t give
    x_t = (1 + beta - lr h) x_t-1 - beta x_t-2, whose characteristic polynomial is
    z^2 - (1 + beta - lr h) z + beta; the factor is its largest root modulus.  With
    beta = 0 it is |1 - lr h|; with complex roots it is sqrt(beta).
    """
    return float(np.max(np.abs(np.roots([1.0, -(1.0 + beta - lr * h), beta]))))


def step_ratio(effective_step: np.ndarray, flat: int = 0, steep: int = 1) -> float:
    """Median over steps of |effective step of the flat coordinate| / |... of the steep one|."""
    E = np.abs(np.asarray(effective_step, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = E[:, flat] / E[:, steep]
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.median(r)) if r.size else float("nan")


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path
    from optcompare.plotting.style import same_result_inks

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, tol=TOL, record_state=True)
    y0 = abs(float(result.problem.start()[1]))
    threshold = VISIBLE * y0
    mu, L = (float(h) for h in sorted(curvatures(result.problem)))
    rows: list[list[Any]] = []
    numbers: dict[str, Any] = {
        "problem": PROBLEM,
        "steps": STEPS,
        "zigzag_threshold": threshold,
        "curvatures": {"mu": mu, "L": L},
        "optimizers": {},
    }
    for r in result.runs:
        z = zigzags(r.x[:, 1], threshold)
        ratio = step_ratio(r.effective_step)
        numbers["optimizers"][r.label] = {
            "lr": r.hyperparameters["lr"],
            "zigzags": z,
            "effective_step_ratio": ratio,
            "final_loss": r.final_loss,
            "steps_to_loss_1e-3": r.steps_to_tol,
        }
        rows.append(
            [
                r.label,
                z,
                ratio,
                "-" if r.steps_to_tol is None else str(r.steps_to_tol),
                r.final_loss,
            ]
        )
    o = numbers["optimizers"]
    label = dict(zip(OPTS, result.labels, strict=True))
    numbers["zigzags_sgd"] = o[label[SGD]]["zigzags"]
    numbers["zigzags_momentum"] = o[label[MOMENTUM]]["zigzags"]
    for key, spec in (("sgd", SGD), ("rmsprop", RMSPROP), ("adam", ADAM)):
        numbers[f"effective_step_ratio_{key}"] = o[label[spec]]["effective_step_ratio"]
    S = adam_scale(result.runs_of(label[ADAM])[0])
    numbers["adam_scale_ratio"] = float(np.median(S[:, 0] / S[:, 1]))

    # the counter-case: the same SGD with more momentum
    sweep = optcompare.run(
        [f"sgd:lr={LR},momentum={b}" for b in BETAS], PROBLEM, steps=STEPS, tol=TOL
    )
    beta_label = dict(zip(BETAS, sweep.labels, strict=True))
    numbers["momentum_sweep"] = {
        str(b): {
            "zigzags": zigzags(r.x[:, 1], threshold),
            "steps_to_loss_1e-3": r.steps_to_tol,
            "final_loss": r.final_loss,
            "contraction_steep": contraction(LR, b, L),
            "contraction_flat": contraction(LR, b, mu),
        }
        for b, (r,) in ((b, sweep.runs_of(beta_label[b])) for b in BETAS)
    }
    m = numbers["momentum_sweep"]
    numbers["zigzags_momentum_common"] = m[str(COMMON_BETA)]["zigzags"]
    beta_rows = [
        [
            fmt(b),
            m[str(b)]["zigzags"],
            m[str(b)]["contraction_steep"],
            m[str(b)]["contraction_flat"],
            "-"
            if m[str(b)]["steps_to_loss_1e-3"] is None
            else str(m[str(b)]["steps_to_loss_1e-3"]),
            m[str(b)]["final_loss"],
        ]
        for b in BETAS
    ]

    roles = {
        key: label[spec]
        for key, spec in (
            ("sgd", SGD),
            ("momentum", MOMENTUM),
            ("rmsprop", RMSPROP),
            ("adam", ADAM),
        )
    }
    crossings = "; ".join(f"{lab}: {v['zigzags']}" for lab, v in o.items())
    figures = {}
    # one ink per label across the folder: its figures, animation and report's sliders
    with same_result_inks([result, sweep]) as book:
        fig, ax = new_figure(figsize=(10.0, 6.4))
        plot_path(result, ax=ax)
        retitle(ax, f"Ravine f = (x^2 + {KAPPA} y^2) / 2: paths over {STEPS} steps")
        figures["path"] = fig

        fig, ax = new_figure()
        plot_coordinate(result, 1, ax, band=threshold, steps=40, name="y")
        style(
            ax,
            "The steep coordinate y: every sign change is one zig-zag across the valley",
            "step",
            "y (steep coordinate)",
        )
        figures["steep-coordinate"] = fig

        fig, ax = new_figure()
        plot_coordinate(
            sweep,
            1,
            ax,
            band=threshold,
            steps=60,
            name="y",
            labels=[beta_label[b] for b in SHOWN_BETAS],
        )
        counts = ", ".join(f"{fmt(b)}: {m[str(b)]['zigzags']}" for b in SHOWN_BETAS)
        style(
            ax,
            f"SGD at lr {fmt(LR)}: y over the first 60 steps\nzig-zags in {STEPS} steps, "
            f"by momentum: {counts}",
            "step",
            "y (steep coordinate)",
        )
        figures["momentum"] = fig

        fig, ax = new_figure()
        plot_loss(result, ax=ax)
        retitle(ax, f"Ravine (kappa = {KAPPA}): loss against step")
        figures["loss"] = fig

        r_sgd, r_rms = numbers["effective_step_ratio_sgd"], numbers["effective_step_ratio_rmsprop"]
        fig, axes = new_figure(1, 2, figsize=(13.0, 5.6), sharey=True)
        plot_effective_steps(result, [label[SGD], label[RMSPROP]], axes[0])
        style(axes[0], "Effective step  -(x_t - x_t-1) / g_t", "step", "step per unit gradient")
        plot_adam_scale(result, label[ADAM], axes[1])
        style(
            axes[1],
            # one line in paper, two at most in talk (wrapped at spaces near the right edge)
            "Adam's scale on m_hat:  lr / (sqrt(v_hat) + eps)",
            "step",
            "",
        )
        fig.suptitle(
            f"Flat x over steep y, median over the run: SGD's step {fmt(r_sgd, 2)}, "
            f"RMSProp's {fmt(r_rms, 2)}, Adam's scale {fmt(numbers['adam_scale_ratio'], 2)}",
            fontsize=TITLE,
        )
        figures["effective-step"] = fig

    text = page(
        TITLE_,
        CLAIM,
        f"The ravine f(x, y) = (x^2 + {KAPPA} y^2) / 2 (problem `{PROBLEM}`: its axes are "
        f"the coordinate axes, so per-coordinate scaling can fit it), from "
        f"(-5, -2), {STEPS} steps, with {', '.join(f'`{s}`' for s in OPTS)}. The "
        f"curvatures are mu = {fmt(mu)} (along x) and L = {fmt(L)} (along y), so "
        f"kappa = L / mu = {fmt(L / mu)}. SGD's lr {fmt(LR)} lies between 1/L = "
        f"{fmt(1 / L)} and 2/L = {fmt(2 / L)}: below 2/L it is stable, above 1/L each step "
        f"overshoots the valley floor (y flips sign; |1 - lr L| = {fmt(abs(1 - LR * L))}). "
        f"The lrs in these specs were picked by hand to show the zig-zag; they are not "
        f"tuned. The optimizer state is recorded (`record_state=True` in Python) to get "
        f"the effective step -(x_t - x_t-1) / g_t of each coordinate. A zig-zag is a sign "
        f"change of y while |y| > {fmt(threshold)} (1% of where y started). The counter-case "
        f"runs SGD at the same lr {fmt(LR)} with momentum {', '.join(fmt(b) for b in BETAS)}.",
        [
            command(OPTS, PROBLEM, steps=STEPS, tol=TOL),
            command([f"sgd:lr={LR},momentum={b}" for b in BETAS], PROBLEM, steps=STEPS, tol=TOL),
        ],
        table(
            ["optimizer", "zig-zags", "flat/steep step", "steps to loss 1e-3", "final loss"], rows
        )
        + f"\n\nSGD at lr {fmt(LR)} with momentum beta (contraction: how much |y| or |x| "
        f"shrinks per step in the long run, from the roots of z^2 - (1 + beta - lr h) z + "
        f"beta with h = L or mu):\n\n"
        + table(
            [
                "momentum",
                "zig-zags",
                "contraction of y",
                "of x",
                "steps to loss 1e-3",
                "final loss",
            ],
            beta_rows,
        ),
        findings(numbers, roles, threshold, LR, KAPPA),
        [
            (
                f"path.{ext}",
                f"the paths over the contours. Crossings of the valley floor while "
                f"|y| > {fmt(threshold)}: {crossings}.",
            ),
            (
                f"steep-coordinate.{ext}",
                "y against the step for the first 40 steps; every "
                "crossing of the middle line outside the grey band is a zig-zag.",
            ),
            (
                f"momentum.{ext}",
                f"the counter-case: y for SGD at lr {fmt(LR)} with momentum "
                f"{', '.join(fmt(b) for b in SHOWN_BETAS)} over the first 60 steps; zig-zags "
                f"{counts}.",
            ),
            (f"loss.{ext}", "loss - f* on a log scale, at the hand-picked lrs above."),
            (
                f"effective-step.{ext}",
                "per coordinate, log scale, flat x solid and steep y "
                "dashed. Left: the step per unit gradient (SGD's two lines coincide at its lr). "
                "Right: Adam's effective step also carries earlier gradients through its "
                "momentum (it jumps wherever the gradient changes sign), so the panel shows the "
                "factor Adam applies to its momentum instead.",
            ),
            (
                "animation.gif",
                f"the same paths growing step by step beside the loss; "
                f"crossings of the valley floor over the run: {crossings}.",
            ),
        ],
        counter=counter_case(numbers, threshold, LR, BETAS, COMMON_BETA),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"ravine": result, "momentum": sweep},
        animations=("ravine",),
        inks=book,
    )


TITLE_ = "A ravine: zig-zags, momentum, and per-coordinate steps"
CLAIM = (
    f"In a narrow axis-aligned valley (curvatures 1 and {KAPPA}) SGD at lr {LR} "
    f"zig-zags across the steep direction while crawling along the flat one. Momentum "
    f"0.5 at the same lr damps the zig-zag (momentum 0.9 does not); RMSProp and Adam "
    f"rescale each coordinate, giving the flat one a longer step."
)

LESSON = Lesson(name="ravine", title=TITLE_, claim=CLAIM, run=run)
