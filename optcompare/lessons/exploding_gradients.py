"""Lesson ``exploding-gradients``: on rnn-cliff, plain SGD that lands on the cliff jumps far;
clipping the gradient's norm bounds its step, and RMSProp and Adam bound theirs by their
normalisation, which rescales the step but leaves the gradient as it is."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from optcompare.lessons.base import (
    LABEL,
    LEGEND,
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
from optcompare.lessons.exploding_gradients_figures import (
    adam_bound,
    annotate_jump,
    default_numbers,
    edge_numbers,
    gradient_share,
    jumper_numbers,
    largest_step,
    lr_scan,
    plot_largest_cdf,
    plot_lr_scan,
    plot_step_lengths,
    rmsprop_ratios,
    split_shares,
    summarise_seeds,
)
from optcompare.lessons.exploding_gradients_text import counter_case, findings, setup

PROBLEM = "rnn-cliff"
#: rnn-cliff's WALL_LR: from the default start plain SGD at this lr lands on the cliff
LR = 0.03
CLIP = 1.0
SGD = f"sgd:lr={LR}"
#: RMSProp at torch's defaults (lr 0.01, alpha 0.99); Adam at lr 0.01, its other defaults
RMSPROP, ADAM = "rmsprop", "adam:lr=0.01"
STEPS = 300
SEEDS = 1000
#: each seed's start is the default start moved by N(0, JITTER^2) per coordinate
JITTER = 0.2
#: a step longer than JUMP is a jump (the window is 4 x 2); longer than 1 a large step
JUMP = 100.0
THRESHOLDS = (1.0, JUMP)
#: "converged" for the shares of runs: final loss at most this (f* = 0)
TOL = 1e-6
#: RMSProp's step against SGD's: a gradient above BIG, below SMALL, and the plateau below
#: the cliff (loss above PLATEAU; the default start's loss is 4.1)
BIG, SMALL, PLATEAU = 100.0, 0.1, 1.0
#: the gradient's terms from all but the last RECENT time steps of the recurrence
RECENT = 10
#: SGD's lrs from the default start (log-spaced), for the luck of landing on the cliff
SCAN = (0.005, 0.1, 200)
#: RMSProp again from every start moved by this in w, to measure how chaotic its end is
NUDGE = 1e-12


def _relabel(result: Any, suffix: str) -> Any:
    runs = [dataclasses.replace(r, label=r.label + suffix) for r in result.runs]
    return dataclasses.replace(result, runs=runs)


def _merged(base: Any, other: Any) -> Any:
    """``base`` with ``other``'s runs added (same problem, steps and seeds), for figures."""
    return dataclasses.replace(base, runs=[*base.runs, *other.runs])


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.optimizers import OPTIMIZERS
    from optcompare.plotting import plot_path, result_colors

    opts = [SGD, RMSPROP, ADAM]
    clip_suffix = f" clip_norm={fmt(CLIP)}"
    default = optcompare.run(opts, PROBLEM, steps=STEPS)
    default_clip = optcompare.run([SGD], PROBLEM, steps=STEPS, clip_norm=CLIP)
    seeded = optcompare.run(opts, PROBLEM, steps=STEPS, seeds=SEEDS, jitter=JITTER)
    seeded_clip = optcompare.run(
        [SGD], PROBLEM, steps=STEPS, seeds=SEEDS, jitter=JITTER, clip_norm=CLIP
    )
    problem: Any = default.problem  # rnn-cliff's T, x0 and target are not Problem's

    def wall(w: Any) -> Any:
        # where x0 is the unstable fixed point of x -> w tanh(x) + b: the cliff
        return problem.x0 - w * math.tanh(problem.x0)

    one = _merged(default, _relabel(default_clip, clip_suffix))
    many = _merged(seeded, _relabel(seeded_clip, clip_suffix))
    sgd, rms, adam = default.labels
    clipped = sgd + clip_suffix
    labels = [sgd, clipped, rms, adam]

    rms_values = OPTIMIZERS.get("rmsprop").resolve({})
    adam_values = OPTIMIZERS.get("adam").resolve({"lr": 0.01})
    alpha, rms_lr = float(rms_values["alpha"]), float(rms_values["lr"])
    root_dim = math.sqrt(problem.dim)
    bounds = {
        clipped: LR * CLIP,  # |g| <= CLIP after clipping
        rms: root_dim * rms_lr / math.sqrt(1 - alpha),  # per coordinate: v >= (1-alpha) g^2
        adam: root_dim
        * float(adam_values["lr"])
        * adam_bound(float(adam_values["beta1"]), float(adam_values["beta2"]), STEPS),
    }

    methods = {lab: summarise_seeds(many, lab, THRESHOLDS, TOL) for lab in labels}
    largest = {lab: methods[lab].pop("largest") for lab in labels}
    first = {lab: default_numbers(one.runs_of(lab)[0]) for lab in labels}
    lrs = np.logspace(math.log10(SCAN[0]), math.log10(SCAN[1]), SCAN[2])
    scan = lr_scan(problem, lrs, STEPS)
    # the same starts moved by NUDGE in w: how much of RMSProp's end is settled by rounding
    x0 = problem.start()
    nudged = optcompare.run(
        [RMSPROP], PROBLEM, steps=STEPS, seeds=SEEDS, jitter=JITTER, start=[x0[0] + NUDGE, x0[1]]
    )

    numbers: dict[str, Any] = {
        "problem": PROBLEM,
        "T": problem.T,
        "target": problem.target,
        "start": [float(v) for v in problem.start()],
        "window": [list(w) for w in problem.window()],
        "steps": STEPS,
        "seeds": SEEDS,
        "jitter": JITTER,
        "lr": LR,
        "clip_norm": CLIP,
        "jump": JUMP,
        "thresholds": list(THRESHOLDS),
        "tol": TOL,
        "labels": {"sgd": sgd, "clipped": clipped, "rmsprop": rms, "adam": adam},
        "bounds": bounds,
        "rmsprop_lr": rms_lr,
        "alpha": alpha,
        "adam_lr": float(adam_values["lr"]),
        "methods": methods,
        "default": first,
        "jumpers": jumper_numbers(problem, many.runs_of(sgd), largest[sgd], JUMP),
        "ratios": rmsprop_ratios(many, rms, rms_lr, BIG, SMALL, TOL, PLATEAU),
        "big": BIG,
        "small": SMALL,
        "plateau": PLATEAU,
        "share": {"recent": RECENT, **gradient_share(problem, problem.start(), RECENT)},
        "edge": edge_numbers(many.runs_of(rms), nudged.runs, TOL, wall),
        "nudge": NUDGE,
        "scan": {
            "lo": SCAN[0],
            "hi": SCAN[1],
            "count": SCAN[2],
            "over": {fmt(t): float(np.mean(scan > t)) for t in THRESHOLDS},
            "lrs_over_jump": [float(v) for v in lrs[scan > JUMP]],
            "middle": math.sqrt(SCAN[0] * SCAN[1]),
            "over_jump_low_high": list(split_shares(lrs, scan, JUMP)),
        },
    }

    rows = []
    for lab in labels:
        m = methods[lab]
        rows.append(
            [
                lab,
                first[lab]["largest"],
                m["largest_max"],
                "-" if lab == sgd else fmt(bounds[lab]),
                *(f"{100 * m['over'][fmt(t)]:.1f}%" for t in THRESHOLDS),
                m["final_median"],
                f"{fmt(m['final_q25'], 2)} to {fmt(m['final_q75'], 2)}",
                m["ended_outside"],
            ]
        )

    colors = result_colors(many)
    figures = {}
    fig, ax = new_figure(figsize=(13.0, 7.0))
    plot_path(one, ax=ax)
    w_lo, w_hi = ax.get_xlim()
    w = np.linspace(w_lo, w_hi, 200)
    ax.plot(w, wall(w), color="0.25", ls="--", lw=1.2, zorder=2)
    ax.annotate(
        f"the cliff: b = {fmt(problem.x0)} - w tanh({fmt(problem.x0)})",
        (2.6, float(wall(2.6))),
        xytext=(0, -14),
        textcoords="offset points",
        ha="center",
        fontsize=LEGEND,
        color="0.25",
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5},
    )
    ax.set_xlabel("w", fontsize=LABEL)
    ax.set_ylabel("b", fontsize=LABEL)
    annotate_jump(ax, one.runs_of(sgd)[0], colors[sgd], JUMP)
    retitle(
        ax,
        f"rnn-cliff from ({fmt(numbers['start'][0])}, {fmt(numbers['start'][1])}), {STEPS} steps",
    )
    figures["path"] = fig

    fig, ax = new_figure(figsize=(12.0, 6.5))
    plot_step_lengths(ax, [one.runs_of(lab)[0] for lab in labels], colors, bounds)
    style(
        ax,
        f"Step length per step from the default start, {STEPS} steps",
        "step",
        "|x_k - x_(k-1)|  (log scale)",
    )
    ax.legend(fontsize=LEGEND, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    figures["steps"] = fig

    fig, ax = new_figure(figsize=(12.0, 6.5))
    plot_largest_cdf(ax, largest, colors, THRESHOLDS)
    style(
        ax,
        f"{SEEDS} starts jittered by N(0, {fmt(JITTER)}^2), {STEPS} steps: share of runs whose "
        f"largest step is longer than s",
        "s  (log scale)",
        "share of runs",
    )
    ax.legend(fontsize=LEGEND, loc="center right", framealpha=0.9)
    figures["largest-step"] = fig

    fig, ax = new_figure(figsize=(12.0, 6.0))
    plot_lr_scan(ax, lrs, scan, colors[sgd], JUMP, LR)
    style(
        ax,
        f"Plain SGD from ({fmt(numbers['start'][0])}, {fmt(numbers['start'][1])}): longest step "
        f"in {STEPS} steps at {SCAN[2]} lrs",
        "lr  (log scale)",
        "longest step  (log scale)",
    )
    ax.legend(fontsize=LEGEND, loc="upper left", framealpha=0.9)
    figures["lr-scan"] = fig

    spec_clip = dict(steps=STEPS, clip_norm=CLIP)
    text = page(
        TITLE_,
        CLAIM,
        setup(numbers),
        [
            command(opts, PROBLEM, steps=STEPS),
            command([SGD], PROBLEM, **spec_clip),
            command(opts, PROBLEM, steps=STEPS, seeds=SEEDS, jitter=JITTER),
            command([SGD], PROBLEM, seeds=SEEDS, jitter=JITTER, **spec_clip),
        ],
        table(
            [
                "method",
                "largest step, default start",
                f"largest, {SEEDS} seeds",
                "bound",
                *(f"runs with a step > {fmt(t)}" for t in THRESHOLDS),
                "final loss (median)",
                "25-75%",
                "ended outside the window",
            ],
            rows,
        ),
        findings(numbers),
        [
            (
                f"path.{ext}",
                "the four paths from the default start over the loss contours of (w, b), the "
                "cliff dashed; an arrow shows where a step longer than "
                f"{fmt(JUMP)} went (its end is far outside the picture).",
            ),
            (
                f"steps.{ext}",
                "the length of every step from the default start (log scale), with each "
                "method's bound dotted in its colour: plain SGD's spike is the jump.",
            ),
            (
                f"largest-step.{ext}",
                f"for each method, the share of its {SEEDS} runs whose largest step is longer "
                "than s: a curve that reaches far right has runs that jumped; one that drops "
                "to 0 before its bound never steps further.",
            ),
            (
                f"lr-scan.{ext}",
                "plain SGD's longest step from the default start against the lr: the spikes "
                "are the few lrs whose iterates land on the cliff's band.",
            ),
        ],
        notes="Step k moves x_(k-1) to x_k with the gradient at x_(k-1); step lengths are "
        "Euclidean in (w, b). The bounds are per run and step, whatever the gradient: "
        "clipping to norm C caps SGD's step at lr C; RMSProp's v >= (1 - alpha) g^2 after "
        "every step caps each coordinate at lr / sqrt(1 - alpha); Adam's bound follows "
        "from Cauchy-Schwarz on its two averages (`exploding_gradients_figures.adam_bound`); "
        "for the norm, times sqrt(2). Medians and bands over seeds come from "
        "`optcompare.stats`. The per-seed trajectories are not written (4,000 runs); "
        "`largest-steps.csv` lists each run's largest step and final loss.",
        counter=counter_case(numbers),
    )
    per_run = [
        [lab, r.seed, *(float(v) for v in r.start), *largest_step(r), r.final_loss]
        for lab in labels
        for r in many.runs_of(lab)
    ]
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"default-start": default, "default-start-clipped": default_clip},
        tables={
            "largest-steps.csv": (
                [
                    "label",
                    "seed",
                    "start_w",
                    "start_b",
                    "largest_step",
                    "step",
                    "grad_norm",
                    "final_loss",
                ],
                per_run,
            )
        },
    )


TITLE_ = "Exploding gradients: a cliff, clipping, and what RMSProp's normalisation does"
CLAIM = (
    f"On the one-unit recurrent net rnn-cliff (T = 50), plain SGD at lr {LR} that lands on the "
    f"cliff takes one enormous step; clipping the gradient's norm to {fmt(CLIP)} bounds every "
    f"step by lr; RMSProp and Adam bound their steps by their normalisation. RMSProp rescales "
    f"the step; it does not change the gradient, so the exploding and vanishing terms inside "
    f"it stay as they are."
)

LESSON = Lesson(name="exploding-gradients", title=TITLE_, claim=CLAIM, run=run)
