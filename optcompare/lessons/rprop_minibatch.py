"""Lesson ``rprop-minibatch``: Rprop needs full-batch gradients; RMSProp copes with mini-batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
    LEGEND,
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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

FULL, MINI = "least-squares", "least-squares:batch=4"
BATCH = {FULL: "full batch (100)", MINI: "mini-batch of 4"}
RPROP, RMSPROP = "rprop", "rmsprop:lr=0.01"
OPTS = [RPROP, RMSPROP]
STEPS = 1000
SEEDS = 10


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(q[0]), float(q[1]), float(q[2])


def rprop_step_sizes(result: Result, label: str) -> np.ndarray:
    """Rprop's step size per run and step, geometric mean over coordinates: (runs, steps)."""
    return np.array([np.exp(np.mean(np.log(r.state["step_size"]), axis=1))
                     for r in result.runs_of(label)])


def plot_step_sizes(results: dict[str, Result], label: str, step_min: float, ax: Axes) -> Axes:
    """Median and 25-75% band over seeds of Rprop's step size, one line per batch size."""
    ax.set_yscale("log")
    for (name, result), color, ls in zip(results.items(), ("#0072B2", "#D55E00"), ("-", "--"),
                                         strict=False):
        S = rprop_step_sizes(result, label)
        q25, med, q75 = np.percentile(S, [25, 50, 75], axis=0)
        steps = np.arange(1, S.shape[1] + 1)
        ax.fill_between(steps, q25, q75, color=color, alpha=0.2, lw=0)
        ax.plot(steps, med, color=color, lw=2.0, ls=ls, label=f"{BATCH[name]}")
    ax.axhline(step_min, color="0.3", lw=1.0, ls=":", label=f"step_min = {fmt(step_min)}")
    ax.legend(fontsize=LEGEND, loc="upper right", framealpha=0.9,
              title=f"median of {SEEDS} seeds, 25-75% band", title_fontsize=LEGEND)
    return ax


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path

    results = {p: optcompare.run(OPTS, p, steps=STEPS, seeds=SEEDS, record_state=True)
               for p in (FULL, MINI)}
    label = dict(zip(OPTS, results[FULL].labels, strict=True))
    numbers: dict = {"steps": STEPS, "seeds": SEEDS, "runs": {}}
    rows = []
    for p, result in results.items():
        f_star = result.problem.f_star
        for spec in OPTS:
            runs = result.runs_of(label[spec])
            gaps = [np.inf if r.diverged_at is not None else r.final_loss - f_star
                    for r in runs]
            q25, med, q75 = quartiles(gaps)
            dist = float(np.median([r.distance_to_min for r in runs]))
            key = f"{spec.split(':')[0]}_{'full' if p == FULL else 'mini'}"
            entry = {"problem": p, "optimizer": label[spec], "final_gap_median": med,
                     "final_gap_q25": q25, "final_gap_q75": q75, "distance_median": dist}
            if spec == RPROP:
                entry["step_size_end_median"] = float(np.median(
                    rprop_step_sizes(result, label[spec])[:, -1]))
            numbers["runs"][key] = entry
            rows.append([label[spec], BATCH[p], med, f"{fmt(q25, 2)} to {fmt(q75, 2)}", dist])
    r = numbers["runs"]
    for key in ("rprop_full", "rprop_mini", "rmsprop_full", "rmsprop_mini"):
        numbers[f"{key}_gap"] = r[key]["final_gap_median"]
    step_min = float(results[FULL].runs_of(label[RPROP])[0].hyperparameters["step_min"])
    numbers["rprop_step_min"] = step_min

    figures = {}
    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    for ax, (p, result) in zip(axes, results.items(), strict=True):
        plot_loss(result, ax=ax)
        retitle(ax, f"{p}: {BATCH[p]}")
    lo = min(ax.get_ylim()[0] for ax in axes)
    hi = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:
        ax.set_ylim(lo, hi)
    fig.suptitle(f"Linear least squares, {SEEDS} seeds: loss - f* (median, 25-75% band)",
                 fontsize=TITLE)
    figures["loss"] = fig

    fig, ax = new_figure()
    plot_step_sizes(results, label[RPROP], step_min, ax)
    style(ax, "Rprop's step size (geometric mean over the 2 weights)", "step", "step size")
    figures["rprop-step-size"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    for ax, (p, result) in zip(axes, results.items(), strict=True):
        plot_path(result, ax=ax)
        retitle(ax, f"{BATCH[p]}")
    axes[0].get_legend().remove()
    fig.suptitle("Paths in weight space (the median run strong, the other seeds faint)",
                 fontsize=TITLE)
    figures["path"] = fig

    text = page(
        TITLE_, CLAIM,
        f"Linear regression on 100 synthetic samples with 2 correlated features (problem "
        f"`least-squares`), from (-2, -2), {STEPS} steps, {SEEDS} seeds (each draws its own "
        f"mini-batches), with `{RPROP}` (PyTorch's defaults: initial step 0.01, step_min "
        f"{fmt(step_min)}) and `{RMSPROP}`: once with the full batch of 100 samples, once "
        f"with mini-batches of 4 (`{MINI}`). The gap is the final loss - f* on the whole "
        f"data set; medians over the seeds.",
        [command(OPTS, p, steps=STEPS, seeds=SEEDS) for p in (FULL, MINI)],
        table(["optimizer", "gradients", "final loss - f* (median)", "25-75%",
               "distance to w*"], rows),
        _findings(numbers),
        [(f"loss.{ext}", "the loss curves with the full batch (left) and mini-batches "
          "(right), on the same scale. Once Rprop's full-batch steps are down to step_min "
          "it hops back and forth across the minimum, so its loss alternates between two "
          "tiny values and draws as a solid band."),
         (f"rprop-step-size.{ext}", "why: Rprop's step sizes. With the full batch they "
          "shrink only as it homes in on the minimum; with mini-batches consecutive "
          "gradients keep disagreeing in sign and the steps collapse early."),
         (f"path.{ext}", "where each run ended: compare how far Rprop's mini-batch runs "
          "got from the start with the full-batch run.")],
        notes="Rprop uses only the sign of each gradient coordinate: it grows a coordinate's "
              "step by eta_plus = 1.2 when two consecutive gradients agree in sign and "
              "halves it (eta_minus = 0.5) when they disagree. That rule assumes the "
              "gradient is exact. A mini-batch gradient's sign is a coin flip wherever the "
              "true gradient is small compared with the mini-batch noise, and since one "
              "disagreement undoes about four agreements, the steps shrink to step_min. "
              "RMSProp divides by a running average of squared gradients instead, so the "
              "noise averages out (Hinton's lecture 6e makes this argument for RMSProp).",
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"full-batch": results[FULL], "batch-4": results[MINI]})


