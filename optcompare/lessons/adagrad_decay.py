"""Lesson ``adagrad-decay``: Adagrad's steps only shrink; RMSProp forgets; Adadelta's lr."""

from __future__ import annotations

from dataclasses import replace

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
#: RMSProp's first step per coordinate is lr |g| / sqrt((1 - alpha) g^2) = lr / sqrt(1 - alpha),
#: 10 lr at PyTorch's alpha = 0.99; Adagrad's is lr |g| / (|g| + eps), about lr.  So Adagrad
#: at 10 lr and RMSProp at lr make equal first steps.
FIRST_STEP_RATIO = 10
ADAGRAD, RMSPROP, ADADELTA = "adagrad:lr=0.05", "rmsprop:lr=0.05", "adadelta"
ADAGRAD_BIG, RMSPROP_SMALL = "adagrad:lr=0.5", "rmsprop:lr=0.005"
OPTS = [ADAGRAD, RMSPROP, RMSPROP_SMALL, ADAGRAD_BIG, ADADELTA]
#: (what the pair shares, Adagrad's spec, RMSProp's spec)
PAIRS = (("the same lr 0.05", ADAGRAD, RMSPROP),
         ("equal first steps of 0.05", ADAGRAD, RMSPROP_SMALL),
         ("equal first steps of 0.5", ADAGRAD_BIG, RMSPROP))
#: Adadelta's lr swept around PyTorch's default 1 (Zeiler's rule has no lr: it is lr = 1)
ADADELTA_LRS = (0.1, 0.3, 1.0, 3.0, 10.0)
STEPS = 3000
#: the "end" effective step is the median of the last this-many finite steps
TAIL = 10
#: a loss - f* this many times its best by the end counts as having risen
RISE = 2
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


