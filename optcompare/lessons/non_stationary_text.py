"""Page text of the ``non-stationary`` lesson: the setup, the findings and the counter-cases,
each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that the
lesson module can import it without a cycle.
"""

from __future__ import annotations

from typing import Any

from optcompare.lessons.base import fmt

__all__ = ["FLAT", "GROWS", "counter_case", "findings", "setup"]

#: a tracking error whose last period is at least this many times its first has grown
GROWS = 1.25
#: one within this factor of another (either way) is flat / as good
FLAT = 1.1

_NAMES = {"adagrad": "Adagrad", "rmsprop": "RMSProp", "sgd": "SGD"}


def display(label: str) -> str:
    """A label for a sentence: "Adagrad at lr 1" for "adagrad lr=1"."""
    name, *rest = label.split()
    lr = next((w.split("=")[1] for w in rest if w.startswith("lr=")), None)
    return _NAMES.get(name, name) + ("" if lr is None else f" at lr {lr}")


def _and(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _periods(values: list[float]) -> str:
    return ", ".join(fmt(v) for v in values)


def _trend(growth: float) -> str:
    """How a last-to-first ratio reads."""
    if growth >= GROWS:
        return f"grew {fmt(growth, 3)} times"
    if growth <= 1 / GROWS:
        return f"fell to {fmt(growth, 3)} times its first"
    if 1 / FLAT <= growth <= FLAT:
        return f"stayed flat ({fmt(growth, 3)} times its first)"
    return f"changed by a factor {fmt(growth, 3)}, no clear trend"


def setup(n: dict[str, Any]) -> str:
    """The paragraph that says what was run, with every setting."""
    lo, hi, count = n["tune_grid"]
    picked = _and([f"{_NAMES[m]} {fmt(lr)}" for m, lr in n["tuned"].items()])
    return (
        f"The online problem `{n['problem']}`: f_t(x) = |x - c_t|^2 / 2 in {n['dim']} "
        f"coordinate(s) with the target c_t = {fmt(n['amplitude'])} sin(2 pi t / {n['period']}), "
        f"one full swing every {n['period']} steps, and every observed gradient carrying "
        f"N(0, {fmt(n['noise'])}^2) noise per coordinate. Every run starts on the target (x = 0 "
        f"= c_0) and takes {n['steps']} steps ({n['periods']} periods); {n['seeds']} seeds "
        f"(0 to {n['seeds'] - 1}) per method, each its own noise stream. The tracking error of "
        f"a period is a run's mean of |x_t - c_t|^2 / D over its {n['period']} steps; medians "
        f"and 25-75% bands are over the seeds. Each method's constant lr was tuned on the first "
        f"period only ({n['tune_steps']} steps), as an online learner would have to, from "
        f"{count} log-spaced values from {fmt(lo)} to {fmt(hi)} (optcompare's tuning grid) by "
        f"the median mean loss over those steps (`objective='{n['objective']}'`) on "
        f"{n['tune_seeds']} seeds of its own: it picked {picked} (rounded to 3 digits for "
        f"the runs). All hyperparameters other than lr are PyTorch's defaults (RMSProp's "
        f"alpha {fmt(n['rmsprop_alpha'])}: its average forgets over about "
        f"{fmt(1 / (1 - n['rmsprop_alpha']))} steps). The counter-cases tune Adagrad for the "
        f"whole {n['horizon']['tune_steps']} steps instead, and rerun the three methods at the "
        f"same lrs without noise (`{n['noiseless_problem']}`)."
    )


def findings(n: dict[str, Any]) -> list[str]:
    """Adagrad's error and step over time, RMSProp's and SGD's, and the bands."""
    o, lab = n["optimizers"], n["labels"]
    ada, rms, sgd = o[lab["adagrad"]], o[lab["rmsprop"]], o[lab["sgd"]]
    k = n["periods"]
    out = [
        f"With noise {fmt(n['noise'])}, {display(lab['adagrad'])} had a median tracking error "
        f"of {_periods(ada['periods'])} in periods 1 to {k}: its error {_trend(ada['growth'])}"
        + (
            f", rising in every period from period {ada['lowest_period']} on"
            if ada["rises_from_lowest"] and ada["lowest_period"] < k
            else ""
        )
        + "."
    ]
    e = ada["eff_lr_periods"]
    text = (
        f"Adagrad's step shrank: the lr it actually applied fell from a median of {fmt(e[0])} "
        f"(mean over period 1) to {fmt(e[-1])} (period {k}), {fmt(e[0] / e[-1], 3)} times "
        f"smaller; a sum of squared gradients growing in proportion to t predicts "
        f"{fmt(n['inv_sqrt_ratio'], 3)} times (the same ratio of the mean of 1/sqrt(t))."
    )
    if ada["below_ref_from"] is not None:
        text += (
            f" From step {ada['below_ref_from']} on its median stayed below {fmt(n['ref_lr'])}, "
            f"the constant lr tuned for SGD: too small a step to keep up with the target."
        )
    out.append(text)
    r = rms["eff_lr_periods"]
    out.append(
        f"{display(lab['rmsprop'])} forgets old gradients, so its step did not shrink (a median "
        f"effective lr of {fmt(r[0])} in period 1, {fmt(r[-1])} in period {k}), and its "
        f"tracking error ({_periods(rms['periods'])}) {_trend(rms['growth'])}."
    )
    ratio = sgd["periods"][-1] / rms["periods"][-1]
    if 1 / FLAT <= ratio <= FLAT:
        verdict = "tracked as well as RMSProp"
    elif ratio < 1:
        verdict = "tracked better than RMSProp"
    else:
        verdict = "tracked worse than RMSProp"
    out.append(
        f"Constant-lr SGD needs no forgetting: {display(lab['sgd'])} {verdict}. Its median "
        f"error, {_periods(sgd['periods'])}, {_trend(sgd['growth'])}; in period {k} it was "
        f"{fmt(sgd['periods'][-1])} against RMSProp's {fmt(rms['periods'][-1])} "
        f"({fmt(ratio, 3)} times). What the claim supports is RMSProp over Adagrad, not RMSProp "
        f"over everything."
    )
    above = [m for m in ("rmsprop", "sgd") if ada["q25"][-1] > o[lab[m]]["q75"][-1]]
    if len(above) == 2:
        out.append(
            f"The difference is not a few unlucky seeds: in period {k} Adagrad's 25th "
            f"percentile ({fmt(ada['q25'][-1])}) lay above the 75th percentile of RMSProp "
            f"({fmt(rms['q75'][-1])}) and of SGD ({fmt(sgd['q75'][-1])})."
        )
    else:
        out.append(
            f"The bands overlap: in period {k} Adagrad's 25th percentile "
            f"({fmt(ada['q25'][-1])}) did not lie above the 75th percentile of "
            + _and(
                [
                    f"{_NAMES[m]} ({fmt(o[lab[m]]['q75'][-1])})"
                    for m in ("rmsprop", "sgd")
                    if m not in above
                ]
            )
            + "."
        )
    return out


def counter_case(n: dict[str, Any]) -> list[str]:
    """Where the claim weakens: Adagrad tuned for the whole stream, and no noise."""
    o, lab, k = n["optimizers"], n["labels"], n["periods"]
    rms = o[lab["rmsprop"]]
    h = n["horizon"]
    first = h["periods"][0] / rms["periods"][0]
    last = h["periods"][-1] / rms["periods"][-1]
    text = (
        f"Tuned for all {h['tune_steps']} steps instead of the first period, Adagrad picked "
        f"lr {fmt(h['lr'])} (against {fmt(n['tuned']['adagrad'])}) and its median error per "
        f"period was {_periods(h['periods'])}: {fmt(first, 3)} times RMSProp's in period 1 "
        f"(the large early steps amplify the noise) and {fmt(last, 3)} times in period {k}"
    )
    if h["rises_from_lowest"] and h["lowest_period"] < k:
        text += f", rising again in every period from period {h['lowest_period']} on"
    if h["below_ref_from"] is None:
        text += (
            f"; its median effective lr was still above {fmt(n['ref_lr'])} at the end. Over "
            f"this stream a larger lr hides the decay"
        )
    else:
        text += (
            f"; its median effective lr stayed below {fmt(n['ref_lr'])} from step "
            f"{h['below_ref_from']} on. A larger lr postpones the decay"
        )
    text += ", but a longer stream would need a larger lr again: Adagrad's lr has to be chosen for "
    text += "the length of the stream"
    flat = all(1 / FLAT <= o[lab[m]]["growth"] <= FLAT for m in ("rmsprop", "sgd"))
    text += (
        ", while RMSProp's and SGD's, tuned on the first period, held for all of it."
        if flat
        else "."
    )
    out = [text]
    still = n["noiseless"]
    s_ada, s_rms, s_sgd = (still[lab[m]] for m in ("adagrad", "rmsprop", "sgd"))
    e_noisy = o[lab["adagrad"]]["eff_lr_periods"][-1]
    e_still = s_ada["eff_lr_periods"][-1]
    best = min(still, key=lambda label: still[label]["periods"][-1])
    text = (
        f"Without noise (`{n['noiseless_problem']}`, the same lrs; one run each, as nothing is "
        f"random) the effect is gone: {display(lab['adagrad'])} had a tracking error of "
        f"{_periods(s_ada['periods'])} per period ({_trend(s_ada['growth'])}), against "
        f"{_periods(s_rms['periods'])} for RMSProp and {_periods(s_sgd['periods'])} for SGD. "
    )
    filled = e_still > FLAT * e_noisy
    if filled:
        text += (
            f"Its gradients shrink as it closes on the target, so its sum grows far more "
            f"slowly: its effective lr in period {k} was {fmt(e_still)}, against "
            f"{fmt(e_noisy)} with noise. "
        )
    else:
        text += (
            f"Its effective lr in period {k} was {fmt(e_still)}, against {fmt(e_noisy)} with "
            f"noise. "
        )
    if best == lab["adagrad"]:
        text += "Here Adagrad tracked best of the three. "
    else:
        text += f"Here {display(best)} tracked best of the three. "
    if filled:
        text += (
            "The noise is what fills Adagrad's sum: the claim is about noisy gradients, as in "
            "online learning from samples."
        )
    out.append(text)
    return out
