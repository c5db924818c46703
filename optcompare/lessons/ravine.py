"""Lesson ``ravine``: SGD zig-zags across a valley; momentum and per-coordinate scaling help."""

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
    new_figure,
    page,
    retitle,
    style,
    table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.api import Result

KAPPA = 25
PROBLEM = f"quadratic:kappa={KAPPA}"
SGD, MOMENTUM, RMSPROP, ADAM = ("sgd:lr=0.07", "sgd:lr=0.07,momentum=0.5", "rmsprop:lr=0.1",
                                "adam:lr=0.3")
OPTS = [SGD, MOMENTUM, RMSPROP, ADAM]
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


def step_ratio(effective_step: np.ndarray, flat: int = 0, steep: int = 1) -> float:
    """Median over steps of |effective step of the flat coordinate| / |... of the steep one|."""
    E = np.abs(np.asarray(effective_step, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = E[:, flat] / E[:, steep]
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.median(r)) if r.size else float("nan")


def plot_coordinate(result: Result, j: int, ax: Axes, band: float | None = None,
                    steps: int | None = None, name: str | None = None) -> Axes:
    """Coordinate ``j`` (called ``name``) of every run against the step for the first
    ``steps`` steps, with an optional grey band |x_j| <= band around 0."""
    from optcompare.plotting import label_colors

    colors = label_colors(result.labels)
    n = result.steps + 1 if steps is None else min(steps, result.steps) + 1
    if band is not None:
        ax.axhspan(-band, band, color="0.85", zorder=0,
                   label=f"|{name or f'x{j}'}| <= {fmt(band)}")
    ax.axhline(0.0, color="0.3", lw=0.8, zorder=1)
    for run in result.runs:
        ax.plot(np.arange(n), run.x[:n, j], color=colors[run.label], lw=1.8, marker="o", ms=3,
                label=run.label)
    ax.legend(fontsize=LEGEND, loc="lower right", framealpha=0.9)
    return ax


def plot_effective_steps(result: Result, labels: list[str], ax: Axes) -> Axes:
    """|effective step| of the flat x (solid) and steep y (dashed) for the runs ``labels``.

    Colours match the other figures of ``result``.  Log scale; a step against the
    gradient (effective step <= 0, from momentum) cannot be drawn there and is left out.
    """
    from matplotlib.lines import Line2D

    from optcompare.plotting import label_colors

    colors = label_colors(result.labels)
    ax.set_yscale("log")
    handles = []
    for run in result.runs:
        if run.label not in labels:
            continue
        E = np.asarray(run.effective_step, dtype=float)
        steps = np.arange(1, len(E) + 1)
        for j, ls in ((0, "-"), (1, "--")):
            e = np.where(np.isfinite(E[:, j]) & (E[:, j] > 0), E[:, j], np.nan)
            ax.plot(steps, e, color=colors[run.label], ls=ls, lw=2.0)
        handles.append(Line2D([], [], color=colors[run.label], lw=2.0, label=run.label))
        if np.allclose(E[:, 0], E[:, 1], equal_nan=True):
            lr = run.hyperparameters["lr"]
            ax.annotate(f"x and y coincide at lr = {fmt(lr)}",
                        (steps[len(steps) // 2], E[len(E) // 2, 0]), xytext=(0, 6),
                        textcoords="offset points", ha="center", va="bottom",
                        color=colors[run.label], fontsize=LEGEND)
    handles.append(Line2D([], [], color="0.3", lw=2.0, label="x (flat)"))
    handles.append(Line2D([], [], color="0.3", lw=2.0, ls="--", label="y (steep)"))
    ax.legend(handles=handles, fontsize=LEGEND, loc="lower right", framealpha=0.9)
    return ax


def adam_scale(run) -> np.ndarray:
    """Adam's per-coordinate factor lr / (sqrt(v_hat) + eps) at every step, (steps, dim)."""
    h = run.hyperparameters
    v = np.asarray(run.state["v_max" if h["amsgrad"] else "v"], dtype=float)
    t = np.arange(1, len(v) + 1)[:, None]
    return h["lr"] / (np.sqrt(v / (1.0 - h["beta2"] ** t)) + h["eps"])


def plot_adam_scale(result: Result, adam_label: str, ax: Axes) -> Axes:
    """Adam's per-coordinate scale, flat x solid and steep y dashed, in Adam's colour."""
    from matplotlib.lines import Line2D

    from optcompare.plotting import label_colors

    color = label_colors(result.labels)[adam_label]
    (run,) = result.runs_of(adam_label)
    S = adam_scale(run)
    steps = np.arange(1, len(S) + 1)
    ax.set_yscale("log")
    ax.plot(steps, S[:, 0], color=color, lw=2.0)
    ax.plot(steps, S[:, 1], color=color, lw=2.0, ls="--")
    handles = [Line2D([], [], color=color, lw=2.0, label=adam_label),
               Line2D([], [], color="0.3", lw=2.0, label="x (flat)"),
               Line2D([], [], color="0.3", lw=2.0, ls="--", label="y (steep)")]
    ax.legend(handles=handles, fontsize=LEGEND, loc="lower right", framealpha=0.9)
    return ax


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, plot_path

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, tol=TOL, record_state=True)
    y0 = abs(float(result.problem.start()[1]))
    threshold = VISIBLE * y0
    rows, numbers = [], {"problem": PROBLEM, "steps": STEPS, "optimizers": {}}
    for r in result.runs:
        z = zigzags(r.x[:, 1], threshold)
        ratio = step_ratio(r.effective_step)
        numbers["optimizers"][r.label] = {
            "zigzags": z, "effective_step_ratio": ratio, "final_loss": r.final_loss,
            "steps_to_loss_1e-3": r.steps_to_tol}
        rows.append([r.label, z, ratio, "-" if r.steps_to_tol is None else str(r.steps_to_tol),
                     r.final_loss])
    o = numbers["optimizers"]
    label = dict(zip(OPTS, result.labels, strict=True))
    numbers["zigzags_sgd"] = o[label[SGD]]["zigzags"]
    numbers["zigzags_momentum"] = o[label[MOMENTUM]]["zigzags"]
    for key, spec in (("sgd", SGD), ("rmsprop", RMSPROP), ("adam", ADAM)):
        numbers[f"effective_step_ratio_{key}"] = o[label[spec]]["effective_step_ratio"]
    S = adam_scale(result.runs_of(label[ADAM])[0])
    numbers["adam_scale_ratio"] = float(np.median(S[:, 0] / S[:, 1]))

    findings = _findings(numbers, label, threshold)

    figures = {}
    fig, ax = new_figure(figsize=(10.0, 6.4))
    plot_path(result, ax=ax)
    retitle(ax, f"Ravine f = (x^2 + {KAPPA} y^2) / 2: paths over {STEPS} steps")
    figures["path"] = fig

    fig, ax = new_figure()
    plot_coordinate(result, 1, ax, band=threshold, steps=40, name="y")
    style(ax, "The steep coordinate y: every sign change is one zig-zag across the valley",
          "step", "y (steep coordinate)")
    figures["steep-coordinate"] = fig

    fig, ax = new_figure()
    plot_loss(result, ax=ax)
    retitle(ax, f"Ravine (kappa = {KAPPA}): loss against step")
    figures["loss"] = fig

    fig, axes = new_figure(1, 2, figsize=(13.0, 5.6), sharey=True)
    plot_effective_steps(result, [label[SGD], label[RMSPROP]], axes[0])
    style(axes[0], "Effective step  -(x_t - x_t-1) / g_t", "step", "step per unit gradient")
    plot_adam_scale(result, label[ADAM], axes[1])
    style(axes[1], "Adam's scale  lr / (sqrt(v_hat) + eps),\nwhich multiplies the momentum m_hat",
          "step", "")
    fig.suptitle("Per coordinate: SGD gives x and y the same lr; RMSProp and Adam give the "
                 "flat x the longer step", fontsize=TITLE)
    figures["effective-step"] = fig

    text = page(
        TITLE_, CLAIM,
        f"The ravine f(x, y) = (x^2 + {KAPPA} y^2) / 2 (problem `{PROBLEM}`: its axes are "
        f"the coordinate axes, so per-coordinate scaling can fit it), from "
        f"(-5, -2), {STEPS} steps, with {', '.join(f'`{s}`' for s in OPTS)}. SGD's lr "
        f"0.07 lies between 1/kappa = {fmt(1 / KAPPA)} and 2/kappa = {fmt(2 / KAPPA)}: "
        f"stable, but each step overshoots the valley floor. The optimizer state is "
        f"recorded (`record_state=True` in Python) to get the effective step "
        f"-(x_t - x_t-1) / g_t of each coordinate. A zig-zag is a sign change of y while "
        f"|y| > {fmt(threshold)} (1% of where y started).",
        [command(OPTS, PROBLEM, steps=STEPS, tol=TOL)],
        table(["optimizer", "zig-zags", "flat/steep step", "steps to loss 1e-3",
               "final loss"], rows),
        findings,
        [(f"path.{ext}", "the paths over the contours: compare SGD's bounces between the "
          "valley walls with the other paths."),
         (f"steep-coordinate.{ext}", "y against the step for the first 40 steps; every "
          "crossing of the middle line outside the grey band is a zig-zag."),
         (f"loss.{ext}", "loss - f* on a log scale: how fast each one gets down."),
         (f"effective-step.{ext}", "per coordinate, log scale, flat x solid and steep y "
          "dashed. Left: the step per unit gradient; SGD's two lines coincide at lr, "
          "RMSProp's separate. Right: Adam's effective step also carries earlier gradients "
          "through its momentum (it jumps wherever the gradient changes sign), so the "
          "panel shows the factor Adam applies to its momentum instead."),
         ("animation.gif", "the same paths growing step by step beside the loss: play it "
          "to watch SGD bounce while the others slide down the valley.")],
    )
    return LessonResult(figures=figures, text=text, numbers=numbers, results={"ravine": result},
                        animations=("ravine",))


def _findings(n: dict, label: dict[str, str], threshold: float) -> list[str]:
    o = n["optimizers"]
    z_sgd, z_mom = n["zigzags_sgd"], n["zigzags_momentum"]
    out = []
    if z_sgd == 0:
        out.append("SGD did not zig-zag visibly here, so there was nothing for momentum "
                   "to damp.")
    elif z_mom <= 0.75 * z_sgd:
        out.append(f"SGD crossed the valley floor {z_sgd} times before settling within "
                   f"{fmt(threshold)} of it; with momentum 0.5 at the same lr it crossed "
                   f"{z_mom} times: momentum damped the zig-zag "
                   f"({fmt(z_mom / z_sgd, 2)} times as many crossings).")
    elif z_mom <= 1.25 * z_sgd:
        out.append(f"SGD crossed the valley floor {z_sgd} times and SGD with momentum "
                   f"{z_mom} times: here momentum did not damp the zig-zag.")
    else:
        out.append(f"SGD crossed the valley floor {z_sgd} times and SGD with momentum "
                   f"{z_mom} times: momentum made the zig-zag worse at this lr.")
    t_sgd = o[label[SGD]]["steps_to_loss_1e-3"]
    t_mom = o[label[MOMENTUM]]["steps_to_loss_1e-3"]
    if t_sgd is not None and t_mom is not None and t_mom < t_sgd:
        out.append(f"Momentum also builds up speed along the flat floor: loss 1e-3 after "
                   f"{t_mom} steps instead of {t_sgd}.")
    elif t_sgd is not None:
        out.append(f"Momentum did not reach loss 1e-3 sooner than SGD ({t_sgd} steps) here.")
    r_sgd = n["effective_step_ratio_sgd"]
    out.append(f"SGD gives every coordinate the same step: its flat/steep ratio of "
               f"effective steps is {fmt(r_sgd)}.")
    for key, spec, name in (("rmsprop", RMSPROP, "RMSProp"), ("adam", ADAM, "Adam")):
        r = n[f"effective_step_ratio_{key}"]
        z = o[label[spec]]["zigzags"]
        if r > 2:
            verdict = (f"{name} gave the flat coordinate {fmt(r)} times the steep one's "
                       f"step (median over the run; a Newton step would use the curvature "
                       f"ratio, {KAPPA})")
        elif r >= 0.5:
            verdict = (f"{name}'s flat/steep ratio of effective steps is only {fmt(r)}: "
                       f"it barely rescaled the coordinates here")
        else:
            verdict = (f"{name} gave the flat coordinate the shorter step (ratio {fmt(r)})")
        crossing = ("and it never zig-zagged" if z == 0 else
                    f"and it crossed the floor {z} time{'s' * (z != 1)}"
                    + (" (momentum overshoot)" if key == "adam" else ""))
        out.append(f"{verdict}, {crossing}.")
    out.append(f"Adam's own per-coordinate factor lr / (sqrt(v_hat) + eps) is "
               f"{fmt(n['adam_scale_ratio'])} times larger for x than for y (median).")
    reached = {lab: v["steps_to_loss_1e-3"] for lab, v in o.items()
               if v["steps_to_loss_1e-3"] is not None}
    if reached:
        best = min(reached, key=lambda k: reached[k])
        worst = max(reached, key=lambda k: reached[k])
        missed = [lab for lab in o if lab not in reached]
        sentence = (f"First to loss 1e-3: {best} ({reached[best]} steps); last: {worst} "
                    f"({reached[worst]} steps)")
        if missed:
            sentence += f"; not within {n['steps']} steps: {', '.join(missed)}"
        if worst == label[ADAM] and not missed:
            sentence += (". Rescaling the coordinates is not the same as being fast: Adam's "
                         "momentum makes it overshoot and circle the minimum")
        out.append(sentence + ".")
    return out


TITLE_ = "A ravine: zig-zags, momentum, and per-coordinate steps"
CLAIM = ("In a narrow axis-aligned valley SGD zig-zags across the steep direction while "
         "crawling along the flat one. Momentum damps the zig-zag; RMSProp and Adam "
         "rescale each coordinate, giving the flat one a longer step.")

LESSON = Lesson(name="ravine", title=TITLE_, claim=CLAIM, run=run)