def describe(r, f_star: float, half: int) -> dict:
    """The numbers of one run: first step, effective steps, loss - f* along the run."""
    gaps = r.loss - f_star
    entry: dict = {"lr": r.hyperparameters["lr"],
                   "first_step": float(np.max(np.abs(r.x[1] - r.x[0]))),
                   "final_gap": r.final_loss - f_star, "best_gap": r.best_loss - f_star,
                   "best_step": first_at_most(gaps, r.best_loss - f_star),
                   "gap_at_half": float(gaps[half])}
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

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, record_state=True)
    label = dict(zip(OPTS, result.labels, strict=True))
    f_star = result.problem.f_star or 0.0
    half = STEPS // 2
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "optimizers": {}}
    rows = []
    for spec in OPTS:
        (r,) = result.runs_of(label[spec])
        e = numbers["optimizers"][r.label] = describe(r, f_star, half)
        rows.append([r.label, e["first_step"], e["effective_step_ratio_x"],
                     e["effective_step_ratio_y"], e["gap_at_half"], e["final_gap"],
                     f"{fmt_gap(e['best_gap'])} (step {e['best_step']})"])
    eye = np.eye(2)  # axis-aligned quadratic: the gradients at the unit vectors give the curvatures
    h = (result.problem.grad(eye) - result.problem.grad(0 * eye)).diagonal()
    numbers["stability_limit"] = {c: float(2.0 / hj) for c, hj in zip(COORDS, h, strict=True)}
    numbers["pairs"] = [{"shared": shared, "adagrad": label[a], "rmsprop": label[b]}
                        for shared, a, b in PAIRS]

    sweep = optcompare.run([f"adadelta:lr={lr}" for lr in ADADELTA_LRS], PROBLEM, steps=STEPS)
    numbers["adadelta_lr_sweep"] = {
        fmt(lr): {"final_gap": r.final_loss - f_star, "best_gap": r.best_loss - f_star,
                  "diverged": r.diverged_at is not None}
        for lr, (r,) in zip(ADADELTA_LRS, (sweep.runs_of(lab) for lab in sweep.labels),
                            strict=True)}
    finals = {k: v["final_gap"] for k, v in numbers["adadelta_lr_sweep"].items()}
    best_lr, worst_lr = min(finals, key=finals.__getitem__), max(finals, key=finals.__getitem__)
    numbers["adadelta_lr_spread"] = {"best_lr": best_lr, "worst_lr": worst_lr,
                                     "ratio": finals[worst_lr] / finals[best_lr]}

    o = numbers["optimizers"]
    figures = {}
    fig, ax = new_figure()
    plot_loss(result, ax=ax)
    retitle(ax, f"{PROBLEM}: loss against step\nAdagrad and RMSProp at the same lr and at "
                f"equal first steps; Adadelta at lr 1")
    figures["loss"] = fig

    trio = [label[s] for s in (ADAGRAD, RMSPROP, ADADELTA)]
    fig, ax = new_figure()
    plot_effective_step(replace(result, runs=[r for r in result.runs if r.label in trio]),
                        ax=ax, coordinate_names=["x (flat)", "y (steep)"])
    ends = ", ".join(f"{lab} {fmt(o[lab]['effective_step_ratio_x'], 2)}" for lab in trio)
    retitle(ax, f"Effective step per coordinate\nend/first for x: {ends}")
    figures["effective-step"] = fig

    fig, ax = new_figure()
    plot_loss(sweep, ax=ax, by="label")  # five lrs of one optimizer: a colour each
    spread = numbers["adadelta_lr_spread"]
    retitle(ax, f"Adadelta on {PROBLEM}, lr {fmt(ADADELTA_LRS[0])} to {fmt(ADADELTA_LRS[-1])}: "
                f"final loss - f* spans a factor {fmt(spread['ratio'], 2)}")
    figures["adadelta-lr"] = fig

    text = page(
        TITLE, CLAIM,
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
        [command(OPTS, PROBLEM, steps=STEPS),
         command([f"adadelta:lr={v}" for v in ADADELTA_LRS], PROBLEM, steps=STEPS)],
        table(["optimizer", "first step", "eff. step end/first x", "end/first y",
               f"loss - f* at {half}", f"at {STEPS}", "best"], rows)
        + "\n\nAdadelta's lr:\n\n"
        + table(["Adadelta lr", f"loss - f* at {STEPS}", "best"],
                [[k, v["final_gap"], fmt_gap(v["best_gap"])]
                 for k, v in numbers["adadelta_lr_sweep"].items()]),
        _findings(numbers, label, half),
        [(f"loss.{ext}", "loss - f* on a log scale for all five runs; compare each Adagrad "
          "run with the RMSProp run that makes the same first step."),
         (f"effective-step.{ext}", f"the step each coordinate got per unit gradient (log "
          f"scale; solid x, dashed y) for {', '.join(trio)}; end/first for x: {ends}."),
         (f"adadelta-lr.{ext}", f"Adadelta's loss at lr {', '.join(fmt(v) for v in ADADELTA_LRS)}"
          f": final loss - f* from {fmt(finals[best_lr])} (lr {best_lr}) to "
          f"{fmt(finals[worst_lr])} (lr {worst_lr}).")],
        notes="Adagrad's effective step is lr / (sqrt(sum of all squared gradients) + eps): "
              "the sum never forgets, so the step can only shrink; with gradients of steady "
              "size it falls like 1/sqrt(t), and when the gradients shrink geometrically the "
              "sum converges and the step levels off. RMSProp replaces the sum by a running "
              "average (alpha = 0.99, a memory of about 100 steps). Adadelta also divides by "
              "a running average, and multiplies by a running average of its own past steps, "
              "which starts at eps = 1e-6. Zeiler's Adadelta (2012) has no learning rate; "
              "PyTorch's keeps one, lr (default 1.0), that multiplies every step, so lr = 1 "
              "is the paper's rule.",
        counter=_counter(numbers, label),
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"adagrad-decay": result, "adadelta-lr": sweep})


def _stalls(ada: dict, rms: dict) -> bool:
    """Adagrad ends far above RMSProp's best and gained less than 100-fold in the second half."""
    return bool(ada["final_gap"] > 10 * rms["best_gap"]
                and ada["gap_at_half"] < 100 * ada["final_gap"])


def _stall(n: dict, ada_label: str, rms_label: str, shared: str, half: int) -> str:
    """One sentence: does Adagrad stall against RMSProp in this pair?"""
    ada, rms = n["optimizers"][ada_label], n["optimizers"][rms_label]
    firsts = (f"measured first steps: Adagrad {fmt(ada['first_step'])}, RMSProp "
              f"{fmt(rms['first_step'])}")
    if _stalls(ada, rms):
        gain = ada["gap_at_half"] / ada["final_gap"]
        return (f"At {shared} ({firsts}), Adagrad (lr {fmt(ada['lr'])}) stalls: in the "
                f"second half (steps {half} to {n['steps']}) its loss - f* went only from "
                f"{fmt(ada['gap_at_half'])} to {fmt(ada['final_gap'])} (a factor "
                f"{fmt(gain, 2)}), while RMSProp (lr {fmt(rms['lr'])}) reached "
                f"{fmt_gap(rms['best_gap'])} by step {rms['best_step']}.")
    if ada["final_gap"] < 1e-15:
        went = (f"its loss - f* fell below 1e-15 by step {ada['best_step']} and ended at "
                f"{fmt(ada['final_gap'])}")
    else:
        went = (f"its loss - f* went from {fmt(ada['gap_at_half'])} at step {half} to "
                f"{fmt(ada['final_gap'])} at step {n['steps']}")
    return (f"At {shared} ({firsts}), Adagrad (lr {fmt(ada['lr'])}) did not stall: {went}; "
            f"RMSProp (lr {fmt(rms['lr'])}) ended at {fmt_gap(rms['final_gap'])} (best "
            f"{fmt_gap(rms['best_gap'])}).")


