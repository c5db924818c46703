"""Page text of the ``feature-scaling`` lesson: the setup, the findings and the
counter-cases, each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

import math
from typing import Any

from optcompare.lessons.base import fmt, fmt_gap

__all__ = [
    "FLOOR",
    "NAMES",
    "REACHED",
    "RISE",
    "WIN",
    "counter_case",
    "findings",
    "scale_name",
    "setup",
]

NAMES = {
    "sgd": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "rprop": "Rprop",
    "momentum": "SGD with momentum 0.9",
}
#: gaps at most this are at the float floor of f (about 1e-16 relative to f* ~ 0.1): ties
FLOOR = 1e-15
#: "similar loss" on standardised features: every method within this of f* (the CLI's
#: default tolerance)
REACHED = 1e-6
#: a tuned result whose grid neighbours both ended at least this many times higher is
#: called partly luck
LUCK = 2.0
#: a run whose loss - f* rose more than this many times above its lowest so far is named
RISE = 100.0
#: a method "wins clearly" over SGD when its final loss - f* is at least this many times
#: lower
WIN = 2.0


def scale_name(scale: str) -> str:
    return {"standard": "standardised", "raw": "raw"}[scale]


def _and(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _decades(a: float, b: float) -> float:
    return abs(math.log10(a / b))


def _rows(d: int) -> str:
    return f"{d:+d} row" + ("" if abs(d) == 1 else "s")


def setup(n: dict[str, Any]) -> str:
    """The paragraph that says what was run, with every setting."""
    std, raw = n["scales"]["standard"], n["scales"]["raw"]
    grid = n["grid"]
    return (
        f"Binary logistic regression (`logistic`) on UCI breast cancer: {n['n_train']} "
        f"training rows, {n['n_test']} held out (the stratified split of data_seed 0), "
        f"{n['dim']} parameters (a weight per feature and the intercept), l2 = "
        f"{fmt(n['l2'])}; the loss is the mean log-loss over the training rows. "
        f"`scale=standard` z-scores each feature with the training rows' mean and standard "
        f"deviation, `scale=raw` leaves the features as measured. The methods: "
        + _and([NAMES[k] for k in n["optimizers"]])
        + f", each at PyTorch's defaults but for its lr, which was tuned per method and "
        f"scaling over one grid of {len(grid)} values from {fmt(grid[0])} to "
        f"{fmt(grid[-1])} (1, 2 and 5 in every decade) by the final loss - f* after "
        f"{n['steps']} full-batch steps from the all-zero start; each method then ran "
        f"{n['steps']} steps at its tuned lr. f* = {fmt(std['f_star'], 6)} (standardised) "
        f"and {fmt(raw['f_star'], 6)} (raw), by Newton's method (two objectives: the "
        f"penalty acts on the weights of standardised features in one and of raw features "
        f"in the other); the start's loss - f* is "
        f"{fmt(std['gap_start'])} and {fmt(raw['gap_start'])}. Runs per setting: "
        f"{n['seeds']}, as full-batch gradients from a fixed start involve no randomness."
    )


def _gaps(o: dict[str, Any], keys: list[str]) -> str:
    return _and([f"{NAMES[k]} {fmt_gap(o[k]['gap_final'])}" for k in keys])


def findings(n: dict[str, Any]) -> list[str]:
    """The features' scales, standardised (similar losses), raw (who wins over SGD and by
    how much), the tuned lrs' shift, --tune's default grid, and the distance that remains
    to standardising."""
    f, std, raw = n["features"], n["scales"]["standard"], n["scales"]["raw"]
    so, ro = std["optimizers"], raw["optimizers"]
    pc = n["per_coordinate"]
    steps = n["steps"]
    out = [
        f"The {len(f['std'])} raw features of the {n['n_train']} training rows have standard "
        f"deviations from {fmt(f['std_min'])} ({f['std_min_name']}) to {fmt(f['std_max'])} "
        f"({f['std_max_name']}), {fmt(f['std_max'] / f['std_min'])} times apart, and mean "
        f"absolute values from {fmt(f['mean_abs_min'])} to {fmt(f['mean_abs_max'])}. The "
        f"Hessian of the loss at its minimiser has condition number {fmt(raw['kappa'])} on "
        f"raw features and {fmt(std['kappa'])} on standardised ones."
    ]
    keys = ["sgd", *pc]
    far = [k for k in keys if so[k]["gap_final"] > REACHED]
    accs = {so[k]["test_accuracy"] for k in keys}
    if not far:
        text = (
            f"Standardised features: every method reached loss - f* <= {fmt(REACHED)} within "
            f"{steps} steps at its tuned lr ({_gaps(so, keys)})"
        )
    else:
        near = [k for k in keys if k not in far]
        text = (
            f"Standardised features: after {steps} steps at tuned lrs, "
            f"{_and([NAMES[k] for k in far])} had not reached loss - f* <= {fmt(REACHED)} "
            f"({_gaps(so, far)})" + (f", while {_gaps(so, near)} had" if near else "")
        )
    if len(accs) == 1:
        text += f"; all have the same test accuracy, {fmt(accs.pop())}."
    else:
        text += "; test accuracy " + _and(
            [f"{NAMES[k]} {fmt(so[k]['test_accuracy'])}" for k in keys]
        )
        text += "."
    out.append(text)
    rose = [
        (s, k)
        for s in ("standard", "raw")
        for k in n["optimizers"]
        if n["scales"][s]["optimizers"][k]["largest_rise"] > RISE
    ]
    if rose:
        out.append(
            "Tuned for the final loss alone, not every run descended steadily: "
            + _and(
                [
                    f"{NAMES[k]} ({scale_name(s)}) rose up to "
                    f"{fmt(n['scales'][s]['optimizers'][k]['largest_rise'])} times above its "
                    f"lowest loss - f* so far"
                    for s, k in rose
                ]
            )
            + " before coming down again."
        )

    sgd = ro["sgd"]["gap_final"]
    ratio = {k: sgd / ro[k]["gap_final"] for k in pc}
    clear = [k for k in pc if ratio[k] >= WIN]
    some = [k for k in pc if 1 < ratio[k] < WIN]
    none = [k for k in pc if ratio[k] <= 1]
    text = (
        f"Raw features: after {steps} steps at tuned lrs SGD ended at loss - f* "
        f"{fmt(sgd)}; "
        + _and(
            [
                f"{NAMES[k]} at {fmt(ro[k]['gap_final'])} ({fmt(ratio[k], 2)} times lower)"
                for k in pc
            ]
        )
        + ". "
    )
    parts = []
    if clear:
        parts.append(
            f"{_and([NAMES[k] for k in clear])} won clearly (at least {fmt(WIN)} times lower)"
        )
    if some:
        parts.append(f"{_and([NAMES[k] for k in some])} won by less than a factor {fmt(WIN)}")
    if none:
        parts.append(f"{_and([NAMES[k] for k in none])} did no better than SGD")
    text += "; ".join(parts)[0].upper() + "; ".join(parts)[1:] + "."
    out.append(text)
    for k in ["sgd", *pc]:
        e = ro[k]
        if min(g for _, g in e["neighbours"]) < LUCK * e["gap_final"]:
            continue
        lo, hi, med = e["plateau"]
        out.append(
            f"{NAMES[k]}'s tuned result on raw features is partly the luck of the grid: its "
            f"neighbouring lrs ended at "
            + _and([f"{fmt(g)} (lr {fmt(lr)})" for lr, g in e["neighbours"]])
            + f", {fmt(min(g for _, g in e['neighbours']) / e['gap_final'], 3)} times higher "
            f"or more. Over the lrs around it within "
            f"{fmt(n['plateau'])} times its best ({fmt(lo)} to {fmt(hi)}) its final loss - f* "
            f"had a median of {fmt(med)}, {fmt(sgd / med, 2)} times below SGD's tuned result."
        )

    shift = {k: _decades(so[k]["lr"], ro[k]["lr"]) for k in n["optimizers"]}
    text = (
        f"The raw features move SGD's tuned lr from {fmt(so['sgd']['lr'])} to "
        f"{fmt(ro['sgd']['lr'])}, {fmt(shift['sgd'], 2)} decades; the per-coordinate "
        f"methods' tuned lrs moved by "
        + _and([f"{fmt(shift[k], 2)} ({NAMES[k]})" for k in pc])
        + " decades"
    )
    loose = [
        k
        for k in pc
        if max(_decades(*n["scales"][s]["optimizers"][k]["plateau"][:2]) for s in n["scales"]) >= 2
    ]
    if loose:
        text += (
            f" (for {_and([NAMES[k] for k in loose])} the final loss - f* stays within "
            f"{fmt(n['plateau'])} times its best over at least two decades of lrs in one "
            f"scaling, so the tuned lr is loosely determined there)"
        )
    text += ". "
    curvature = _decades(raw["lambda_max"], std["lambda_max"])
    text += (
        f"Gradient descent is stable below 2/lambda_max, lambda_max the Hessian's largest "
        f"eigenvalue: at the minimiser it is {fmt(std['lambda_max'])} (standardised) and "
        f"{fmt(raw['lambda_max'])} (raw), {fmt(curvature, 2)} decades apart, so "
        f"2/lambda_max falls from {fmt(2 / std['lambda_max'])} to {fmt(2 / raw['lambda_max'])}"
        + (
            ": SGD's lr has to follow the stiffest direction down."
            if abs(curvature - shift["sgd"]) <= 1
            else f", a shift {fmt(abs(curvature - shift['sgd']), 2)} decades away from SGD's."
        )
    )
    out.append(text)

    d = ro["sgd"]
    lo, hi = n["default_grid"]
    if d["default_grid_gap"] is not None:
        verdict = (
            f"above the start's {fmt(raw['gap_start'])}: worse than not moving"
            if d["default_grid_gap"] > raw["gap_start"]
            else f"below the start's {fmt(raw['gap_start'])}"
        )
        out.append(
            f"--tune's default grid ({fmt(lo)} to {fmt(hi)}) would have failed SGD on raw "
            f"features: its best lr there, {fmt(d['default_grid_lr'])}, ended at loss - f* "
            f"{fmt(d['default_grid_gap'])}, {verdict}, against {fmt(d['gap_final'])} at "
            f"the tuned {fmt(d['lr'])}."
            if d["default_grid_gap"] > 2 * d["gap_final"]
            else f"--tune's default grid ({fmt(lo)} to {fmt(hi)}) would have served SGD on "
            f"raw features too: its best lr there, {fmt(d['default_grid_lr'])}, ended at "
            f"{fmt(d['default_grid_gap'])}, against {fmt(d['gap_final'])} at the tuned "
            f"{fmt(d['lr'])}."
        )
    else:
        out.append(
            f"On --tune's default grid ({fmt(lo)} to {fmt(hi)}) every SGD run on raw "
            f"features diverged."
        )

    best = min(pc, key=lambda k: ro[k]["gap_final"])
    kj, kc = raw["kappa_jacobi"], raw["kappa_jacobi_centred"]
    text = (
        f"Per-coordinate steps do not make raw features as good as standardised ones: the "
        f"best method on raw features, {NAMES[best]}, ended at {fmt(ro[best]['gap_final'])}, "
        f"against {fmt_gap(so[best]['gap_final'])} with standardised features, and its test "
        f"accuracy was {fmt(ro[best]['test_accuracy'])} against "
        f"{fmt(so[best]['test_accuracy'])}. Scaling each coordinate by the square root of "
        f"the Hessian's diagonal (Jacobi scaling, the kind of rescaling a per-coordinate "
        f"step size performs) lowers the raw condition number from {fmt(raw['kappa'])} to "
        f"{fmt(kj)}, still {fmt(kj / std['kappa'])} times the standardised {fmt(std['kappa'])}"
    )
    text += (
        f"; centring the features as well (the intercept absorbs their means, so the model "
        f"is the same) takes it to {fmt(kc)}, {fmt(kj / kc)} times lower"
    )
    text += (
        ": the features' offsets (means up to "
        f"{fmt(f['mean_abs_max'])}), which tie every weight to the intercept, are a large "
        f"part of what a per-coordinate rescaling cannot undo."
        if kc < kj / 10
        else "."
    )
    out.append(text)
    return out


def counter_case(n: dict[str, Any]) -> list[str]:
    """Where the claim weakens: tuned SGD on standardised features, momentum on raw
    features, and what the loss gaps are worth in test accuracy."""
    std, raw = n["scales"]["standard"], n["scales"]["raw"]
    so, ro = std["optimizers"], raw["optimizers"]
    pc = n["per_coordinate"]
    steps = n["steps"]
    out = []
    sgd = so["sgd"]["gap_final"]
    tied = [k for k in pc if max(so[k]["gap_final"], sgd) <= FLOOR]
    higher = [k for k in pc if k not in tied and so[k]["gap_final"] > sgd]
    lower = [k for k in pc if k not in tied and so[k]["gap_final"] < sgd]
    text = (
        f"With standardised features a per-coordinate method buys nothing here: tuned SGD "
        f"(lr {fmt(so['sgd']['lr'])}) ended at loss - f* {fmt_gap(sgd)} after {steps} steps"
    )
    clauses = []
    if tied:
        clauses.append(f"at the float floor with {_and([NAMES[k] for k in tied])}")
    if higher:
        clauses.append(f"below {_gaps(so, higher)}")
    if lower:
        clauses.append(f"above {_gaps(so, lower)}")
    text += ", " + ", ".join(clauses) + "." if clauses else "."
    out.append(text)

    m, s = ro["momentum"], ro["sgd"]
    lower = [k for k in pc if ro[k]["gap_final"] < m["gap_final"]]
    higher = [k for k in pc if k not in lower]
    text = (
        f"On raw features, momentum alone narrows the gap, with no per-coordinate step: "
        f"SGD with momentum 0.9 at its tuned lr {fmt(m['lr'])} ended at "
        f"{fmt(m['gap_final'])}, {fmt(s['gap_final'] / m['gap_final'], 2)} times below plain SGD"
        if m["gap_final"] < s["gap_final"]
        else f"On raw features momentum does not help here: SGD with momentum 0.9 at its "
        f"tuned lr {fmt(m['lr'])} ended at {fmt(m['gap_final'])}, against plain SGD's "
        f"{fmt(s['gap_final'])}"
    )
    if higher:
        text += f", below {_gaps(ro, higher)}"
    if lower:
        text += f"{' and' if higher else ','} above {_gaps(ro, lower)}"
    out.append(text + ".")

    nt = n["n_test"]
    acc = {k: ro[k]["test_accuracy"] for k in [*pc, "momentum"]}
    base = ro["sgd"]["test_accuracy"]
    out.append(
        f"The loss gaps are worth less in classification: on the {nt} held-out rows, with "
        f"raw features, SGD's final model had test accuracy {fmt(base)}, and "
        + _and([f"{NAMES[k]} {fmt(a)} ({_rows(round((a - base) * nt))})" for k, a in acc.items()])
        + "; with standardised features every method had "
        + _and(sorted({fmt(so[k]["test_accuracy"]) for k in so}))
        + "."
    )
    return out
