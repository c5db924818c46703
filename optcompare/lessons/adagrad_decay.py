"""Lesson ``adagrad-decay``: Adagrad's steps only shrink; RMSProp forgets; Adadelta needs no lr."""

from __future__ import annotations

import numpy as np

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
ADAGRAD, RMSPROP, ADADELTA = "adagrad:lr=0.05", "rmsprop:lr=0.05", "adadelta"
OPTS = [ADAGRAD, RMSPROP, ADADELTA]
STEPS = 3000
#: the "end" effective step is the median of the last this-many finite steps
TAIL = 10
COORDS = ("x", "y")


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


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_effective_step, plot_loss

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, record_state=True)
    label = dict(zip(OPTS, result.labels, strict=True))
    f_star = result.problem.f_star or 0.0
    half = STEPS // 2
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "optimizers": {}}
    rows = []
    for spec in OPTS:
        (r,) = result.runs_of(label[spec])
        entry: dict = {"final_gap": r.final_loss - f_star, "best_gap": r.best_loss - f_star,
                       "best_step": first_at_most(r.loss - f_star, r.best_loss - f_star),
                       "gap_at_half": float(r.loss[half]) - f_star}
        ratios = []
        for j, c in enumerate(COORDS):
            first, last = first_and_last(r.effective_step[:, j])
            entry[f"effective_step_first_{c}"] = first
            entry[f"effective_step_end_{c}"] = last
            entry[f"effective_step_ratio_{c}"] = last / first
            ratios.append(last / first)
        entry["effective_step_ratio_max"] = float(np.nanmax(ratios))
        entry["effective_step_ratio_min"] = float(np.nanmin(ratios))
        numbers["optimizers"][r.label] = entry
        rows.append([r.label, entry["effective_step_first_x"], entry["effective_step_end_x"],
                     entry["effective_step_ratio_x"], entry["effective_step_ratio_y"],
                     entry["gap_at_half"], entry["final_gap"]])
    h = result.problem.grad(np.eye(2)).diagonal()  # axis-aligned: the two curvatures
    numbers["stability_limit"] = {c: float(2.0 / hj) for c, hj in zip(COORDS, h, strict=True)}
    for key, spec in (("adagrad", ADAGRAD), ("rmsprop", RMSPROP), ("adadelta", ADADELTA)):
        e = numbers["optimizers"][label[spec]]
        numbers[f"{key}_step_ratio_max"] = e["effective_step_ratio_max"]
        numbers[f"{key}_final_gap"] = e["final_gap"]

    figures = {}
    fig, ax = new_figure()
    plot_loss(result, ax=ax)
    retitle(ax, f"{PROBLEM}, same lr 0.05 for Adagrad and RMSProp: loss against step")
    figures["loss"] = fig
    fig, ax = new_figure()
    plot_effective_step(result, ax=ax, coordinate_names=["x (flat)", "y (steep)"])
    retitle(ax, "Effective step per coordinate: Adagrad's only shrinks,\n"
            "RMSProp's follows the recent gradient size, Adadelta's starts tiny")
    figures["effective-step"] = fig

    text = page(
        TITLE, CLAIM,
        f"The ravine `{PROBLEM}` (curvatures 1 and 10) from (-5, -2), {STEPS} steps, "
        f"Adagrad and RMSProp at the same lr 0.05 and Adadelta at its default (its lr = 1 "
        f"only multiplies the update; there is no step size to tune). The optimizer state "
        f"is recorded (`record_state=True` in Python) for the effective step "
        f"-(x_t - x_t-1) / g_t per coordinate; its 'end' value is the median of the last "
        f"{TAIL} steps.",
        [command(OPTS, PROBLEM, steps=STEPS)],
        table(["optimizer", "eff. step x, first", "x, end", "end/first x", "end/first y",
               f"loss - f* at {half}", f"at {STEPS}"], rows),
        _findings(numbers, label, half),
        [(f"loss.{ext}", "loss - f* on a log scale. Adagrad's curve keeps bending flatter "
          "as its steps shrink; RMSProp drops fast and then rattles at a level set by its "
          "constant lr; Adadelta starts slowly."),
         (f"effective-step.{ext}", "the step each coordinate got per unit gradient (log "
          "scale; solid x, dashed y). Adagrad's lines can only go down; RMSProp's rise "
          "when the gradients get small; Adadelta's start tiny (set by eps) and grow.")],
        notes="Adagrad's effective step is lr / (sqrt(sum of all squared gradients) + eps): "
              "the sum never forgets, so the step can only shrink; with gradients of steady "
              "size it falls like 1/sqrt(t). RMSProp replaces the sum by a running average "
              "(alpha = 0.99, a memory of about 100 steps). Adadelta also divides by a running "
              "average, and multiplies by a running average of its own past steps, which "
              "starts at eps = 1e-6.",
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"adagrad-decay": result})