def _edge(n: dict, entries: dict[str, dict], name: str) -> str:
    """Where runs rattle: their final effective steps against 2 / curvature.

    ``entries`` maps a tag for each run ("at lr 0.05", or "" for a single run) to its numbers.
    """
    edge = n["stability_limit"]
    off = {(tag, c): abs(e[f"effective_step_end_{c}"] / edge[c] - 1)
           for tag, e in entries.items() for c in COORDS}
    near = [c for c in COORDS if all(off[tag, c] < 0.2 for tag in entries)]
    if not near:
        return ""
    verb = "at" if all(off[tag, c] < 0.05 for tag in entries for c in near) else "near"
    values = "; ".join(", ".join(fmt(e[f"effective_step_end_{c}"]) for c in near)
                       + (f" {tag}" if tag else "") for tag, e in entries.items())
    return (f" The final effective step{'s' * (len(entries) > 1)} of {name} for "
            f"{' and '.join(near)} ({values}) sit{'s' * (len(entries) == 1)} {verb} "
            f"2 / curvature ({', '.join(fmt(edge[c]) for c in near)}), the largest stable "
            f"step of {'each' if len(near) > 1 else 'that'} coordinate.")


def _findings(n: dict, label: dict[str, str], half: int) -> list[str]:
    o = n["optimizers"]
    out = []
    for spec in (ADAGRAD, ADAGRAD_BIG):
        ada = o[label[spec]]
        lo, hi = ada["effective_step_ratio_min"], ada["effective_step_ratio_max"]
        ratios = (f"{fmt(ada['effective_step_ratio_x'], 2)} (x) and "
                  f"{fmt(ada['effective_step_ratio_y'], 2)} (y)")
        grew = ("it grew at some step (unexpected: its sum can only grow)"
                if ada["effective_step_ever_grew"] else "it never grew from one step to the next")
        out.append(f"At lr {fmt(ada['lr'])}, Adagrad's effective step ended at {ratios} of its "
                   f"first value, a {fmt(1 / hi, 3)}- to {fmt(1 / lo, 3)}-fold shrink, and "
                   f"{grew}.")
    ada, same_lr, same_step = (o[label[s]] for s in (ADAGRAD, RMSPROP, RMSPROP_SMALL))
    times = same_lr["first_step"] / ada["first_step"]
    if _stalls(ada, same_lr) and _stalls(ada, same_step):
        out.append(f"Adagrad at lr {fmt(ada['lr'])} stalls: in the second half (steps {half} "
                   f"to {n['steps']}) its loss - f* went only from {fmt(ada['gap_at_half'])} "
                   f"to {fmt(ada['final_gap'])} (a factor "
                   f"{fmt(ada['gap_at_half'] / ada['final_gap'], 2)}). RMSProp reached "
                   f"{fmt_gap(same_lr['best_gap'])} by step {same_lr['best_step']} at the "
                   f"same lr {fmt(same_lr['lr'])}, whose first step ({fmt(same_lr['first_step'])})"
                   f" is {fmt(times, 3)} times Adagrad's, and {fmt_gap(same_step['best_gap'])} "
                   f"by step {same_step['best_step']} at lr {fmt(same_step['lr'])}, whose first "
                   f"step ({fmt(same_step['first_step'])}) equals Adagrad's.")
    else:
        out.append(_stall(n, label[ADAGRAD], label[RMSPROP], "the same lr 0.05", half)
                   + f" But RMSProp's first step there is {fmt(times, 3)} times Adagrad's.")
        out.append(_stall(n, label[ADAGRAD], label[RMSPROP_SMALL],
                          "equal first steps of 0.05", half))
    rms = o[label[RMSPROP]]
    r_lo, r_hi = rms["effective_step_ratio_min"], rms["effective_step_ratio_max"]
    if r_lo >= 0.5:
        out.append(f"RMSProp's effective step (lr 0.05) did not shrink: it ended "
                   f"{fmt(r_lo, 2)} to {fmt(r_hi, 2)} times its first value. Its running "
                   f"average forgets old gradients, so as the gradients get small near the "
                   f"minimum the step per unit gradient grows.")
    else:
        out.append(f"RMSProp's effective step (lr 0.05) shrank too on this run (end/first "
                   f"{fmt(r_lo, 2)} to {fmt(r_hi, 2)}).")
    def rose(e: dict) -> bool:
        return bool(e["final_gap"] > RISE * max(e["best_gap"], 1e-15))

    def went(e: dict) -> str:
        return (f"reached {fmt_gap(e['best_gap'])} at step {e['best_step']} and rose to "
                f"{fmt(e['final_gap'])} by step {n['steps']}"
                + ("" if e["best_gap"] < 1e-15 else
                   f" ({fmt(e['final_gap'] / e['best_gap'], 2)} times its best)"))

    risen = [o[label[s]] for s in (RMSPROP, RMSPROP_SMALL) if rose(o[label[s]])]
    if risen:
        out.append("RMSProp does not stay down: " + "; ".join(
            f"at lr {fmt(e['lr'])} {'its loss - f*' if k == 0 else 'it'} {went(e)}"
            for k, e in enumerate(risen)) + ". Its growing steps overshoot."
            + _edge(n, {f"at lr {fmt(e['lr'])}": e for e in risen}, "RMSProp"))
    e = o[label[ADADELTA]]
    if rose(e):
        out.append(f"Adadelta at lr {fmt(e['lr'])} does not stay down: its loss - f* "
                   f"{went(e)}: its steps grow too." + _edge(n, {"": e}, "Adadelta"))
    return out


