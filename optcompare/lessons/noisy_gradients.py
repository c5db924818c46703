"""Lesson ``noisy-gradients``: with noisy gradients, compare medians and bands over many seeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

PROBLEM = "noisy-quadratic"
OPTS = ["sgd", "sgd:momentum=0.9", "rmsprop", "adam"]
STEPS = 500
SEEDS = 20


def final_gaps(result: Result, label: str) -> np.ndarray:
    """Final loss - f* of each seed of ``label``; a diverged run counts as +inf."""
    f_star = result.problem.f_star or 0.0
    return np.array([np.inf if r.diverged_at is not None else r.final_loss - f_star
                     for r in result.runs_of(label)])


def plot_final_gaps(result: Result, ax: Axes) -> Axes:
    """Every seed's final loss - f* per optimizer (dots), with the median and 25-75% bar."""
    from optcompare.plotting import label_colors

    colors = label_colors(result.labels)
    rng = np.random.default_rng(0)  # horizontal jitter only, so dots do not hide each other
    ax.set_yscale("log")
    for i, lab in enumerate(result.labels):
        g = final_gaps(result, lab)
        g = np.where(np.isfinite(g), np.maximum(g, 1e-16), np.nan)
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(g)), g, s=28, color=colors[lab],
                   alpha=0.7, edgecolors="none", zorder=3)
        q25, med, q75 = np.nanpercentile(g, [25, 50, 75])
        ax.plot([i - 0.3, i + 0.3], [med, med], color="black", lw=2.5, zorder=4)
        ax.add_patch(_box(i, q25, q75, colors[lab]))
    ax.set_xticks(range(len(result.labels)))
    ax.set_xticklabels([lab.replace(" ", "\n", 1) for lab in result.labels], fontsize=LEGEND)
    ax.set_xlim(-0.6, len(result.labels) - 0.4)
    return ax


