"""Lesson ``adagrad-decay``: Adagrad's steps only shrink; RMSProp forgets; Adadelta's lr."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optcompare.lessons.adagrad_decay_text import COORDS, Roles, counter_case, findings
from optcompare.lessons.base import (
    Lesson,
    LessonResult,
    command,
    fmt,
    fmt_gap,
    new_figure,
    page,
    retitle,
    table,
)

PROBLEM = "quadratic:kappa=10"
#: RMSProp's first step per coordinate is lr |g| / sqrt((1 - alpha) g^2) = lr / sqrt(1 - alpha),
#: 10 lr at PyTorch's alpha = 0.99; Adagrad's is lr |g| / (|g| + eps), about lr.  So Adagrad
#: at 10 lr and RMSProp at lr make equal first steps.
FIRST_STEP_RATIO = 10
ADAGRAD, RMSPROP, ADADELTA = "adagrad:lr=0.05", "rmsprop:lr=0.05", "adadelta"
ADAGRAD_BIG, RMSPROP_SMALL = "adagrad:lr=0.5", "rmsprop:lr=0.005"
OPTS = [ADAGRAD, RMSPROP, RMSPROP_SMALL, ADAGRAD_BIG, ADADELTA]
#: (what the pair shares, Adagrad's spec, RMSProp's spec)
PAIRS = (
    ("the same lr 0.05", ADAGRAD, RMSPROP),
    ("equal first steps of 0.05", ADAGRAD, RMSPROP_SMALL),
    ("equal first steps of 0.5", ADAGRAD_BIG, RMSPROP),
)
#: Adadelta's lr swept around PyTorch's default 1 (Zeiler's rule has no lr: it is lr = 1)
ADADELTA_LRS = (0.1, 0.3, 1.0, 3.0, 10.0)
STEPS = 3000
#: the "end" effective step is the median of the last this-many finite steps
TAIL = 10


def first_and_last(e: np.ndarray) -> tuple[float, float]:
    """The first finite effective step and the median of the last ``TAIL`` finite ones."""
    e = np.abs(np.asarray(e, dtype=float))
    e = e[np.isfinite(e) & (e > 0)]
    if not e.size:
        return float("nan"), float("nan")
    return float(e[0]), float(np.median(e[-TAIL:]))


def first_at_most(gaps: np.ndarray, best: float) -> int:
    """The first step whose loss - f* is at its best (or below 1e-15, the float floor)."""
    return int(np.flatnonzero(gaps <= max(best, 1e-15))[0])


def describe(r, f_star: float, half: int) -> dict:
    """The numbers of one run: first step, effective steps, loss - f* along the run."""
    gaps = r.loss - f_star
    entry: dict = {
        "lr": r.hyperparameters["lr"],
        "first_step": float(np.max(np.abs(r.x[1] - r.x[0]))),
        "final_gap": r.final_loss - f_star,
        "best_gap": r.best_loss - f_star,
        "best_step": first_at_most(gaps, r.best_loss - f_star),
        "gap_at_half": float(gaps[half]),
    }
    ratios = []
    for j, c in enumerate(COORDS):
        first, last = first_and_last(r.effective_step[:, j])
        entry[f"effective_step_first_{c}"] = first
        entry[f"effective_step_end_{c}"] = last
        entry[f"effective_step_ratio_{c}"] = last / first
        ratios.append(last / first)
    entry["effective_step_ratio_max"] = float(np.nanmax(ratios))
    entry["effective_step_ratio_min"] = float(np.nanmin(ratios))
    e = np.abs(np.asarray(r.effective_step, dtype=float))
    # a rounding-level wobble (1e-12 relative) is not growth
    entry["effective_step_ever_grew"] = bool(np.any(e[1:] > e[:-1] * (1 + 1e-9)))
    if "sum" in r.state:
        entry["accumulator_at_half"] = [float(v) for v in r.state["sum"][half - 1]]
        entry["accumulator_end"] = [float(v) for v in r.state["sum"][-1]]
    return entry


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_effective_step, plot_loss
    from optcompare.plotting.style import same_result_inks

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, record_state=True)
    label = dict(zip(OPTS, result.labels, strict=True))
    roles = Roles(
        adagrad=label[ADAGRAD],
        rmsprop=label[RMSPROP],
        rmsprop_small=label[RMSPROP_SMALL],
        adagrad_big=label[ADAGRAD_BIG],
        adadelta=label[ADADELTA],
    )
    f_star = result.problem.f_star or 0.0
    half = STEPS // 2
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "optimizers": {}}
    rows = []
    for spec in OPTS:
        (r,) = result.runs_of(label[spec])
        e = numbers["optimizers"][r.label] = describe(r, f_star, half)
        rows.append(
            [
                r.label,
                e["first_step"],
                e["effective_step_ratio_x"],
                e["effective_step_ratio_y"],
                e["gap_at_half"],
                e["final_gap"],
                f"{fmt_gap(e['best_gap'])} (step {e['best_step']})",
            ]
        )
    eye = np.eye(2)  # axis-aligned quadratic: the gradients at the unit vectors give the curvatures
    h = (result.problem.grad(eye) - result.problem.grad(0 * eye)).diagonal()
    numbers["stability_limit"] = {c: float(2.0 / hj) for c, hj in zip(COORDS, h, strict=True)}
    numbers["pairs"] = [
        {"shared": shared, "adagrad": label[a], "rmsprop": label[b]} for shared, a, b in PAIRS
    ]

    sweep = optcompare.run([f"adadelta:lr={lr}" for lr in ADADELTA_LRS], PROBLEM, steps=STEPS)
    numbers["adadelta_lr_sweep"] = {
        fmt(lr): {
            "final_gap": r.final_loss - f_star,
            "best_gap": r.best_loss - f_star,
            "diverged": r.diverged_at is not None,
        }
        for lr, (r,) in zip(ADADELTA_LRS, (sweep.runs_of(lab) for lab in sweep.labels), strict=True)
    }
    finals = {k: v["final_gap"] for k, v in numbers["adadelta_lr_sweep"].items()}
    best_lr, worst_lr = min(finals, key=finals.__getitem__), max(finals, key=finals.__getitem__)
    numbers["adadelta_lr_spread"] = {
        "best_lr": best_lr,
        "worst_lr": worst_lr,
        "ratio": finals[worst_lr] / finals[best_lr],
    }

    o = numbers["optimizers"]
    figures = {}
    # one ink per label across the folder: its figures, animation and report's sliders
    with same_result_inks([result, sweep]) as book:
        fig, ax = new_figure()
        plot_loss(result, ax=ax)
        # two-line titles centred on the figure, not on the axes that the legend beside them
        # pushes left: there they wrapped to three lines in talk
        retitle(ax, "")
        fig.suptitle(
            f"{PROBLEM}: loss against step\nAdagrad and RMSProp at the same lr and at "
            f"equal first steps; Adadelta at lr 1",
            fontsize=14,
        )
        figures["loss"] = fig

        trio = [label[s] for s in (ADAGRAD, RMSPROP, ADADELTA)]
        fig, ax = new_figure()
        plot_effective_step(
            replace(result, runs=[r for r in result.runs if r.label in trio]),
            ax=ax,
            coordinate_names=["x (flat)", "y (steep)"],
        )
        ends = ", ".join(f"{lab} {fmt(o[lab]['effective_step_ratio_x'], 2)}" for lab in trio)
        retitle(ax, "")
        fig.suptitle(f"Effective step per coordinate\nend/first for x: {ends}", fontsize=14)
        figures["effective-step"] = fig

        fig, ax = new_figure()
        plot_loss(sweep, ax=ax)  # Adadelta's shades; lr 1 as in the loss figure
        spread = numbers["adadelta_lr_spread"]
        retitle(
            ax,
            f"Adadelta on {PROBLEM}, lr {fmt(ADADELTA_LRS[0])} to {fmt(ADADELTA_LRS[-1])}: "
            f"final loss - f* spans a factor {fmt(spread['ratio'], 2)}",
        )
        figures["adadelta-lr"] = fig

    text = page(
        TITLE,
        CLAIM,
        f"The ravine `{PROBLEM}` (curvatures {fmt(h[0])} and {fmt(h[1])}) from (-5, -2), "
        f"{STEPS} steps. Adagrad and RMSProp are compared in three pairs: at the same lr "
        f"0.05, and at equal first steps of 0.05 and of 0.5. The first step per coordinate "
        f"is lr g / (|g| + eps), about lr, for Adagrad, and lr g / sqrt((1 - alpha) g^2) = "
        f"lr / sqrt(1 - alpha) = {FIRST_STEP_RATIO} lr for RMSProp at PyTorch's alpha = "
        f"0.99; so Adagrad at lr 0.05 is paired with RMSProp at lr 0.005, and Adagrad at lr "
        f"0.5 with RMSProp at lr 0.05 (the measured first steps are in the table). Adadelta "
        f"runs at PyTorch's default lr = 1, which is Zeiler's rule, and again at lr "
        f"{', '.join(fmt(v) for v in ADADELTA_LRS)}. The optimizer state is recorded "
        f"(`record_state=True` in Python) for the effective step -(x_t - x_t-1) / g_t per "
        f"coordinate; its 'end' value is the median of the last {TAIL} steps.",
        [
            command(OPTS, PROBLEM, steps=STEPS),
            command([f"adadelta:lr={v}" for v in ADADELTA_LRS], PROBLEM, steps=STEPS),
        ],
        table(
            [
                "optimizer",
                "first step",
                "eff. step end/first x",
                "end/first y",
                f"loss - f* at {half}",
                f"at {STEPS}",
                "best",
            ],
            rows,
        )
        + "\n\nAdadelta's lr:\n\n"
        + table(
            ["Adadelta lr", f"loss - f* at {STEPS}", "best"],
            [
                [k, v["final_gap"], fmt_gap(v["best_gap"])]
                for k, v in numbers["adadelta_lr_sweep"].items()
            ],
        ),
        findings(numbers, roles, half),
        [
            (
                f"loss.{ext}",
                "loss - f* on a log scale for all five runs; compare each Adagrad "
                "run with the RMSProp run that makes the same first step.",
            ),
            (
                f"effective-step.{ext}",
                f"the step each coordinate got per unit gradient (log "
                f"scale; solid x, dashed y) for {', '.join(trio)}; end/first for x: {ends}.",
            ),
            (
                f"adadelta-lr.{ext}",
                f"Adadelta's loss at lr {', '.join(fmt(v) for v in ADADELTA_LRS)}"
                f": final loss - f* from {fmt(finals[best_lr])} (lr {best_lr}) to "
                f"{fmt(finals[worst_lr])} (lr {worst_lr}).",
            ),
        ],
        notes="Adagrad's effective step is lr / (sqrt(sum of all squared gradients) + eps): "
        "the sum never forgets, so the step can only shrink; with gradients of steady "
        "size it falls like 1/sqrt(t), and when the gradients shrink geometrically the "
        "sum converges and the step levels off. RMSProp replaces the sum by a running "
        "average (alpha = 0.99, a memory of about 100 steps). Adadelta also divides by "
        "a running average, and multiplies by a running average of its own past steps, "
        "which starts at eps = 1e-6. Zeiler's Adadelta (2012) has no learning rate; "
        "PyTorch's keeps one, lr (default 1.0), that multiplies every step, so lr = 1 "
        "is the paper's rule.",
        counter=counter_case(numbers, roles),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"adagrad-decay": result, "adadelta-lr": sweep},
        inks=book,
    )


TITLE = "Adagrad's shrinking steps, RMSProp's memory, and Adadelta's learning rate"
CLAIM = (
    "On the ravine quadratic:kappa=10 over 3000 steps, Adagrad divides by the sum of all "
    "past squared gradients, so its effective step only shrinks, and at lr 0.05 it "
    "stalls; RMSProp, which divides by a running average, keeps moving, both at the same "
    "lr and at the same first step. Adadelta's rule (Zeiler 2012) has no learning rate, "
    "but PyTorch's version multiplies its step by lr (default 1), and that lr matters."
)

LESSON = Lesson(name="adagrad-decay", title=TITLE, claim=CLAIM, run=run)