def _counter(n: dict, label: dict[str, str]) -> list[str]:
    o = n["optimizers"]
    half = n["steps"] // 2
    out = [_stall(n, label[ADAGRAD_BIG], label[RMSPROP], "equal first steps of 0.5", half)]
    big = o[label[ADAGRAD_BIG]]
    acc0, acc1 = big.get("accumulator_at_half"), big.get("accumulator_end")
    if acc0 and acc1:
        growth = max(b / a - 1 for a, b in zip(acc0, acc1, strict=True))
        sums = "; ".join(f"{c}: {fmt(a)} at step {half}, {fmt(b)} at step {n['steps']}"
                         for c, a, b in zip(COORDS, acc0, acc1, strict=True))
        if growth < 1e-6:
            out.append(f"Why: at lr {fmt(big['lr'])} the gradients shrank geometrically, so "
                       f"Adagrad's sum of squared gradients stopped growing ({sums}) and its "
                       f"effective step levelled off at {fmt(big['effective_step_end_x'])} (x) "
                       f"and {fmt(big['effective_step_end_y'])} (y) instead of decaying: on "
                       f"this deterministic problem whether Adagrad stalls depends on its lr.")
        else:
            out.append(f"At lr {fmt(big['lr'])} Adagrad's sum of squared gradients kept "
                       f"growing ({sums}).")
    sweep, spread = n["adadelta_lr_sweep"], n["adadelta_lr_spread"]
    listed = ", ".join(f"{fmt(v['final_gap'])} at lr {k}" for k, v in sweep.items())
    out.append(f"Adadelta's lr matters: PyTorch's lr multiplies every step, and across lr "
               f"{next(iter(sweep))} to {list(sweep)[-1]} its final loss - f* was {listed}: "
               f"from {fmt(sweep[spread['best_lr']]['final_gap'])} (lr {spread['best_lr']}) "
               f"to {fmt(sweep[spread['worst_lr']]['final_gap'])} (lr {spread['worst_lr']}), "
               f"a {fmt(spread['ratio'], 2)}-fold spread. The default lr = 1 (Zeiler's "
               f"rule) was {'the best' if spread['best_lr'] == fmt(1.0) else 'not the best'}"
               f" of these lrs.")
    return out


TITLE = "Adagrad's shrinking steps, RMSProp's memory, and Adadelta's learning rate"
CLAIM = ("On the ravine quadratic:kappa=10 over 3000 steps, Adagrad divides by the sum of all "
         "past squared gradients, so its effective step only shrinks, and at lr 0.05 it "
         "stalls; RMSProp, which divides by a running average, keeps moving, both at the same "
         "lr and at the same first step. Adadelta's rule (Zeiler 2012) has no learning rate, "
         "but PyTorch's version multiplies its step by lr (default 1), and that lr matters.")

LESSON = Lesson(name="adagrad-decay", title=TITLE, claim=CLAIM, run=run)
