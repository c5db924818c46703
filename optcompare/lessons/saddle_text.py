"""Page text of the ``saddle`` lesson: the findings, the ridge figure's title and the
counter-case, each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are passed in) so that the
lesson module can import it without a cycle.
"""

from __future__ import annotations

import math

from optcompare.lessons.base import fmt

__all__ = ["counter_case", "display", "findings", "ridge_title"]


def display(label: str) -> str:
    """An optimizer's name for a sentence ("SGD with momentum 0.9"); every lr is the same."""
    words = label.split()
    name = {
        "sgd": "SGD",
        "adagrad": "Adagrad",
        "rmsprop": "RMSProp",
        "adam": "Adam",
        "rprop": "Rprop",
    }.get(words[0], words[0])
    momentum = [w.split("=")[1] for w in words if w.startswith("momentum=")]
    return f"{name} with momentum {momentum[0]}" if momentum else name


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def findings(n: dict, labels: list[str], lr: float, at_saddle: float) -> list[str]:
    """When each optimizer escaped from both starts, and why; ``labels`` in the lesson's
    order (plain SGD first, SGD with momentum second), ``lr`` every optimizer's, and a
    run with |x| < ``at_saddle`` when it escaped first slid down to the saddle point."""
    o = n["optimizers"]
    name = {lab: display(lab) for lab in labels}
    out = []
    sgd = o[labels[0]]
    k, kc = sgd["escape_step"], sgd["escape_step_closer"]
    if k is not None and kc is not None:
        out.append(
            f"Plain SGD escaped at step {k} (theory for gradient descent: "
            f"{fmt(n['gd_theory'], 3)}), and from the start 1000 times closer to the "
            f"ridge at step {kc} ({kc - k:+d} steps; theory "
            f"{fmt(n['gd_theory_closer'] - n['gd_theory'], 3)})."
        )
    else:
        out.append(
            f"Plain SGD did not escape within {n['steps']} steps from "
            f"{'the closer start' if k is not None else 'either start'}."
        )
    escaped = {lab: v["escape_step"] for lab, v in o.items() if v["escape_step"] is not None}
    faster = sorted(
        (lab for lab in escaped if k is None or escaped[lab] < k), key=lambda lab: escaped[lab]
    )
    if faster:
        out.append(
            "Faster than SGD: "
            + ", ".join(f"{name[lab]} (step {escaped[lab]})" for lab in faster)
            + "."
        )
    slower = [lab for lab in labels[1:] if k is not None and escaped.get(lab, -1) > k]
    if slower:
        out.append(
            "Slower than SGD from this start: "
            + ", ".join(f"{name[lab]} (step {escaped[lab]})" for lab in slower)
            + "."
        )
    sgd_extra = kc - k if k is not None and kc is not None else None

    def extra(lab: str) -> int | None:
        v = o[lab]
        if v["escape_step"] is None or v["escape_step_closer"] is None:
            return None
        return v["escape_step_closer"] - v["escape_step"]

    groups: list[list[str]] = []
    for lab in sorted(labels, key=lambda lab: o[lab]["first_y_step"]):
        if groups and math.isclose(
            o[lab]["first_y_step"], o[groups[-1][0]]["first_y_step"], rel_tol=0.01
        ):
            groups[-1].append(lab)
        else:
            groups.append([lab])
    out.append(
        "The first step in y already tells them apart: y moved by "
        + "; by ".join(
            f"{fmt(o[g[0]]['first_y_step'], 2)} for {_and([name[lab] for lab in g])}"
            for g in groups
        )
        + f". Gradient descent moves y by 2 lr |y_0| = {fmt(2 * lr * n['start'][1], 2)}; a "
        f"step scaled by the gradient's size moves it by about lr = {fmt(lr)}, and RMSProp's "
        f"by lr / sqrt(1 - alpha) = {fmt(lr / math.sqrt(1 - 0.99), 2)} (alpha = 0.99) because "
        f"its average of squared gradients starts at zero."
    )
    mom = extra(labels[1])
    if mom is not None and sgd_extra:
        out.append(
            f"{name[labels[1]]} escaped at step {o[labels[1]]['escape_step']}, but the "
            f"closer start still cost it {mom:+d} steps ({fmt(mom / sgd_extra, 2)} of "
            f"SGD's extra): momentum speeds up the growth of y, and the escape time "
            f"still grows with log(1/|y_0|)."
        )
    if sgd_extra:
        steady = [
            lab for lab in labels[2:] if extra(lab) is not None and extra(lab) <= 0.05 * sgd_extra
        ]
        if steady:
            out.append(
                f"For {_and([name[lab] for lab in steady])} the closer start made "
                f"{'no' if all(extra(lab) == 0 for lab in steady) else 'almost no'} "
                f"difference: steps scaled by the gradient's own size do not care how "
                f"small the y-gradient is."
            )
    never = [name[lab] for lab, v in o.items() if v["escape_step"] is None]
    if never:
        out.append(f"Did not escape within {n['steps']} steps: {_and(never)}.")
    slid = [
        name[lab]
        for lab, v in o.items()
        if v["x_at_escape"] is not None and abs(v["x_at_escape"]) < at_saddle
    ]
    if slid:
        out.append(
            f"{_and(slid)} first slid down to the saddle point (|x| < "
            f"{fmt(at_saddle)} when |y| passed {fmt(n['threshold'])}) and waited there "
            f"for y to grow; the others cut the corner."
        )
    gone = [
        f"{name[lab]} (step {v['diverged_at']})"
        for lab, v in o.items()
        if v["diverged_at"] is not None
    ]
    if gone:
        out.append(
            f"Counted as diverged after escaping: {_and(gone)}. Nothing went "
            f"wrong: f has no minimum, and {'it' if len(gone) == 1 else 'they'} kept "
            f"falling."
        )
    return out


