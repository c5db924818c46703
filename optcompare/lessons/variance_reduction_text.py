"""Page text of the ``variance-reduction`` lesson: the setup, the findings and the
counter-cases, each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

import math
from typing import Any

from optcompare.lessons.base import fmt

__all__ = ["LINEAR", "STALL", "counter_case", "display", "findings", "setup"]

#: a median falling by fewer decades per pass than this has stalled (a factor 10 would
#: take more than 50 passes)
STALL = 0.02
#: a median falling by at least this many decades per pass converges linearly here
#: (a factor 10 in at most 10 passes)
LINEAR = 0.1

_NAMES = {"sag": "SAG", "svrg": "SVRG", "s2gd": "S2GD", "sarah": "SARAH", "sarah-plus": "SARAH+"}


def display(label: str) -> str:
    """A label for a sentence: "SARAH+" for sarah-plus, "SGD at lr 0.107" for SGD."""
    name, *rest = label.split()
    if name == "sgd":
        lr = next(w.split("=")[1] for w in rest if w.startswith("lr="))
        return f"SGD at lr {lr}" + (" (tuned)" if "(tuned)" in rest else "")
    return _NAMES.get(name, name)


def _and(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _vr_labels(n: dict[str, Any], o: dict[str, Any]) -> list[str]:
    return [lab for lab in o if lab.split()[0] in n["vr"]]


def setup(n: dict[str, Any]) -> str:
    """The paragraph that says what was run, with every setting."""
    o = n["optimizers"]
    vr = _vr_labels(n, o)
    lrs = _and([f"{display(lab)} {fmt(o[lab]['lr'])}" for lab in vr])
    return (
        f"Least squares (`{n['problem']}`): n = {n['n']} samples, dim = {n['dim']} weights, "
        f"features with correlation {fmt(n['corr'])}; every stochastic gradient is one "
        f"sample's (batch {n['batch']}). L_max = max_i |a_i|^2 = {fmt(n['l_max'])}, the "
        f"strong convexity mu = {fmt(n['mu'])}, so L_max/mu = {fmt(n['l_max_over_mu'])}. "
        f"Every run gets the same budget, {n['passes']} passes over the data (n component "
        f"gradients each), and starts from (-2, ..., -2); {n['seeds']} seeds (0 to "
        f"{n['seeds'] - 1}) per method. The variance-reduced methods run at their default "
        f"step sizes ({lrs}: multiples of 1/L_max) and inner loops (2n). SGD runs at "
        + _and([f"lr {fmt(o[lab]['lr'])}" for lab in n["sgd_constant"]])
        + f" (1/L_max and a tenth of it, rounded to 3 digits), and with the decaying lr "
        f"lr/sqrt(t) ({n['schedule']}), its base lr tuned by the median final loss over "
        f"{n['tune_seeds']} other seeds on the same budget ({fmt(o[n['sgd_decay']]['lr'])} "
        f"was picked). The linear rate is the slope of a straight line through log10 of the "
        f"median loss - f* from pass {fmt(n['fit'][0])} to {fmt(n['fit'][1])}, in decades "
        f"per pass; a rate below {fmt(STALL)} counts as stalled, one of {fmt(LINEAR)} or "
        f"more as linear convergence. The counter-case repeats the comparison on nearly "
        f"collinear features (`{n['ill']['problem']}`)."
    )


def _passes(p: float | None) -> str:
    return "more than the budget's" if p is None else fmt(p, 3)


def _sgd_floor_sentence(n: dict[str, Any], lab: str) -> str:
    o, s = n["optimizers"][lab], n["sgd"][lab]
    rate = o["decades_per_pass"]
    if rate < STALL:
        verdict = f"stalled: its median fell by {fmt(rate, 2)} decades per pass"
    else:
        verdict = f"had not yet settled: its median still fell by {fmt(rate, 2)} decades per pass"
    return (
        f"{display(lab)} {verdict} from pass {fmt(n['fit'][0])} to {fmt(n['fit'][1])} "
        f"(median loss - f* {fmt(o['gap_10'])} after 10 passes, {fmt(o['gap_final'])} "
        f"after {n['passes']}). Its mean over the seeds and the steps past pass "
        f"{fmt(n['settled'])} was {fmt(s['measured_settled'])}; the exact expected value "
        f"over the same steps is {fmt(s['expected_settled'])}, and the floor it tends to "
        f"at this lr {fmt(s['floor'])}."
        + (
            f" The median ({fmt(o['gap_final'])}) lies below the mean: near its floor a "
            f"run spends most steps below its average and a few far above."
            if o["gap_final"] < s["measured_settled"]
            else ""
        )
    )


def findings(n: dict[str, Any]) -> list[str]:
    """SGD's floors, how they scale with the lr, the linear rates of the variance-reduced
    methods, and where SGD with a decaying lr stands."""
    o, sgd = n["optimizers"], n["sgd"]
    vr = _vr_labels(n, o)
    const = n["sgd_constant"]
    out = [_sgd_floor_sentence(n, lab) for lab in const]
    hi, lo = const[0], const[1]
    f_hi, f_lo = sgd[hi]["floor"], sgd[lo]["floor"]
    out.append(
        f"The floor is set by the lr and the gradient noise at the minimum, sigma^2 = "
        f"E|grad f_i(w*)|^2 = {fmt(n['sigma2'])}: for a small lr it is about lr sigma^2 / 4 "
        f"({fmt(sgd[lo]['lr'] * n['sigma2'] / 4)} at lr {fmt(sgd[lo]['lr'])}, against the "
        f"exact {fmt(f_lo)}). A {fmt(sgd[hi]['lr'] / sgd[lo]['lr'], 2)} times smaller lr "
        f"lowers it {fmt(f_hi / f_lo, 2)} times ({fmt(f_hi)} to {fmt(f_lo)}), but the run "
        f"gets there later: the expected loss - f* comes within twice the floor after "
        + _and(
            [
                f"{_passes(sgd[lab]['passes_to_twice_floor'])} passes at lr {fmt(sgd[lab]['lr'])}"
                for lab in (hi, lo)
            ]
        )
        + "."
    )
    linear = [lab for lab in vr if o[lab]["decades_per_pass"] >= LINEAR and not o[lab]["diverged"]]
    rest = [lab for lab in vr if lab not in linear]
    if linear:
        worst = max(linear, key=lambda lab: o[lab]["gap_final"])
        out.append(
            f"{_and([display(lab) for lab in linear])} converged linearly: their medians "
            f"fell by {_and([fmt(o[lab]['decades_per_pass'], 2) for lab in linear])} decades "
            f"per pass and ended at {_and([fmt(o[lab]['gap_final']) for lab in linear])} "
            f"after {n['passes']} passes, the highest of them ({display(worst)}) "
            f"{fmt(f_lo / o[worst]['gap_final'])} times below the floor of {display(lo)}."
        )
        reached = [lab for lab in linear if o[lab]["passes_to_tol"] is not None]
        if reached:
            no_sgd = "; SGD at either constant lr cannot, its floor lying above that"
            out.append(
                f"Their medians reached loss - f* {fmt(n['tol'])} after "
                + _and([f"{fmt(o[lab]['passes_to_tol'], 3)} ({display(lab)})" for lab in reached])
                + " passes"
                + (no_sgd if min(f_lo, f_hi) > n["tol"] else "")
                + "."
            )
    for lab in rest:
        e = o[lab]
        why = (
            f"{e['diverged']} of {n['seeds']} runs diverged"
            if e["diverged"]
            else f"its median fell by only {fmt(e['decades_per_pass'], 2)} decades per pass"
        )
        out.append(
            f"{display(lab)} did not converge linearly here: {why}, ending at "
            f"{fmt(e['gap_final'])} after {n['passes']} passes."
        )
    d = n["sgd_decay"]
    e, s = o[d], sgd[d]
    # expectation against expectation: a median is lower than the mean at a floor
    below = [display(lab) for lab in const if s["expected_final"] < sgd[lab]["floor"]]
    best_vr = min(vr, key=lambda lab: o[lab]["gap_final"])
    worst_vr = max(vr, key=lambda lab: o[lab]["gap_final"])
    text = (
        f"SGD with a decaying lr, {fmt(e['lr'])}/sqrt(t) (tuned), ended at a median of "
        f"{fmt(e['gap_final'])} after {n['passes']} passes (its mean past pass "
        f"{fmt(n['settled'])} {fmt(s['measured_settled'])}, the exact expectation there "
        f"{fmt(s['expected_settled'])}). Its expected loss - f* at the last step, "
        f"{fmt(s['expected_final'])}, is "
    )
    if below:
        text += f"below the floor of {_and(below)}"
        if len(below) < len(const):
            text += ", not of the other"
    else:
        text += "not below the floor of either constant lr"
    text += (
        f". Its median fell by {fmt(e['decades_per_pass'], 2)} decades per pass over passes "
        f"{fmt(n['fit'][0])}-{fmt(n['fit'][1])}: "
        + (
            f"less than the {fmt(LINEAR)} counted as linear here, as the floor it follows "
            f"shrinks only with its lr, lr/sqrt(t). "
            if e["decades_per_pass"] < LINEAR
            else f"as fast as linear convergence is counted here ({fmt(LINEAR)}). "
        )
    )
    if e["gap_final"] > o[worst_vr]["gap_final"]:
        text += (
            f"It stands {fmt(e['gap_final'] / o[worst_vr]['gap_final'])} times above the "
            f"highest variance-reduced median ({display(worst_vr)}) and "
            f"{fmt(e['gap_final'] / o[best_vr]['gap_final'])} times above the lowest "
            f"({display(best_vr)})."
        )
    else:
        text += f"Here it even ended below {display(worst_vr)} ({fmt(o[worst_vr]['gap_final'])})."
    out.append(text)
    return out


def counter_case(n: dict[str, Any]) -> list[str]:
    """Where the claim weakens: the first passes, and nearly collinear features."""
    o = n["optimizers"]
    vr = _vr_labels(n, o)
    ref = n["sgd_constant"][0]
    out = []
    behind = [lab for lab in vr if o[lab]["gap_1"] > o[ref]["gap_1"]]
    unmoved = [lab for lab in behind if o[lab]["gap_1"] == o[lab]["gap_0"]]
    late = [lab for lab in vr if o[lab]["below_sgd_from"] is not None]
    never = [lab for lab in vr if lab not in late]
    text = (
        f"For a rough answer SGD is as good or better: after 1 pass {display(ref)} was at a "
        f"median of {fmt(o[ref]['gap_1'])}, "
    )
    if behind:
        text += (
            f"ahead of {_and([display(lab) for lab in behind])} ("
            + _and([fmt(o[lab]["gap_1"]) for lab in behind])
            + ")."
        )
        if unmoved:
            text += (
                f" {_and([display(lab) for lab in unmoved])} had not moved from the start "
                f"yet: their first pass goes into one full gradient."
            )
    else:
        text += "and yet behind every variance-reduced method already."
    if late:
        text += (
            " The variance-reduced medians stay below SGD's for good from pass "
            + _and([f"{fmt(o[lab]['below_sgd_from'], 3)} ({display(lab)})" for lab in late])
            + " on"
            + (
                f"; {_and([display(lab) for lab in never])} never did within {n['passes']} passes."
                if never
                else "."
            )
        )
    out.append(text)
    ill = n["ill"]
    io = ill["optimizers"]
    slower = {lab: o[lab]["decades_per_pass"] / io[lab]["decades_per_pass"] for lab in vr}
    ratios = [r for r in slower.values() if r > 0 and math.isfinite(r)]
    isgd = ill["sgd"]
    beat = [lab for lab in vr if io[lab]["gap_final"] < io[isgd]["gap_final"]]
    lost = [lab for lab in vr if lab not in beat]
    text = (
        f"With nearly collinear features (corr {fmt(ill['corr'])}, the same recipe "
        f"otherwise: L_max/mu = {fmt(ill['l_max_over_mu'])} instead of "
        f"{fmt(n['l_max_over_mu'])}) the same methods at their default steps fell by "
        + _and([fmt(io[lab]["decades_per_pass"], 2) for lab in vr])
        + f" decades per pass over passes {fmt(n['fit'][0])}-{fmt(n['fit'][1])} ("
        + _and([display(lab) for lab in vr])
        + ")"
    )
    if ratios:
        text += f", {fmt(min(ratios), 2)} to {fmt(max(ratios), 2)} times slower than before"
    text += (
        f". After {n['passes']} passes {display(isgd)} (1/L_max there) had a median of "
        f"{fmt(io[isgd]['gap_final'])}; "
    )
    if lost:
        text += (
            f"{_and([display(lab) for lab in lost])} ended above it ("
            + _and([fmt(io[lab]["gap_final"]) for lab in lost])
            + ")"
            + (
                f", and only {_and([display(lab) for lab in beat])} below ("
                + _and([fmt(io[lab]["gap_final"]) for lab in beat])
                + ")"
                if beat
                else ""
            )
            + f". The rates these methods are proven to have scale with mu/L_max, here "
            f"{fmt(ill['l_max_over_mu'] / n['l_max_over_mu'], 3)} times smaller: on badly "
            f"conditioned data a budget of {n['passes']} passes can end before variance "
            f"reduction pays."
        )
    else:
        text += (
            "every variance-reduced method still ended below it ("
            + _and([fmt(io[lab]["gap_final"]) for lab in vr])
            + "), though by less."
        )
    out.append(text)
    return out