def _box(i: float, lo: float, hi: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.3, lo), 0.6, hi - lo, facecolor=color, alpha=0.15,
                     edgecolor=color, lw=1.5, zorder=2)


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True)
    labels = result.labels
    f_star = result.problem.f_star or 0.0
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "seeds": SEEDS, "optimizers": {}}
    rows = []
    finals = {}
    for lab in labels:
        g = final_gaps(result, lab)
        finals[lab] = g
        q25, med, q75 = (float(v) for v in np.percentile(g, [25, 50, 75]))
        L = np.array([r.loss for r in result.runs_of(lab)]) - f_star
        half = float(np.median(L[:, STEPS // 2]))
        entry = {"lr": float(result.tuning[lab]["lr"]), "final_gap_median": med,
                 "final_gap_q25": q25, "final_gap_q75": q75, "gap_median_at_half": half,
                 "diverged": int(np.sum(~np.isfinite(g)))}
        numbers["optimizers"][lab] = entry
        rows.append([lab, entry["lr"], med, f"{fmt(q25, 2)} to {fmt(q75, 2)}",
                     fmt(q75 / q25, 2) if q25 > 0 else "inf", half])
    order = sorted(labels, key=lambda lab: numbers["optimizers"][lab]["final_gap_median"])
    best, second = order[0], order[1]
    numbers["ranking"] = order
    numbers["best"], numbers["runner_up"] = best, second
    # the runs of one seed share their gradient noise, so seed-by-seed is a paired comparison
    numbers["seeds_best_beats_runner_up"] = int(np.sum(finals[best] < finals[second]))

    figures = {}
    fig, ax = new_figure()
    plot_loss(result, ax=ax)
    retitle(ax, f"{PROBLEM}, {SEEDS} seeds at tuned lrs: median loss - f* and 25-75% band")
    figures["loss"] = fig
    fig, ax = new_figure()
    plot_final_gaps(result, ax)
    style(ax, f"Final loss - f* of each of the {SEEDS} seeds (bar: median, box: 25-75%)",
          "", "final loss - f*")
    figures["final"] = fig
    fig, ax = new_figure(figsize=(10.0, 6.4))
    plot_path(result, ax=ax)
    retitle(ax, f"{PROBLEM}: the median run of each optimizer, the other seeds faint")
    figures["path"] = fig

    text = page(
        TITLE, CLAIM,
        f"The noisy quadratic model (problem `{PROBLEM}`: f = (x^2 + y^2 / 10) / 2, and the "
        f"optimizer sees the gradient plus noise with covariance H, as from mini-batches "
        f"of one), from (3, 3), {STEPS} steps. Each optimizer's lr was first tuned on a "
        f"grid of 21 log-spaced values from 1e-4 to 10 by the median final loss on 3 seeds "
        f"that are not used afterwards (the same budget for all), then run on {SEEDS} "
        f"seeds. The runs of one seed see the same noise draws, so the seeds also pair up "
        f"the optimizers.",
        [command(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True)],
        table(["optimizer", "tuned lr", "final loss - f* (median)", "25-75%", "q75/q25",
               f"median at step {STEPS // 2}"], rows),
        _findings(numbers),
        [(f"loss.{ext}", "the median loss of each optimizer with its 25-75% band: where "
          "the bands overlap, the medians alone do not settle which is better."),
         (f"final.{ext}", "every seed's final loss - f*: how far apart two single runs "
          "of the same optimizer can land."),
         (f"path.{ext}", "the median run of each optimizer strongly, the other seeds "
          "faintly: the noise ball around the minimum that no constant lr escapes.")],
        notes="Tuning picks a single lr per optimizer on other seeds, so the comparison is "
              "fair but not final: with another step budget or another tuning objective "
              "the tuned lrs, and possibly the ranking, change. With a constant lr every "
              "method ends in a noise ball whose size grows with the lr; a decaying lr "
              "schedule shrinks it.",
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"noisy-gradients": result})


def _findings(n: dict) -> list[str]:
    o = n["optimizers"]
    best, second = n["best"], n["runner_up"]
    b, s = o[best], o[second]
    seeds = n["seeds"]
    tuned = ", ".join(f"{lab} {fmt(o[lab]['lr'])}" for lab in n["ranking"])
    out = [f"Tuned learning rates (best median first): {tuned}."]
    overlap = b["final_gap_q75"] >= s["final_gap_q25"]
    wins = n["seeds_best_beats_runner_up"]
    if overlap:
        out.append(f"The best median final gap is {best}'s ({fmt(b['final_gap_median'])}), "
                   f"then {second}'s ({fmt(s['final_gap_median'])}), but their 25-75% bands "
                   f"overlap ({fmt(b['final_gap_q25'], 2)} to {fmt(b['final_gap_q75'], 2)} and "
                   f"{fmt(s['final_gap_q25'], 2)} to {fmt(s['final_gap_q75'], 2)}). Seed by "
                   f"seed {best} was better in {wins} of {seeds}: a comparison on one seed "
                   f"would have ranked them the other way round in {seeds - wins} of "
                   f"{seeds} cases.")
    else:
        out.append(f"{best} is clearly best here: its median final gap "
                   f"{fmt(b['final_gap_median'])} and its whole 25-75% band lie below "
                   f"{second}'s (median {fmt(s['final_gap_median'])}); it was better in "
                   f"{wins} of {seeds} seeds.")
    widest = max(o, key=lambda lab: o[lab]["final_gap_q75"] / max(o[lab]["final_gap_q25"],
                                                                  1e-300))
    w = o[widest]
    out.append(f"Single runs scatter widely: the middle half of {widest}'s seeds spans a "
               f"factor {fmt(w['final_gap_q75'] / w['final_gap_q25'], 2)} in final gap "
               f"({fmt(w['final_gap_q25'], 2)} to {fmt(w['final_gap_q75'], 2)}).")
    half = n["steps"] // 2
    rose = [lab for lab in n["ranking"]
            if o[lab]["final_gap_median"] > o[lab]["gap_median_at_half"]]
    floored = [lab for lab in n["ranking"] if lab not in rose
               and o[lab]["final_gap_median"] > 0.5 * o[lab]["gap_median_at_half"]]
    if floored:
        out.append(f"{', '.join(floored)} reached {'its' if len(floored) == 1 else 'their'} "
                   f"noise floor: the median gap at the end is still more than half of what "
                   f"it was at step {half}, so more steps at this lr barely help.")
    for lab in rose:
        out.append(f"{lab}'s median gap grew from {fmt(o[lab]['gap_median_at_half'], 2)} at "
                   f"step {half} to {fmt(o[lab]['final_gap_median'], 2)} at the end: at this "
                   f"lr the noise keeps it bouncing around its floor rather than settling.")
    diverged = {lab: o[lab]["diverged"] for lab in o if o[lab]["diverged"]}
    if diverged:
        out.append("Some runs diverged even at the tuned lr: " + ", ".join(
            f"{lab} {k} of {seeds}" for lab, k in diverged.items()) + ".")
    return out


TITLE = "Noisy gradients: medians and bands over many seeds"
CLAIM = ("With noisy gradients one run per optimizer proves little: a fair comparison tunes "
         "each optimizer's learning rate on the same budget and looks at the median and "
         "the spread over many seeds.")

LESSON = Lesson(name="noisy-gradients", title=TITLE, claim=CLAIM, run=run)