def ridge_title(n: dict) -> str:
    """Title of ridge.png: how many optimizers stayed on the ridge, and escaped with noise."""
    o = n["optimizers"]
    stuck = sum(v["ridge_escape_step"] is None for v in o.values())
    escaped = sum(v["noisy_escaped"] == n["noise_seeds"] for v in o.values())
    return (
        f"On the ridge y = 0: {stuck} of {len(o)} optimizers stay on it without noise; "
        f"with noise {fmt(n['noise'])}, {escaped} of {len(o)} escape in every seed"
    )


def counter_case(n: dict, labels: list[str], at_saddle: float) -> list[str]:
    """The runs started on the ridge, without and with gradient noise; ``labels`` and
    ``at_saddle`` as in :func:`findings`."""
    o = n["optimizers"]
    name = {lab: display(lab) for lab in labels}
    steps, start = n["steps"], n["ridge_start"]
    out = []
    stuck = [lab for lab in labels if o[lab]["ridge_escape_step"] is None]
    flat = [lab for lab in stuck if o[lab]["ridge_max_abs_y"] == 0]
    if stuck:
        who = "no optimizer" if len(stuck) == len(labels) else _and([name[lab] for lab in stuck])
        text = (
            f"Started exactly on the ridge, at ({fmt(start[0])}, 0), {who} escaped "
            f"within {steps} steps"
        )
        if flat == stuck:
            text += (
                ": y stayed exactly 0 in every run. The y-gradient -2y is exactly 0 "
                "there, and scaling a zero by its own size gives zero (0 / (0 + eps) "
                "for RMSProp and Adam, sign(0) = 0 for Rprop)"
            )
        out.append(text + ". Rescaling a small gradient helps; it cannot create one.")
        into = sorted(
            (lab for lab in stuck if o[lab]["ridge_final_abs_x"] < at_saddle),
            key=lambda lab: o[lab]["ridge_final_abs_x"],
        )
        if into:
            out.append(
                f"Instead {_and([name[lab] for lab in into])} slid along x into the "
                f"saddle point, a stationary point that is not a minimum, and stayed "
                f"there: |x| after {steps} steps was "
                + ", ".join(f"{fmt(o[lab]['ridge_final_abs_x'], 2)} ({name[lab]})" for lab in into)
                + "."
            )
        on_way = [lab for lab in stuck if lab not in into]
        if on_way:
            out.append(
                _and(
                    [f"{name[lab]} (|x| = {fmt(o[lab]['ridge_final_abs_x'], 2)})" for lab in on_way]
                )
                + f" was still sliding toward it after {steps} steps."
            )
    else:
        out.append(
            f"Even from exactly the ridge, ({fmt(start[0])}, 0), every optimizer "
            f"escaped within {steps} steps."
        )
    sgd = o[labels[0]]
    noise, seeds = fmt(n["noise"]), n["noise_seeds"]
    if sgd["noisy_escape_median"] is not None:
        lo, hi = sgd["noisy_escape_range"]
        text = (
            f"With gradient noise of standard deviation {noise} (`saddle:noise={noise}`, "
            f"{seeds} seeds) the same start on the ridge no longer traps plain SGD: it "
            f"escaped in every seed, at a median step {fmt(sgd['noisy_escape_median'])} "
            f"(from {lo} to {hi})"
        )
        kc = sgd["escape_step_closer"]
        if kc is not None and sgd["noisy_escape_median"] < kc:
            text += (
                f", sooner than without noise from y = {fmt(n['closer_start'][1])} "
                f"(step {kc}): once the start is closer to the ridge than the noise "
                f"pushes it, the noise, not the start, sets the escape time"
            )
        out.append(text + ".")
    else:
        out.append(
            f"With gradient noise of standard deviation {noise} ({seeds} seeds) plain "
            f"SGD escaped in {sgd['noisy_escaped']} of {seeds} seeds within {steps} "
            f"steps."
        )
    same = [
        lab
        for lab in labels[1:]
        if o[lab]["noisy_escape_range"] is not None
        and o[lab]["escape_step"] is not None
        and abs(o[lab]["noisy_escape_median"] - o[lab]["escape_step"]) <= 2
    ]
    if same:
        out.append(
            f"With that noise {_and([name[lab] for lab in same])} escaped at the "
            f"same step (within 2) as from the default start without noise: the "
            f"noise gives them a y-gradient to rescale."
        )
    return out
