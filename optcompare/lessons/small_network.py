"""Lesson ``small-network``: a 2-16-1 tanh network on two moons, eight Glorot
initialisations per optimizer; when each run reaches the best straight line's loss, how
long it sits on that plateau, the spread over initialisations, train against test loss,
and the decision regions of the median runs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import (
    Lesson,
    LessonResult,
    command,
    fmt,
    new_figure,
    page,
    style,
    table,
)
from optcompare.lessons.small_network_figures import loss_panels, plateau_chart, summarise
from optcompare.lessons.small_network_text import counter_case, findings, setup, steps_text

if TYPE_CHECKING:
    from optcompare.experiments.records import Result

#: hidden 16, n 200, test 0.2, data_noise 0.1, data_seed 0: the problem's defaults
PROBLEM = "mlp:data=moons"
#: the best straight-line classifier of the same training rows (logistic regression,
#: unpenalised, features as they are), solved by Newton's method: its loss is the plateau
LINEAR = "logistic:data=moons,scale=raw,l2=0"
#: PyTorch's default lrs: sgd 0.001 (with and without momentum), rmsprop 0.01, adam 0.001
DEFAULTS = ["sgd", "sgd:momentum=0.9", "rmsprop", "adam"]
#: the counter-case: SGD with momentum at the lr common for it in image classification
#: (0.1 with momentum 0.9, He et al. 2016), and Adam at RMSProp's default lr
COUNTER = ["sgd:lr=0.1,momentum=0.9", "adam:lr=0.01"]
SEEDS = 8
STEPS = 500
#: a run has left the plateau once its training loss is at most this fraction of the best
#: linear model's: no straight boundary gets there
FRACTION = 0.5


def merged(base: Result, other: Result) -> Result:
    """``base`` with ``other``'s runs added (the same problem, steps and seeds), so that
    one colour map covers every label."""
    return dataclasses.replace(base, runs=[*base.runs, *other.runs])


def linear_model() -> dict[str, float]:
    """The best linear model's train loss (f* of :data:`LINEAR`), test loss and accuracy."""
    from optcompare.problem import make_problem

    problem = make_problem(LINEAR)
    x = np.asarray(problem.minima()[0].x, dtype=float)[None, :]
    held = problem.metrics(x)
    assert problem.f_star is not None, "the linear model's minimum is solved by Newton"
    return {
        "train_loss": float(problem.f_star),
        "test_loss": float(held["test_loss"][0]),
        "test_accuracy": float(held["test_accuracy"][0]),
    }


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import regions_figure, result_colors, result_inks

    main = optcompare.run(DEFAULTS, PROBLEM, steps=STEPS, seeds=SEEDS)
    counter = optcompare.run(COUNTER, PROBLEM, steps=STEPS, seeds=SEEDS)
    everything = merged(main, counter)
    lin = linear_model()
    o = summarise(everything, lin["train_loss"], FRACTION)
    problem: Any = main.problem
    initial = np.array(o[main.labels[0]]["initial_loss"])
    numbers: dict[str, Any] = {
        "problem": PROBLEM,
        "shape": problem.shape,
        "hidden": problem.hidden,
        "dim": problem.dim,
        "n": len(problem.labels),
        "train_rows": len(problem.train_idx),
        "test_rows": len(problem.test_idx),
        "data_noise": problem.data_noise,
        "data_seed": problem.data_seed,
        "seeds": SEEDS,
        "steps": STEPS,
        "fraction": FRACTION,
        "linear_problem": LINEAR,
        "linear": lin,
        "plateau_level": FRACTION * lin["train_loss"],
        "initial_loss_min": float(initial.min()),
        "initial_loss_max": float(initial.max()),
        "defaults": main.labels,
        "counter": counter.labels,
        "optimizers": o,
    }

    rows = []
    for lab in everything.labels:
        e = o[lab]
        rows.append(
            [
                lab,
                e["lr"],
                steps_text(e["reach"], STEPS),
                steps_text(e["leave"], STEPS),
                f"{e['left']} of {SEEDS}",
                e["train_final"]["median"],
                e["test_final"]["median"],
                "-" if e["test_accuracy"] is None else f"{100 * e['test_accuracy']['median']:.1f}%",
            ]
        )

    colors = result_colors(everything)
    figures = {}
    fig, axes = new_figure(1, 2, figsize=(15.0, 6.4), sharey=True)
    loss_panels(main, main.labels, colors, axes, (lin["train_loss"], lin["test_loss"]), FRACTION)
    fig.suptitle(
        f"{PROBLEM} (hidden {problem.hidden}), PyTorch's default lrs, {SEEDS} Glorot "
        f"initialisations each: median and 25-75% band",
        fontsize=14,
    )
    figures["loss"] = fig
    fig, axes = new_figure(1, 2, figsize=(15.0, 6.4), sharey=True)
    shown = [main.labels[2], main.labels[3], *counter.labels]
    loss_panels(everything, shown, colors, axes, (lin["train_loss"], lin["test_loss"]), FRACTION)
    fig.suptitle(
        f"Counter-case: SGD with momentum at lr 0.1 and Adam at lr 0.01 beside the "
        f"adaptive methods' defaults, {SEEDS} initialisations each",
        fontsize=14,
    )
    figures["counter"] = fig
    fig, ax = new_figure(figsize=(12.0, 6.4))
    plateau_chart(ax, o, colors, STEPS)
    style(ax, "", "step", "")
    # centred on the figure, not on the axes that the row names push right: two lines in
    # talk too (the budget is the x axis's end and the legend's "not by step")
    fig.suptitle(
        f"{PROBLEM}, {SEEDS} initialisations per optimizer:\nfrom the linear model's loss "
        f"({fmt(lin['train_loss'])}) to leaving the plateau ({fmt(FRACTION * lin['train_loss'])})",
        fontsize=14,  # the suptitle size of the regions figure below
    )
    figures["plateau"] = fig
    fig = regions_figure(main, colors=colors)
    fig.suptitle(
        f"{PROBLEM}, PyTorch's default lrs: decision regions of each optimizer's median run "
        f"after {STEPS} steps",
        fontsize=14,
    )
    figures["regions"] = fig

    text = page(
        TITLE,
        CLAIM,
        setup(numbers),
        [
            command(DEFAULTS, PROBLEM, steps=STEPS, seeds=SEEDS),
            command(COUNTER, PROBLEM, steps=STEPS, seeds=SEEDS),
        ],
        table(
            [
                "optimizer",
                "lr",
                "steps to linear loss (25-75%)",
                "steps to leave plateau (25-75%)",
                "left",
                "final train loss",
                "final test loss",
                "test accuracy",
            ],
            rows,
        ),
        findings(numbers),
        [
            (
                f"loss.{ext}",
                f"training loss (left) and test loss (right) at PyTorch's default lrs: each "
                f"optimizer's median over the {SEEDS} initialisations with its 25-75% band, in "
                f"its colour. The dashed grey line is the best linear model's loss on that set, "
                f"the dotted one on the left the level that counts as leaving the plateau.",
            ),
            (
                f"plateau.{ext}",
                "one short line per initialisation and optimizer, from the step it reached "
                "the best linear model's loss (hollow) to the step it left the plateau "
                "(filled), seed 0 at the top of each row; a triangle at the right edge: not "
                "within the budget. The spread "
                "along a row is the spread over initialisations.",
            ),
            (
                f"regions.{ext}",
                "the decision regions of each default-lr optimizer's median run (the seed "
                "with the middle final training loss, the lower of the two middle ones), "
                "training points filled, test points hollow, each panel framed in the "
                f"optimizer's colour; its title gives that run's train and test accuracy, "
                f"against {100 * lin['test_accuracy']:.1f}% on the test rows for the best "
                f"straight line.",
            ),
            (
                f"counter.{ext}",
                "the counter-case, as `loss` shows the defaults: SGD with momentum at lr "
                "0.1 and Adam at lr 0.01 beside RMSProp and Adam at their defaults.",
            ),
        ],
        notes="The moons are two interleaved half circles with Gaussian noise: no straight "
        "line separates them, so the best linear model's loss is a landmark on the way down: "
        "a network first finds roughly that line and then has to bend it, and the curves "
        "flatten near it before they fall again. Each seed is one Glorot-uniform "
        "initialisation of all weights (biases zero); the data and the train/test split are "
        "the same for every run (data_seed 0). Medians and bands follow `optcompare.stats`: "
        "a run that did not reach a level counts as never (+inf). The claim is remembered "
        "rather than sourced (issue 13's reference notes mark it so); this page measures it.",
        counter=counter_case(numbers),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"defaults": main, "counter": counter},
        inks=result_inks(everything),  # the colours of every figure above
    )


TITLE = "A small network: plateaus, initialisations, train against test"
CLAIM = (
    f"On two moons with a 2-16-1 tanh network ({SEEDS} Glorot initialisations each), at "
    f"PyTorch's default lrs RMSProp and Adam get past the best straight line's loss sooner "
    f"than SGD with or without momentum, and how soon also depends on the initialisation."
)

LESSON = Lesson(name="small-network", title=TITLE, claim=CLAIM, run=run)
