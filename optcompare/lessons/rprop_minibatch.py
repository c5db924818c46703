"""Lesson ``rprop-minibatch``: Rprop needs full-batch gradients; RMSProp copes with mini-batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from optcompare.lessons.rprop_figures import (
    distances,
    legend_below,
    plot_batches,
    plot_collapse,
    rprop_step_sizes,
)
from optcompare.lessons.rprop_text import (
    counter_case,
    findings,
    loss_caption,
    step_caption,
    step_title,
)

if TYPE_CHECKING:
    from optcompare.experiments.records import Result

N_SAMPLES = 100  # least-squares' default data set size
MINI_BATCH = 4
FULL, MINI = "least-squares", f"least-squares:batch={MINI_BATCH}"
BATCH = {FULL: f"full batch ({N_SAMPLES})", MINI: f"mini-batch of {MINI_BATCH}"}
RPROP, RMSPROP = "rprop", "rmsprop:lr=0.01"
OPTS = [RPROP, RMSPROP]
STEPS = 1000
SEEDS = 10
#: the counter-case: batch sizes between the mini-batch and the full batch
BATCHES = (MINI_BATCH, 16, 50, 90, 99, N_SAMPLES)
#: a step size below COLLAPSED_FACTOR * step_min counts as collapsed
COLLAPSED_FACTOR = 10.0


def quartiles(values: Any) -> tuple[float, float, float]:
    """(q25, median, q75) by the house rule (optcompare.stats): +inf where an inf is touched."""
    from optcompare import stats

    return stats.median_and_band(np.asarray(values, dtype=float))


def final_gaps(result: Result, label: str) -> np.ndarray:
    """Final loss - f* per seed; a diverged run counts as +inf."""
    f_star = result.problem.f_star or 0.0
    return np.array(
        [
            np.inf if r.diverged_at is not None else r.final_loss - f_star
            for r in result.runs_of(label)
        ]
    )


def collapse(result: Result, label: str, step_min: float) -> dict[str, Any]:
    """When each seed's step size first fell below COLLAPSED_FACTOR * step_min, and where.

    Returns the median over seeds of that step and of the distance to w* there
    (None when a seed never collapsed), and the median final distance.
    """
    sizes = rprop_step_sizes(result, label)  # sizes[:, k] is the step size used at step k + 1
    dist = distances(result, label)
    threshold = COLLAPSED_FACTOR * step_min
    below = sizes <= threshold
    if not np.all(below.any(axis=1)):
        return {"step": None, "distance": None, "final_distance": float(np.median(dist[:, -1]))}
    k = below.argmax(axis=1)
    return {
        "step": float(np.median(k + 1)),
        "distance": float(np.median(dist[np.arange(len(k)), k + 1])),
        "final_distance": float(np.median(dist[:, -1])),
    }


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path

    results = {
        p: optcompare.run(OPTS, p, steps=STEPS, seeds=SEEDS, record_state=True)
        for p in (FULL, MINI)
    }
    label = dict(zip(OPTS, results[FULL].labels, strict=True))
    numbers: dict = {
        "steps": STEPS,
        "seeds": SEEDS,
        "mini_batch": MINI_BATCH,
        "n_samples": N_SAMPLES,
        "runs": {},
    }
    rows = []
    for p, result in results.items():
        for spec in OPTS:
            q25, med, q75 = quartiles(final_gaps(result, label[spec]))
            dist = float(np.median([r.distance_to_min for r in result.runs_of(label[spec])]))
            key = f"{spec.split(':')[0]}_{'full' if p == FULL else 'mini'}"
            numbers["runs"][key] = {
                "problem": p,
                "optimizer": label[spec],
                "final_gap_median": med,
                "final_gap_q25": q25,
                "final_gap_q75": q75,
                "distance_median": dist,
            }
            rows.append([label[spec], BATCH[p], med, f"{fmt(q25, 2)} to {fmt(q75, 2)}", dist])
    for key in ("rprop_full", "rprop_mini", "rmsprop_full", "rmsprop_mini"):
        numbers[f"{key}_gap"] = numbers["runs"][key]["final_gap_median"]
    step_min = float(results[FULL].runs_of(label[RPROP])[0].hyperparameters["step_min"])
    numbers["rprop_step_min"] = step_min
    numbers["collapse_below"] = COLLAPSED_FACTOR * step_min
    numbers["collapse"] = {
        ("full" if p == FULL else "mini"): collapse(r, label[RPROP], step_min)
        for p, r in results.items()
    }
    # the full-batch loss near the end: Rprop at step_min hops across the minimum
    tail = results[FULL].runs_of(label[RPROP])[0].loss[-100:] - results[FULL].problem.f_star
    numbers["rprop_full_tail"] = [float(tail.min()), float(tail.max())]
    numbers["full_batch_seeds_identical"] = all(
        np.array_equal(r.x, results[FULL].runs_of(label[RPROP])[0].x)
        for r in results[FULL].runs_of(label[RPROP])
    )

    numbers["batch_sweep"] = {}
    for b in BATCHES:
        p = FULL if b == N_SAMPLES else f"least-squares:batch={b}"
        result = results[p] if p in results else optcompare.run(OPTS, p, steps=STEPS, seeds=SEEDS)
        numbers["batch_sweep"][str(b)] = {}
        for spec in OPTS:
            q25, med, q75 = quartiles(final_gaps(result, label[spec]))
            numbers["batch_sweep"][str(b)][spec] = {"median": med, "q25": q25, "q75": q75}

    figures = {}
    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    for ax, (p, result) in zip(axes, results.items(), strict=True):
        plot_loss(result, ax=ax)
        retitle(ax, f"{p}: {BATCH[p]}")
    lo = min(ax.get_ylim()[0] for ax in axes)
    hi = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:
        ax.set_ylim(lo, hi)
    fig.suptitle(
        f"Linear least squares, {SEEDS} seeds, {STEPS} steps: loss - f* (median, 25-75% band)",
        fontsize=TITLE,
    )
    figures["loss"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6), sharex=True)
    plot_collapse(results, label[RPROP], numbers, axes, BATCH, numbers["collapse_below"])
    style(axes[0], "Rprop's step size (geometric mean over the 2 weights)", "step", "step size")
    style(axes[1], "Rprop's distance to the best weights w*", "step", "|w - w*|")
    fig.suptitle(step_title(numbers), fontsize=TITLE - 1)
    figures["rprop-step-size"] = fig

    fig, axes = new_figure(1, 2, figsize=(12.0, 7.0))
    for ax, (p, result) in zip(axes, results.items(), strict=True):
        plot_path(result, ax=ax)
        retitle(ax, f"{BATCH[p]}")
    legend_below(fig, axes)
    fig.suptitle(
        f"Paths in weight space after {STEPS} steps (the median run strong, the other seeds faint)",
        fontsize=TITLE,
    )
    figures["path"] = fig

    fig, ax = new_figure()
    plot_batches(numbers, results[FULL], label, OPTS, ax)
    style(
        ax,
        f"Final loss - f* after {STEPS} steps against the batch size (of {N_SAMPLES} samples)",
        "samples per step",
        "final loss - f* (log scale, 0 drawn at 1e-16)",
    )
    figures["batch"] = fig

    c = numbers["collapse"]
    text = page(
        TITLE_,
        CLAIM,
        f"Linear regression on {N_SAMPLES} synthetic samples with 2 correlated features "
        f"(problem `least-squares`), from (-2, -2), {STEPS} steps, {SEEDS} seeds (each "
        f"draws its own mini-batches), with `{RPROP}` (PyTorch's defaults: initial step "
        f"0.01, eta_minus 0.5, eta_plus 1.2, step_min {fmt(step_min)}) and `{RMSPROP}` "
        f"(alpha 0.99, eps 1e-8): once with the full batch of {N_SAMPLES} samples, once "
        f"with mini-batches of {MINI_BATCH} (`{MINI}`). The gap is the final loss - f* on "
        f"the whole data set; medians over the seeds. To find where the claim weakens, "
        f"the same pair also ran with {', '.join(str(b) for b in BATCHES[1:-1])} samples "
        f"per step.",
        [command(OPTS, p, steps=STEPS, seeds=SEEDS) for p in (FULL, MINI)],
        table(
            ["optimizer", "gradients", "final loss - f* (median)", "25-75%", "distance to w*"], rows
        ),
        findings(numbers),
        [
            (f"loss.{ext}", loss_caption(numbers)),
            (f"rprop-step-size.{ext}", step_caption(numbers)),
            (
                f"path.{ext}",
                f"where each run ended after {STEPS} steps: the mini-batch Rprop "
                f"runs stopped a median {fmt(c['mini']['final_distance'])} from w*, the "
                f"full-batch run {fmt(c['full']['final_distance'])}.",
            ),
            (
                f"batch.{ext}",
                "the counter-case: the final gap of both optimizers against the "
                "number of samples per step.",
            ),
        ],
        notes="Rprop uses only the sign of each gradient coordinate: it grows a coordinate's "
        "step by eta_plus = 1.2 when two consecutive gradients agree in sign and "
        "halves it (eta_minus = 0.5) when they disagree. One halving undoes "
        "ln 2 / ln 1.2 = 3.8 growths, so a coordinate whose sign flips at more than one "
        "in ln 2.4 / ln 1.2 = 4.8 of the steps at which it adapts has a shrinking "
        "step (PyTorch's Rprop, iRprop-, skips the adaptation on the step after a "
        "flip). Near the minimum "
        "that is what a converging run needs; far from it, a mini-batch gradient's "
        "sign is a coin flip wherever the true gradient is small compared with the "
        "sampling noise, and the steps shrink just the same. RMSProp divides by a "
        "running average of squared gradients instead, so the sign of a single "
        "mini-batch does not decide its step (Hinton's lecture 6e presents RMSProp "
        "as the mini-batch version of Rprop).",
        counter=counter_case(numbers, RPROP, RMSPROP),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"full-batch": results[FULL], "batch-4": results[MINI]},
    )


TITLE_ = "Rprop and mini-batches"
CLAIM = (
    f"On a two-weight least-squares problem ({STEPS} steps, {SEEDS} seeds), Rprop at "
    f"PyTorch's defaults, which steps by the sign of the gradient, is excellent with "
    f"full-batch gradients and poor with mini-batches of {MINI_BATCH}; RMSProp at lr "
    f"0.01 works with both."
)

LESSON = Lesson(name="rprop-minibatch", title=TITLE_, claim=CLAIM, run=run)
