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
    fmt_gap,
    new_figure,
    page,
    retitle,
    style,
    table,
)
from optcompare.lessons.rprop_figures import (
    distances,
    plot_batches,
    plot_collapse,
    rprop_step_sizes,
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
    return np.array([np.inf if r.diverged_at is not None else r.final_loss - f_star
                     for r in result.runs_of(label)])


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
    return {"step": float(np.median(k + 1)),
            "distance": float(np.median(dist[np.arange(len(k)), k + 1])),
            "final_distance": float(np.median(dist[:, -1]))}


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path

    results = {p: optcompare.run(OPTS, p, steps=STEPS, seeds=SEEDS, record_state=True)
               for p in (FULL, MINI)}
    label = dict(zip(OPTS, results[FULL].labels, strict=True))
    numbers: dict = {"steps": STEPS, "seeds": SEEDS, "mini_batch": MINI_BATCH,
                     "n_samples": N_SAMPLES, "runs": {}}
    rows = []
    for p, result in results.items():
        for spec in OPTS:
            q25, med, q75 = quartiles(final_gaps(result, label[spec]))
            dist = float(np.median([r.distance_to_min for r in result.runs_of(label[spec])]))
            key = f"{spec.split(':')[0]}_{'full' if p == FULL else 'mini'}"
            numbers["runs"][key] = {"problem": p, "optimizer": label[spec],
                                    "final_gap_median": med, "final_gap_q25": q25,
                                    "final_gap_q75": q75, "distance_median": dist}
            rows.append([label[spec], BATCH[p], med, f"{fmt(q25, 2)} to {fmt(q75, 2)}", dist])
    for key in ("rprop_full", "rprop_mini", "rmsprop_full", "rmsprop_mini"):
        numbers[f"{key}_gap"] = numbers["runs"][key]["final_gap_median"]
    step_min = float(results[FULL].runs_of(label[RPROP])[0].hyperparameters["step_min"])
    numbers["rprop_step_min"] = step_min
    numbers["collapse_below"] = COLLAPSED_FACTOR * step_min
    numbers["collapse"] = {("full" if p == FULL else "mini"): collapse(r, label[RPROP], step_min)
                           for p, r in results.items()}
    # the full-batch loss near the end: Rprop at step_min hops across the minimum
    tail = results[FULL].runs_of(label[RPROP])[0].loss[-100:] - results[FULL].problem.f_star
    numbers["rprop_full_tail"] = [float(tail.min()), float(tail.max())]
    numbers["full_batch_seeds_identical"] = all(
        np.array_equal(r.x, results[FULL].runs_of(label[RPROP])[0].x)
        for r in results[FULL].runs_of(label[RPROP]))

    numbers["batch_sweep"] = {}
    for b in BATCHES:
        p = FULL if b == N_SAMPLES else f"least-squares:batch={b}"
        result = (results[p] if p in results
                  else optcompare.run(OPTS, p, steps=STEPS, seeds=SEEDS))
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
    fig.suptitle(f"Linear least squares, {SEEDS} seeds, {STEPS} steps: loss - f* "
                 f"(median, 25-75% band)", fontsize=TITLE)
    figures["loss"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6), sharex=True)
    plot_collapse(results, label[RPROP], numbers, axes, BATCH, numbers["collapse_below"])
    style(axes[0], "Rprop's step size (geometric mean over the 2 weights)", "step",
          "step size")
    style(axes[1], "Rprop's distance to the best weights w*", "step", "|w - w*|")
    fig.suptitle(_step_title(numbers), fontsize=TITLE - 1)
    figures["rprop-step-size"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    for ax, (p, result) in zip(axes, results.items(), strict=True):
        plot_path(result, ax=ax)
        retitle(ax, f"{BATCH[p]}")
    axes[0].get_legend().remove()
    fig.suptitle(f"Paths in weight space after {STEPS} steps (the median run strong, the "
                 f"other seeds faint)", fontsize=TITLE)
    figures["path"] = fig

    fig, ax = new_figure()
    plot_batches(numbers, results[FULL], label, OPTS, ax)
    style(ax, f"Final loss - f* after {STEPS} steps against the batch size "
          f"(of {N_SAMPLES} samples)", "samples per step",
          "final loss - f* (log scale, 0 drawn at 1e-16)")
    figures["batch"] = fig

    c = numbers["collapse"]
    text = page(
        TITLE_, CLAIM,
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
        table(["optimizer", "gradients", "final loss - f* (median)", "25-75%",
               "distance to w*"], rows),
        _findings(numbers),
        [(f"loss.{ext}", _loss_caption(numbers)),
         (f"rprop-step-size.{ext}", _step_caption(numbers)),
         (f"path.{ext}", f"where each run ended after {STEPS} steps: the mini-batch Rprop "
          f"runs stopped a median {fmt(c['mini']['final_distance'])} from w*, the "
          f"full-batch run {fmt(c['full']['final_distance'])}."),
         (f"batch.{ext}", "the counter-case: the final gap of both optimizers against the "
          "number of samples per step.")],
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
        counter=_counter(numbers, label),
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"full-batch": results[FULL], "batch-4": results[MINI]})