def _findings(n: dict, label: dict[str, str], half: int) -> list[str]:
    o = n["optimizers"]
    ada, rms, delta = o[label[ADAGRAD]], o[label[RMSPROP]], o[label[ADADELTA]]
    out = []
    worst = ada["effective_step_ratio_max"]
    ratios = (f"{fmt(ada['effective_step_ratio_x'], 2)} (x) and "
              f"{fmt(ada['effective_step_ratio_y'], 2)} (y)")
    if worst < 0.2:
        out.append(f"Adagrad's effective step ended at {ratios} of its first value: it shrank "
                   f"at least {fmt(1 / worst, 2)}-fold, and it can never grow back.")
    elif worst < 1:
        out.append(f"Adagrad's effective step ended at {ratios} of its first value: it shrank, "
                   f"but less than 5-fold on this run.")
    else:
        out.append(f"Adagrad's effective step ended at {ratios} of its first value: it did not "
                   f"shrink here (unexpected; its accumulated sum can only grow).")
    gain_ada = ada["gap_at_half"] / ada["final_gap"] if ada["final_gap"] > 0 else float("inf")
    if ada["final_gap"] > 10 * rms["best_gap"]:
        out.append(f"Adagrad stalls: in the second half of the run (steps {half} to "
                   f"{n['steps']}) its loss - f* went only from {fmt(ada['gap_at_half'])} to "
                   f"{fmt(ada['final_gap'])} (a factor {fmt(gain_ada, 2)}), while RMSProp at "
                   f"the same lr had reached {fmt_gap(rms['best_gap'])} by step "
                   f"{rms['best_step']}.")
    else:
        out.append(f"Adagrad did not stall on this run: it ended at loss - f* = "
                   f"{fmt(ada['final_gap'])}, against RMSProp's best {fmt(rms['best_gap'])}.")
    r_lo, r_hi = rms["effective_step_ratio_min"], rms["effective_step_ratio_max"]
    if r_lo >= 0.5 and r_hi <= 2:
        out.append(f"RMSProp's effective step stayed roughly level (end/first between "
                   f"{fmt(r_lo, 2)} and {fmt(r_hi, 2)}): its running average forgets old "
                   f"gradients.")
    elif r_lo >= 0.5:
        out.append(f"RMSProp's effective step did not shrink: it ended {fmt(r_lo, 2)} to "
                   f"{fmt(r_hi, 2)} times its first value. Its running average forgets old "
                   f"gradients, so as the gradients get small near the minimum the step per "
                   f"unit gradient grows.")
    else:
        out.append(f"RMSProp's effective step shrank too on this run (end/first "
                   f"{fmt(r_lo, 2)} to {fmt(r_hi, 2)}).")
    if rms["final_gap"] > 10 * rms["best_gap"]:
        edge = n["stability_limit"]
        at_edge = all(abs(rms[f"effective_step_end_{c}"] / edge[c] - 1) < 0.2 for c in COORDS)
        sentence = (f"The flip side: with a constant lr RMSProp does not stay down. Its loss "
                    f"- f* reached {fmt_gap(rms['best_gap'])} at step {rms['best_step']}; then, "
                    f"with the gradients nearly gone, its running average forgot them, its "
                    f"steps grew, and it rattled back up to {fmt(rms['final_gap'])}")
        if at_edge:
            sentence += (f". Its final effective steps ({fmt(rms['effective_step_end_x'])} "
                         f"for x, {fmt(rms['effective_step_end_y'])} for y) sit at 2 / "
                         f"curvature ({fmt(edge['x'])} and {fmt(edge['y'])}), the largest "
                         f"stable step of each coordinate")
        out.append(sentence + ". A decaying lr schedule would let it settle.")
    d_first = min(delta["effective_step_first_x"], delta["effective_step_first_y"])
    d_ratio = delta["effective_step_ratio_min"]
    compare = ("below Adagrad's" if delta["final_gap"] < ada["final_gap"]
               else "not below Adagrad's")
    out.append(f"Adadelta, with no step size to tune, ended at loss - f* = "
               f"{fmt(delta['final_gap'])}, {compare} {fmt(ada['final_gap'])}. Its first "
               f"effective steps were tiny ({fmt(d_first)}, set by eps) and grew at least "
               f"{fmt(d_ratio, 2)}-fold: it needs no lr, but it needs time to get going.")
    return out


TITLE = "Adagrad's shrinking steps, RMSProp's memory, Adadelta without a learning rate"
CLAIM = ("Adagrad divides by the sum of all past squared gradients, so its effective step "
         "only shrinks and on a long run it stalls. RMSProp divides by a running average "
         "instead and keeps moving; Adadelta needs no learning rate at all.")

LESSON = Lesson(name="adagrad-decay", title=TITLE, claim=CLAIM, run=run)
