"""Page text of the ``rmsprop-variants`` lesson: findings and counter-case, generated from
the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

import math

from optcompare.lessons.base import fmt

__all__ = ["PAIRS", "counter_case", "findings"]

#: pairs of presets and what tells them apart (from ``explain rmsprop``'s table), compared
#: on Rosenbrock; the lr is the same for both
PAIRS = [
    ("hinton", "seed", "eps 1e-8 outside vs inside the root"),
    ("seed", "keras", "eps 1e-8 vs 1e-7, both inside the root"),
    ("hinton", "tf1", "the average of g^2 starting at 0 vs 1, eps 1e-8 outside vs 1e-10 inside"),
    ("hinton", "dl4j", "decay 0.9 vs 0.95, the average starting at 0 vs 1e-8"),
    ("torch", "hinton", "decay 0.99 vs 0.9"),
    ("hinton", "graves", "centred, momentum 0.9, eps 1e-4 inside the root, decay 0.95"),
]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def findings(n: dict, variants: list[str]) -> list[str]:
    """The first steps on the quadratic and the pairwise comparison on Rosenbrock."""
    o, lr, g = n["variants"], n["lr"], n["x0"]
    out = []
    big = max(variants, key=lambda v: o[v]["first_step"])
    small = min(variants, key=lambda v: o[v]["first_step"])
    out.append(
        f"On x^2/2 from x = {fmt(g)} (first gradient {fmt(g)}), all at lr {fmt(lr)}, the "
        f"first steps range from {fmt(o[small]['first_step'])} ({small}) to "
        f"{fmt(o[big]['first_step'])} ({big}), a factor "
        f"{fmt(o[big]['first_step'] / o[small]['first_step'])}."
    )
    groups: list[list[str]] = []
    for v in sorted(variants, key=lambda v: -o[v]["first_step"]):
        if groups and math.isclose(
            o[v]["first_step"], o[groups[-1][0]]["first_step"], rel_tol=0.01
        ):
            groups[-1].append(v)
        else:
            groups.append([v])
    out.append(
        "In units of the lr the first step was "
        + "; ".join(f"{fmt(o[gr[0]]['first_step_over_lr'])} for {_and(gr)}" for gr in groups)
        + " (within 1% inside a group)."
    )
    if "torch" in o:
        out.append(
            f"torch: {fmt(o['torch']['first_step_over_lr'])} lr, as 1 / sqrt(1 - 0.99) = "
            f"{fmt(1 / math.sqrt(1 - 0.99))} predicts: the average of g^2 starts at 0 and "
            f"after one step is 0.01 g^2, so the step is lr g / (0.1 |g|), whatever g is. "
            f"From x = {fmt(g)} that step took x to {fmt(o['torch']['x1'])}."
        )
    if "tf1" in o:
        out.append(
            f"tf1: {fmt(o['tf1']['first_step_over_lr'])} lr, as g / sqrt(0.9 + 0.1 g^2) = "
            f"{fmt(g / math.sqrt(0.9 + 0.1 * g * g))} predicts: its average starts at 1, so "
            f"while |g| is far below 1 the step is about lr |g| / sqrt(0.9), "
            f"{fmt(o['torch']['first_step'] / o['tf1']['first_step'])} times smaller than "
            f"torch's."
        )
    for p in n["pairs"]:
        a, b = p["a"], p["b"]
        ga, gb = o[a]["rosen_final_gap"], o[b]["rosen_final_gap"]
        if p["max_distance"] <= n["invisible"]:
            verdict = "invisible"
        elif p["gap_ratio"] > n["matters"]:
            verdict = "it matters"
        else:
            verdict = "visible in the path but not in the result"
        out.append(
            f"Rosenbrock, {a} vs {b} ({p['knob']}): the paths part by at most "
            f"{fmt(p['max_distance'])} over {n['steps']} steps, the result is {fmt(ga)} "
            f"vs {fmt(gb)} (a factor {fmt(p['gap_ratio'])}): {verdict}."
        )
    return out


def counter_case(n: dict) -> list[str]:
    """What confounds the Rosenbrock comparison: Graves's momentum and its own lr, and the
    first-step differences that Rosenbrock's large gradients hide."""
    o, lr, steps = n["variants"], n["lr"], n["steps"]
    out = []
    gv, hv = o["graves"]["rosen_final_gap"], o["hinton"]["rosen_final_gap"]
    nm, own = n["graves_no_momentum_gap"], n["graves_own_lr_gap"]
    out.append(
        f"graves is not RMSProp at the same step size: its momentum 0.9 multiplies the "
        f"steady step by about 1 / (1 - 0.9) = 10. At lr {fmt(lr)} its median loss - f* "
        f"over the last {n['tail']} steps was {fmt(gv)} against hinton's {fmt(hv)} "
        f"({fmt(hv / gv)} times lower); with "
        f"`momentum=0` it was {fmt(nm)}, so the momentum explains a factor "
        f"{fmt(nm / gv)} and centring, eps 1e-4 and the decay 0.95 together a factor "
        f"{fmt(hv / nm)}."
    )
    out.append(
        f"At Graves's own lr 1e-4 (`rmsprop:variant=graves`, {steps} steps) its result was "
        f"{fmt(own)} (same measure): "
        + (
            "lower still, so comparing presets at their own defaults mixes the lr in too."
            if own < gv
            else "higher, so comparing presets at their own defaults mixes the lr in too."
        )
    )
    tf1 = next(p for p in n["pairs"] if p["b"] == "tf1")
    out.append(
        f"The quadratic's largest difference, tf1's average starting at 1 (a first step "
        f"{fmt(o['hinton']['first_step'] / o['tf1']['first_step'])} times smaller than "
        f"hinton's there), does not show on Rosenbrock from "
        f"({', '.join(fmt(v) for v in n['rosenbrock_start'])}): the first gradient there has "
        f"norm {fmt(n['rosenbrock_first_grad_norm'])}, so 0.1 g^2 swamps the 0.9 left of the "
        f"start within a step; the paths "
        f"part by at most {fmt(tf1['max_distance'])}. A first step on a low-gradient "
        f"problem is not a verdict on a whole run."
    )
    return out
