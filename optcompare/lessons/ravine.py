"""Lesson ``ravine``: SGD zig-zags across a valley; momentum and per-coordinate scaling help."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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

    from optcompare.experiments.records import Result
    from optcompare.plotting.colors import By

KAPPA = 25
PROBLEM = f"quadratic:kappa={KAPPA}"
LR = 0.07
SGD, MOMENTUM, RMSPROP, ADAM = (f"sgd:lr={LR}", f"sgd:lr={LR},momentum=0.5", "rmsprop:lr=0.1",
                                "adam:lr=0.3")
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


def plot_coordinate(result: Result, j: int, ax: Axes, band: float | None = None,
                    steps: int | None = None, name: str | None = None,
                    labels: Sequence[str] | None = None, by: By = "optimizer") -> Axes:
    """Coordinate ``j`` (called ``name``) of the runs ``labels`` (default: all) against
    the step for the first ``steps`` steps, a grey band |x_j| <= band; ``by`` as in plot_path."""
    from optcompare.plotting import result_colors
    from optcompare.plotting.style import by_label_note

    shown = list(result.labels if labels is None else labels)
    colors = result_colors(result, by=by)
    n = result.steps + 1 if steps is None else min(steps, result.steps) + 1
    if band is not None:
        ax.axhspan(-band, band, color="0.85", zorder=0,
                   label=f"|{name or f'x{j}'}| <= {fmt(band)}")
    ax.axhline(0.0, color="0.3", lw=0.8, zorder=1)
    for run in (r for r in result.runs if r.label in shown):
        ax.plot(np.arange(n), run.x[:n, j], color=colors[run.label], lw=1.8, marker="o", ms=3,
                label=run.label)
    ax.legend(fontsize=LEGEND, loc="lower right", framealpha=0.9, title=by_label_note(by),
              title_fontsize=LEGEND)
    return ax


def plot_effective_steps(result: Result, labels: list[str], ax: Axes) -> Axes:
    """|effective step| of the flat x (solid) and steep y (dashed) for the runs ``labels``.

    Colours match the other figures of ``result``.  Log scale; a step against the
    gradient (effective step <= 0, from momentum) cannot be drawn there and is left out.
    """
    from matplotlib.lines import Line2D

    from optcompare.plotting import result_colors

    colors = result_colors(result)
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

    from optcompare.plotting import result_colors

    color = result_colors(result)[adam_label]
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
    mu, L = (float(h) for h in sorted(curvatures(result.problem)))
    rows: list[list[Any]] = []
    numbers: dict[str, Any] = {"problem": PROBLEM, "steps": STEPS, "zigzag_threshold": threshold,
                               "curvatures": {"mu": mu, "L": L}, "optimizers": {}}
    for r in result.runs:
        z = zigzags(r.x[:, 1], threshold)
        ratio = step_ratio(r.effective_step)
        numbers["optimizers"][r.label] = {
            "lr": r.hyperparameters["lr"], "zigzags": z, "effective_step_ratio": ratio,
            "final_loss": r.final_loss, "steps_to_loss_1e-3": r.steps_to_tol}
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

    # the counter-case: the same SGD with more momentum
    sweep = optcompare.run([f"sgd:lr={LR},momentum={b}" for b in BETAS], PROBLEM, steps=STEPS,
                           tol=TOL)
    beta_label = dict(zip(BETAS, sweep.labels, strict=True))
    numbers["momentum_sweep"] = {
        str(b): {"zigzags": zigzags(r.x[:, 1], threshold), "steps_to_loss_1e-3": r.steps_to_tol,
                 "final_loss": r.final_loss, "contraction_steep": contraction(LR, b, L),
                 "contraction_flat": contraction(LR, b, mu)}
        for b, (r,) in ((b, sweep.runs_of(beta_label[b])) for b in BETAS)}
    m = numbers["momentum_sweep"]
    numbers["zigzags_momentum_common"] = m[str(COMMON_BETA)]["zigzags"]
    beta_rows = [[fmt(b), m[str(b)]["zigzags"], m[str(b)]["contraction_steep"],
                  m[str(b)]["contraction_flat"],
                  "-" if m[str(b)]["steps_to_loss_1e-3"] is None
                  else str(m[str(b)]["steps_to_loss_1e-3"]), m[str(b)]["final_loss"]]
                 for b in BETAS]

    crossings = "; ".join(f"{lab}: {v['zigzags']}" for lab, v in o.items())
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
    plot_coordinate(sweep, 1, ax, band=threshold, steps=60, name="y", by="label",
                    labels=[beta_label[b] for b in SHOWN_BETAS])
    counts = ", ".join(f"{fmt(b)}: {m[str(b)]['zigzags']}" for b in SHOWN_BETAS)
    style(ax, f"SGD at lr {fmt(LR)}: y over the first 60 steps\nzig-zags in {STEPS} steps, "
          f"by momentum: {counts}",
          "step", "y (steep coordinate)")
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
    style(axes[1], "Adam's scale  lr / (sqrt(v_hat) + eps),\nwhich multiplies the momentum m_hat",
          "step", "")
    fig.suptitle(f"Flat x over steep y, median over the run: SGD's step {fmt(r_sgd, 2)}, "
                 f"RMSProp's {fmt(r_rms, 2)}, Adam's scale {fmt(numbers['adam_scale_ratio'], 2)}",
                 fontsize=TITLE)
    figures["effective-step"] = fig

    text = page(
        TITLE_, CLAIM,
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
        [command(OPTS, PROBLEM, steps=STEPS, tol=TOL),
         command([f"sgd:lr={LR},momentum={b}" for b in BETAS], PROBLEM, steps=STEPS, tol=TOL)],
        table(["optimizer", "zig-zags", "flat/steep step", "steps to loss 1e-3",
               "final loss"], rows)
        + f"\n\nSGD at lr {fmt(LR)} with momentum beta (contraction: how much |y| or |x| "
        f"shrinks per step in the long run, from the roots of z^2 - (1 + beta - lr h) z + "
        f"beta with h = L or mu):\n\n"
        + table(["momentum", "zig-zags", "contraction of y", "of x", "steps to loss 1e-3",
                 "final loss"], beta_rows),
        _findings(numbers, label, threshold),
        [(f"path.{ext}", f"the paths over the contours. Crossings of the valley floor while "
          f"|y| > {fmt(threshold)}: {crossings}."),
         (f"steep-coordinate.{ext}", "y against the step for the first 40 steps; every "
          "crossing of the middle line outside the grey band is a zig-zag."),
         (f"momentum.{ext}", f"the counter-case: y for SGD at lr {fmt(LR)} with momentum "
          f"{', '.join(fmt(b) for b in SHOWN_BETAS)} over the first 60 steps; zig-zags "
          f"{counts}."),
         (f"loss.{ext}", "loss - f* on a log scale, at the hand-picked lrs above."),
         (f"effective-step.{ext}", "per coordinate, log scale, flat x solid and steep y "
          "dashed. Left: the step per unit gradient (SGD's two lines coincide at its lr). "
          "Right: Adam's effective step also carries earlier gradients through its "
          "momentum (it jumps wherever the gradient changes sign), so the panel shows the "
          "factor Adam applies to its momentum instead."),
         ("animation.gif", f"the same paths growing step by step beside the loss; "
          f"crossings of the valley floor over the run: {crossings}.")],
        counter=_counter(numbers, threshold),
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"ravine": result, "momentum": sweep}, animations=("ravine",))


def _findings(n: dict, label: dict[str, str], threshold: float) -> list[str]:
    o = n["optimizers"]
    z_sgd, z_mom = n["zigzags_sgd"], n["zigzags_momentum"]
    beta = o[label[MOMENTUM]]
    out = []
    if z_sgd == 0:
        out.append(f"SGD at lr {fmt(LR)} did not zig-zag visibly here, so there was nothing "
                   f"for momentum to damp.")
    elif z_mom <= 0.75 * z_sgd:
        out.append(f"SGD at lr {fmt(LR)} crossed the valley floor {z_sgd} times while |y| > "
                   f"{fmt(threshold)}; with momentum 0.5 at the same lr it crossed {z_mom} "
                   f"times: momentum 0.5 damped the zig-zag ({fmt(z_mom / z_sgd, 2)} times as "
                   f"many crossings).")
    elif z_mom <= 1.25 * z_sgd:
        out.append(f"SGD at lr {fmt(LR)} crossed the valley floor {z_sgd} times and SGD with "
                   f"momentum 0.5 {z_mom} times: here momentum did not damp the zig-zag.")
    else:
        out.append(f"SGD at lr {fmt(LR)} crossed the valley floor {z_sgd} times and SGD with "
                   f"momentum 0.5 {z_mom} times: momentum made the zig-zag worse at this lr.")
    t_sgd = o[label[SGD]]["steps_to_loss_1e-3"]
    t_mom = beta["steps_to_loss_1e-3"]
    if t_sgd is not None and t_mom is not None and t_mom < t_sgd:
        out.append(f"At the same lr {fmt(LR)}, momentum 0.5 also built up speed along the "
                   f"flat floor: loss 1e-3 after {t_mom} steps instead of {t_sgd}.")
    elif t_sgd is not None:
        out.append(f"At the same lr {fmt(LR)}, momentum 0.5 did not reach loss 1e-3 sooner "
                   f"than SGD ({t_sgd} steps).")
    out.append(f"SGD gives every coordinate the same step: its flat/steep ratio of "
               f"effective steps is {fmt(n['effective_step_ratio_sgd'])}.")
    for key, spec, name in (("rmsprop", RMSPROP, "RMSProp"), ("adam", ADAM, "Adam")):
        r = n[f"effective_step_ratio_{key}"]
        z = o[label[spec]]["zigzags"]
        lr = fmt(o[label[spec]]["lr"])
        if r > 2:
            verdict = (f"{name} (lr {lr}) gave the flat coordinate {fmt(r)} times the steep "
                       f"one's step (median over the run; a step fitted exactly to each "
                       f"curvature would give {KAPPA} times)")
        elif r >= 0.5:
            verdict = (f"{name}'s (lr {lr}) flat/steep ratio of effective steps is only "
                       f"{fmt(r)}: it barely rescaled the coordinates here")
        else:
            verdict = f"{name} (lr {lr}) gave the flat coordinate the shorter step (ratio {fmt(r)})"
        crossing = ("and it never zig-zagged" if z == 0 else
                    f"and it crossed the floor {z} time{'s' * (z != 1)}")
        out.append(f"{verdict}, {crossing}.")
    out.append(f"Adam's own per-coordinate factor lr / (sqrt(v_hat) + eps) is "
               f"{fmt(n['adam_scale_ratio'])} times larger for x than for y (median).")
    out.append("The lrs were not tuned, so the table's steps to loss 1e-3 do not rank the "
               "optimizers by speed; `optcompare run --tune` gives each optimizer its best lr "
               "from one shared grid first.")
    return out


def _counter(n: dict, threshold: float) -> list[str]:
    m = n["momentum_sweep"]
    z0, c0 = m["0.0"]["zigzags"], m["0.0"]["contraction_steep"]
    common = m[str(COMMON_BETA)]
    z, c = common["zigzags"], common["contraction_steep"]
    if z > z0:
        verdict = (f" ({fmt(z / z0, 2)} times as many): momentum {fmt(COMMON_BETA)} made "
                   f"the zig-zag worse" if z0 else ": momentum made the zig-zag appear")
    elif z == z0:
        verdict = f" (as many): momentum {fmt(COMMON_BETA)} did not damp the zig-zag"
    else:
        verdict = f" (fewer): momentum {fmt(COMMON_BETA)} damped the zig-zag here too"
    out = [f"At the common momentum {fmt(COMMON_BETA)} and the same lr {fmt(LR)}, y crossed "
           f"the valley floor {z} times while |y| > {fmt(threshold)}, against {z0} for plain "
           f"SGD{verdict}. Per step, |y| shrinks by a factor {fmt(c)} in the long run, "
           f"against SGD's |1 - lr L| = {fmt(c0)}."]
    damped = [b for b in BETAS if b > 0 and m[str(b)]["zigzags"] < z0]
    not_damped = [b for b in BETAS if b > 0 and m[str(b)]["zigzags"] >= z0]
    sweep = ", ".join(f"{m[str(b)]['zigzags']} at {fmt(b)}" for b in BETAS)
    sentence = f"Over the momentum sweep at lr {fmt(LR)} the zig-zags were {sweep}"
    if damped:
        sentence += (f": momentum damped the zig-zag at beta = "
                     f"{', '.join(fmt(b) for b in damped)}")
    if not_damped:
        sentence += (f"{';' if damped else ':'} not at beta = "
                     f"{', '.join(fmt(b) for b in not_damped)}")
    slower = [b for b in BETAS if b > 0 and m[str(b)]["contraction_steep"] > c0]
    if slower:
        sentence += (f". For beta = {', '.join(fmt(b) for b in slower)} the steep coordinate "
                     f"contracts more slowly than without momentum (factors "
                     f"{', '.join(fmt(m[str(b)]['contraction_steep']) for b in slower)} "
                     f"against {fmt(c0)}), so its oscillation lasts longer")
    out.append(sentence + ".")
    t0, tc = m["0.0"]["steps_to_loss_1e-3"], common["steps_to_loss_1e-3"]
    f0, fc = m["0.0"]["contraction_flat"], common["contraction_flat"]
    reach = ("did not reach loss 1e-3" if tc is None else f"reached loss 1e-3 after {tc} steps")
    out.append(f"With momentum {fmt(COMMON_BETA)} the flat x contracts by {fmt(fc)} per step "
               f"(SGD: {fmt(f0)}), and the run {reach}, against "
               f"{'never' if t0 is None else f'{t0} steps'} for SGD at the same lr.")
    return out


TITLE_ = "A ravine: zig-zags, momentum, and per-coordinate steps"
CLAIM = (f"In a narrow axis-aligned valley (curvatures 1 and {KAPPA}) SGD at lr {LR} "
         f"zig-zags across the steep direction while crawling along the flat one. Momentum "
         f"0.5 at the same lr damps the zig-zag (momentum 0.9 does not); RMSProp and Adam "
         f"rescale each coordinate, giving the flat one a longer step.")

LESSON = Lesson(name="ravine", title=TITLE_, claim=CLAIM, run=run)