def _loss_caption(n: dict) -> str:
    lo, hi = n["rprop_full_tail"]
    same = (f"With the full batch all {n['seeds']} seeds are the same run (no sampling). "
            if n["full_batch_seeds_identical"] else "")
    return (f"the loss curves with the full batch (left) and mini-batches (right), on the "
            f"same scale. {same}Over its last 100 steps Rprop's full-batch loss - f* "
            f"alternates between {fmt_gap(lo)} and {fmt_gap(hi)}: at step_min it hops back "
            f"and forth across the minimum, which draws as a solid band.")


def _step_title(n: dict) -> str:
    f, m = n["collapse"]["full"], n["collapse"]["mini"]
    if f["step"] is None or m["step"] is None:
        return f"Rprop's step size and distance to w* ({n['seeds']} seeds)"
    return (f"Rprop's steps collapse at step {fmt(f['step'])} (full batch) and "
            f"{fmt(m['step'])} (mini-batch of {n['mini_batch']}), "
            f"{fmt(f['distance'], 2)} and {fmt(m['distance'], 2)} from w*")


def _step_caption(n: dict) -> str:
    c, below = n["collapse"], fmt(n["collapse_below"])
    f, m = c["full"], c["mini"]
    if f["step"] is None or m["step"] is None:
        return (f"Rprop's step size (left) and its distance to w* (right). The step size did "
                f"not fall below {below} in every seed.")
    return (f"Rprop's step size (left) and its distance to w* (right). The step sizes fall "
            f"below {below} at a median step {fmt(f['step'])} with the full batch and "
            f"{fmt(m['step'])} with mini-batches of {n['mini_batch']}; with the full batch "
            f"the distance falls along with them (to {fmt(f['distance'])}), with "
            f"mini-batches it stays at {fmt(m['distance'])}.")


def _findings(n: dict) -> list[str]:
    r, c = n["runs"], n["collapse"]
    rp_f, rp_m = n["rprop_full_gap"], n["rprop_mini_gap"]
    rm_f, rm_m = n["rmsprop_full_gap"], n["rmsprop_mini_gap"]
    b = n["mini_batch"]
    out = []
    if rp_f < 1e-6:
        out.append(f"With the full batch Rprop at PyTorch's defaults is excellent: final "
                   f"loss - f* = {fmt_gap(rp_f)} after {n['steps']} steps, with no lr tuned "
                   f"(RMSProp at lr 0.01: {fmt_gap(rm_f)}).")
    else:
        out.append(f"With the full batch Rprop ended at loss - f* = {fmt_gap(rp_f)}, RMSProp "
                   f"(lr 0.01) at {fmt_gap(rm_f)}.")
    worse = rp_m / max(rp_f, 1e-15)
    if worse > 100:
        out.append(f"With mini-batches of {b} Rprop's median final gap is {fmt(rp_m)}: "
                   f"{'more than ' * (rp_f < 1e-15)}{fmt(worse, 2)} times its full-batch "
                   f"gap. It stopped {fmt(r['rprop_mini']['distance_median'])} from the best "
                   f"weights.")
    else:
        out.append(f"With mini-batches of {b} Rprop's median final gap is {fmt(rp_m)}, only "
                   f"{fmt(worse, 2)} times its full-batch gap: the claim does not hold "
                   f"clearly on this run.")
    f, m = c["full"], c["mini"]
    if f["step"] is not None and m["step"] is not None:
        when = ("much earlier than" if m["step"] < 0.5 * f["step"] else
                "at about the same time as" if m["step"] < 1.5 * f["step"] else "later than")
        out.append(f"The step sizes collapse in both settings, so the collapse itself is not "
                   f"the failure: the geometric mean of Rprop's two step sizes fell below "
                   f"{fmt(n['collapse_below'])} (10 step_min) at a median step "
                   f"{fmt(m['step'])} with mini-batches, {when} with the full batch (step "
                   f"{fmt(f['step'])}). What differs is where: at that step the full-batch "
                   f"run was {fmt(f['distance'])} from w*, the mini-batch runs "
                   f"{fmt(m['distance'])}. Their steps shrank far from the minimum, and at "
                   f"{fmt(n['rprop_step_min'])} per step {n['steps']} steps cannot close "
                   f"that gap.")
    else:
        out.append(f"Rprop's step size did not fall below {fmt(n['collapse_below'])} in every "
                   f"seed within {n['steps']} steps.")
    if rm_m < rp_m / 10:
        cost = (f"with the full batch it ended {fmt_gap(rm_f)}" if rm_f < 1e-15 else
                f"that is {fmt(rm_m / rm_f, 2)} times its full-batch gap")
        out.append(f"RMSProp (lr 0.01) works with both: with mini-batches of {b} it ended at "
                   f"{fmt(rm_m)}, {fmt(rp_m / rm_m, 2)} times lower than Rprop. Mini-batch "
                   f"noise still costs it: {cost}.")
    else:
        out.append(f"RMSProp (lr 0.01) did not do clearly better with mini-batches here: "
                   f"{fmt(rm_m)} against Rprop's {fmt(rp_m)}.")
    return out