def _findings(n: dict) -> list[str]:
    r = n["runs"]
    rp_f, rp_m = n["rprop_full_gap"], n["rprop_mini_gap"]
    rm_f, rm_m = n["rmsprop_full_gap"], n["rmsprop_mini_gap"]
    out = []
    if rp_f < 1e-6:
        out.append(f"With the full batch Rprop is excellent: final loss - f* = "
                   f"{fmt_gap(rp_f)}, with no lr tuned (RMSProp at lr 0.01: {fmt_gap(rm_f)}).")
    else:
        out.append(f"With the full batch Rprop ended at loss - f* = {fmt_gap(rp_f)}, RMSProp "
                   f"at {fmt_gap(rm_f)}.")
    worse = rp_m / max(rp_f, 1e-15)
    if worse > 100:
        out.append(f"With mini-batches of 4 Rprop's final gap is {fmt(rp_m)}: "
                   f"{'more than ' * (rp_f < 1e-15)}{fmt(worse, 2)} times worse than with the "
                   f"full batch. It stopped "
                   f"{fmt(r['rprop_mini']['distance_median'])} away from the best weights.")
    else:
        out.append(f"With mini-batches of 4 Rprop's final gap is {fmt(rp_m)}, only "
                   f"{fmt(worse, 2)} times its full-batch gap: the claim does not hold "
                   f"clearly on this run.")
    s_end, s_min = r["rprop_mini"]["step_size_end_median"], n["rprop_step_min"]
    if s_end <= 10 * s_min:
        out.append(f"Its step sizes collapsed: the median final step is {fmt(s_end)}, at "
                   f"step_min = {fmt(s_min)}, so the runs freeze wherever they are.")
    else:
        out.append(f"Its final step size with mini-batches is {fmt(s_end)} (step_min is "
                   f"{fmt(s_min)}).")
    if rm_m < rp_m / 10:
        cost = ("from the float floor" if rm_f < 1e-15 else
                f"{fmt(rm_m / rm_f, 2)} times its full-batch gap")
        out.append(f"RMSProp works with both: with mini-batches it ended at {fmt(rm_m)}, "
                   f"{fmt(rp_m / rm_m, 2)} times lower than Rprop. Mini-batch noise still "
                   f"costs it something (up {cost}): with a constant lr it keeps jittering "
                   f"around the minimum.")
    else:
        out.append(f"RMSProp did not do clearly better with mini-batches here: {fmt(rm_m)} "
                   f"against Rprop's {fmt(rp_m)}.")
    return out


TITLE_ = "Rprop and mini-batches"
CLAIM = ("Rprop, which steps by the sign of the gradient, is excellent with full-batch "
         "gradients and poor with mini-batches; RMSProp works with both.")

LESSON = Lesson(name="rprop-minibatch", title=TITLE_, claim=CLAIM, run=run)