def _counter(n: dict, labels: dict[str, str]) -> list[str]:
    sweep = n["batch_sweep"]
    sizes = [int(k) for k in sweep]
    rp = {b: sweep[str(b)][RPROP]["median"] for b in sizes}
    rm = {b: sweep[str(b)][RMSPROP]["median"] for b in sizes}
    listing = ", ".join(f"{b}: {fmt_gap(rp[b])}" for b in sizes)
    out = [f"The claim depends on the batch size. Rprop's median final gap after "
           f"{n['steps']} steps ({n['seeds']} seeds), by samples per step: {listing}; "
           f"RMSProp's (lr 0.01): " + ", ".join(f"{b}: {fmt_gap(rm[b])}" for b in sizes)
           + "."]
    mono = all(rp[a] >= rp[b] for a, b in zip(sizes, sizes[1:], strict=False))
    if mono:
        out.append("Rprop's gap shrinks steadily as the batch grows: with less sampling "
                   "noise fewer signs flip by chance.")
    rp_wins = [b for b in sizes if rp[b] < rm[b]]
    rm_wins = [b for b in sizes if rm[b] < rp[b]]
    if rp_wins and rm_wins:
        out.append(f"RMSProp ends lower with {_list(rm_wins)} samples per step, Rprop with "
                   f"{_list(rp_wins)}: the crossover lies between {max(rm_wins)} and "
                   f"{min(b for b in rp_wins if b > max(rm_wins))} samples"
                   if any(b > max(rm_wins) for b in rp_wins) else
                   f"RMSProp ends lower with {_list(rm_wins)} samples per step, Rprop with "
                   f"{_list(rp_wins)}")
        out[-1] += "."
        flips = [c for c in rp_wins if c < n["n_samples"]]
        if flips:
            c = max(flips)
            out[-1] += (f" With {c} samples per step the comparison flips: Rprop ends lower "
                        f"than RMSProp ({fmt_gap(rp[c])} against {fmt_gap(rm[c])}), so near "
                        f"the full batch the claim's contrast is gone.")
    elif rm_wins:
        out.append(f"RMSProp ends lower at every batch size tried ({_list(rm_wins)}).")
    else:
        out.append(f"Rprop ends lower at every batch size tried ({_list(rp_wins)}).")
    near = [b for b in sizes if b < n["n_samples"]]
    if near:
        b = max(near)
        full = rp[n["n_samples"]]
        out.append(f"Even {b} of the {n['n_samples']} samples per step leave Rprop at "
                   f"{fmt_gap(rp[b])}, "
                   + (f"{fmt(rp[b] / full, 2)} times its full-batch gap"
                      if full > 0 else "above its full-batch gap of 0")
                   + ": the slightest sampling noise stops it short of the float floor "
                   "that only exact gradients reach.")
    return out


def _list(values: list[int]) -> str:
    return str(values[0]) if len(values) == 1 else f"{str(values[:-1])[1:-1]} and {values[-1]}"


TITLE_ = "Rprop and mini-batches"
CLAIM = (f"On a two-weight least-squares problem ({STEPS} steps, {SEEDS} seeds), Rprop at "
         f"PyTorch's defaults, which steps by the sign of the gradient, is excellent with "
         f"full-batch gradients and poor with mini-batches of {MINI_BATCH}; RMSProp at lr "
         f"0.01 works with both.")

LESSON = Lesson(name="rprop-minibatch", title=TITLE_, claim=CLAIM, run=run)
