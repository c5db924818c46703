"""Page text of the ``small-network`` lesson: the setup, the findings and the counter-case,
each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

import math
from typing import Any

from optcompare.lessons.base import fmt

__all__ = ["counter_case", "display", "findings", "rank_key", "setup", "step", "steps_text"]

_NAMES = {"sgd": "SGD", "rmsprop": "RMSProp", "adam": "Adam"}


def display(label: str, lr: float) -> str:
    """A label for a sentence: "SGD with momentum 0.9 (lr 0.001)"."""
    name, *rest = label.split()
    keys = dict(w.split("=", 1) for w in rest if "=" in w)
    out = _NAMES.get(name, name)
    if "momentum" in keys:
        out += f" with momentum {keys['momentum']}"
    return f"{out} (lr {fmt(lr)})"


def step(v: float | None, steps: int) -> str:
    """A step for a sentence: "> 600" for a run (or median) that did not get there within
    ``steps``; whole steps as integers, a median between two steps to one decimal."""
    if v is None or math.isinf(v):
        return f"> {steps}"
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def steps_text(spread: dict[str, float], steps: int) -> str:
    """A median step with its 25-75% band ("29 (18.5 to 37)"); "> 600" alone when even
    the 25th percentile did not get there."""
    if math.isinf(spread["q25"]):
        return step(spread["q25"], steps)
    return (
        f"{step(spread['median'], steps)} ({step(spread['q25'], steps)} to "
        f"{step(spread['q75'], steps)})"
    )


def rank_key(e: dict[str, Any]) -> tuple[float, float, float]:
    """How far and how soon a label got: the median step of leaving the plateau, then of
    reaching the linear loss, then the median final training loss (smaller is better)."""
    return (e["leave"]["median"], e["reach"]["median"], e["train_final"]["median"])


def _and(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _d(n: dict[str, Any], lab: str) -> str:
    return display(lab, n["optimizers"][lab]["lr"])


def setup(n: dict[str, Any]) -> str:
    """The paragraph that says what was run, with every setting."""
    lin = n["linear"]
    return (
        f"A one-hidden-layer tanh network (`{n['problem']}`: 2 inputs, {n['hidden']} hidden "
        f"units, 1 output, {n['dim']} parameters, logistic loss) on the two-moons shape: "
        f"{n['n']} points with noise {fmt(n['data_noise'])} (data_seed {n['data_seed']}), "
        f"{n['train_rows']} for training (full batch) and {n['test_rows']} held out. Every "
        f"optimizer runs {n['steps']} steps from each of {n['seeds']} Glorot-uniform "
        f"initialisations (seeds 0 to {n['seeds'] - 1}, the same {n['seeds']} for every "
        f"optimizer), at PyTorch's default lrs: "
        + _and([_d(n, lab) for lab in n["defaults"]])
        + f". The landmark is the best straight-line classifier of the same training rows "
        f"(`{n['linear_problem']}`, solved by Newton's method): training loss "
        f"{fmt(lin['train_loss'])}, test loss {fmt(lin['test_loss'])}, test accuracy "
        f"{100 * lin['test_accuracy']:.1f}%. A run *reaches the linear loss* at its first "
        f"step with training loss at most {fmt(lin['train_loss'])}, and *leaves the "
        f"plateau* at its first step at most {fmt(n['fraction'])} of it "
        f"({fmt(n['plateau_level'])}), a loss no straight boundary gets to. Medians and "
        f"25-75% bands are over the {n['seeds']} initialisations; a run that did not get "
        f"there within the budget counts as never. The counter-case runs "
        + _and([_d(n, lab) for lab in n["counter"]])
        + " on the same initialisations."
    )


def _progress(n: dict[str, Any], lab: str) -> str:
    e, seeds, steps = n["optimizers"][lab], n["seeds"], n["steps"]
    final = f"median final training loss {fmt(e['train_final']['median'])}"
    if e["reached"] == 0:
        return (
            f"{_d(n, lab)} reached the linear loss from none of the {seeds} initialisations "
            f"within {steps} steps ({final})."
        )
    if math.isinf(e["reach"]["median"]):
        return (
            f"{_d(n, lab)} reached the linear loss from only {e['reached']} of the {seeds} "
            f"initialisations within {steps} steps, and left the plateau from "
            + ("none" if e["left"] == 0 else str(e["left"]))
            + f" ({final})."
        )
    text = (
        f"{_d(n, lab)} reached the linear loss at a median step of {steps_text(e['reach'], steps)}"
    )
    if e["left"] == 0:
        return text + f" and left the plateau from none of the {seeds} initialisations ({final})."
    return text + (
        f" and left the plateau at {steps_text(e['leave'], steps)}, from {e['left']} of "
        f"{seeds} initialisations"
        + (
            f"; a median of {step(e['plateau_median'], steps)} steps on the plateau."
            if e["plateau_median"] is not None
            else "."
        )
    )


def findings(n: dict[str, Any]) -> list[str]:
    """Each default's progress, whether the adaptive methods got further sooner, the
    spread over initialisations, and train against test."""
    o, defaults = n["optimizers"], n["defaults"]
    out = [_progress(n, lab) for lab in defaults]
    sgds = [lab for lab in defaults if lab.split()[0] == "sgd"]
    adaptive = [lab for lab in defaults if lab.split()[0] in ("rmsprop", "adam")]
    order = sorted(defaults, key=lambda lab: rank_key(o[lab]))
    text = (
        "Ranked by how far and how soon (the median step of leaving the plateau, then of "
        "reaching the linear loss, then the median final training loss): "
        + _and([_d(n, lab) for lab in order])
        + ". "
    )
    behind = [(a, s) for a in adaptive for s in sgds if not rank_key(o[a]) < rank_key(o[s])]
    ahead = [a for a in adaptive if not any(a == b for b, _ in behind)]
    # the claim is about getting past the line: ahead only by a lower final loss is less
    past = [a for a in ahead if math.isfinite(o[a]["reach"]["median"])]
    weak = [a for a in ahead if a not in past]
    if past:
        text += (
            f"The claim holds for {_and([_d(n, a) for a in past])}: past the line at a median "
            f"step of {_and([step(o[a]['reach']['median'], n['steps']) for a in past])}, "
            f"ahead of {_and([_d(n, s) for s in sgds])}. "
        )
    if weak:
        text += (
            f"For {_and([_d(n, a) for a in weak])} it holds only in a weaker sense: at the "
            f"median it did not get past the line within {n['steps']} steps either (from "
            + _and([f"{o[a]['reached']} of {n['seeds']}" for a in weak])
            + " initialisations it did), and it is ahead of the SGDs only by a lower median "
            "final training loss ("
            + _and([fmt(o[lab]["train_final"]["median"]) for lab in [*weak, *sgds]])
            + " for "
            + _and([_d(n, lab) for lab in [*weak, *sgds]])
            + "). "
        )
    if behind:
        text += (
            "It does not hold throughout: "
            + _and([f"{_d(n, a)} was not ahead of {_d(n, s)}" for a, s in behind])
            + ". "
        )
    text = text.rstrip()
    lrs = sorted({o[lab]["lr"] for lab in defaults})
    if len(lrs) > 1:
        text += (
            f" The default lrs differ by a factor of {fmt(lrs[-1] / lrs[0])} (the largest: "
            + _and([_d(n, lab) for lab in defaults if o[lab]["lr"] == lrs[-1]])
            + "), so this ranks defaults, not methods alone: the counter-case below "
            "separates the two."
        )
    out.append(text)
    out.append(_initialisations(n))
    out.append(_generalisation(n))
    return out


def _initialisations(n: dict[str, Any]) -> str:
    """How much the initialisation moves each label's exit, and whether one seed is the
    slowest (or fastest) for every optimizer."""
    o, seeds = n["optimizers"], n["seeds"]
    text = (
        f"The {seeds} initialisations start at training losses from "
        f"{fmt(n['initial_loss_min'])} to {fmt(n['initial_loss_max'])} (log 2 = "
        f"{fmt(math.log(2))} is the loss of a network whose output is 0 everywhere)."
    )
    every = [lab for lab in o if o[lab]["left"] == seeds]
    for lab in every:
        e = o[lab]
        text += (
            f" {_d(n, lab)} left the plateau between step {e['leave_min']} (seed "
            f"{e['fastest_seed']}) and step {e['leave_max']} (seed {e['slowest_seed']}), "
            f"{fmt(e['leave_max'] / e['leave_min'], 2)} times later."
        )
    if len(every) > 1:
        for key, word in (("slowest_seed", "slowest"), ("fastest_seed", "fastest")):
            found = {o[lab][key] for lab in every}
            if len(found) == 1:
                text += (
                    f" Seed {found.pop()} was the {word} for all {len(every)} of them: the "
                    f"initialisation, not only the optimizer, sets how long a run stays."
                )
            else:
                text += (
                    f" The {word} seed differed between them ("
                    + _and([f"{o[lab][key]} for {_d(n, lab)}" for lab in every])
                    + ")."
                )
    rest = [lab for lab in n["defaults"] if lab not in every]
    if rest:
        text += (
            " Where runs had not left the plateau, their final training losses had 25-75% "
            "bands of "
            + _and(
                [
                    f"{fmt(o[lab]['train_final']['q25'])} to "
                    f"{fmt(o[lab]['train_final']['q75'])} ({_d(n, lab)})"
                    for lab in rest
                ]
            )
            + "."
        )
    return text


def _generalisation(n: dict[str, Any]) -> str:
    o, lin = n["optimizers"], n["linear"]
    parts = []
    for lab in n["defaults"]:
        e = o[lab]
        acc = e["test_accuracy"]
        parts.append(
            f"{fmt(e['train_final']['median'])} and {fmt(e['test_final']['median'])} for "
            f"{_d(n, lab)}" + (f" ({_accuracy(e)})" if acc is not None else "")
        )
    text = (
        f"After {n['steps']} steps the median training and test losses were "
        + _and(parts)
        + "; the median gap (test minus training loss, per run) was "
        + _and([fmt(o[lab]["gap_final"]["median"]) for lab in n["defaults"]])
        + " in that order. "
    )
    better = [
        lab
        for lab in n["defaults"]
        if o[lab]["test_accuracy"] is not None
        and o[lab]["test_accuracy"]["median"] > lin["test_accuracy"]
    ]
    rest = [lab for lab in n["defaults"] if lab not in better]
    text += (
        f"The best straight line classifies {100 * lin['test_accuracy']:.1f}% of the test "
        f"rows (test loss {fmt(lin['test_loss'])}): "
    )
    if better:
        text += f"{_and([_d(n, lab) for lab in better])} did better at the median"
        text += f", {_and([_d(n, lab) for lab in rest])} not." if rest else "."
    else:
        text += "no optimizer did better at the median within the budget."
    text += (
        " Ordered by median training loss, the median test losses fall in the same order: "
        "within this budget, fitting the training rows closer carried over to the test rows."
        if _same_order(n, n["defaults"])
        else " A lower median training loss did not always go with a lower median test loss."
    )
    return text


def _accuracy(e: dict[str, Any]) -> str:
    lo, hi = e["test_accuracy_min"], e["test_accuracy_max"]
    if lo == hi:
        return f"test accuracy {100 * lo:.1f}% from every initialisation"
    return (
        f"test accuracy {100 * e['test_accuracy']['median']:.1f}%, from {100 * lo:.1f}% to "
        f"{100 * hi:.1f}% over the initialisations"
    )


def _same_order(n: dict[str, Any], labels: list[str]) -> bool:
    o = n["optimizers"]
    pairs = sorted(
        (o[lab]["train_final"]["median"], o[lab]["test_final"]["median"]) for lab in labels
    )
    return all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:], strict=False))


def counter_case(n: dict[str, Any]) -> list[str]:
    """SGD with momentum at a larger lr against the adaptive defaults; Adam at RMSProp's lr."""
    o, steps = n["optimizers"], n["steps"]
    named = {
        lab.split()[0] + (" momentum" if "momentum" in lab else ""): lab for lab in n["defaults"]
    }
    rms, adam, mom = named["rmsprop"], named["adam"], named["sgd momentum"]
    sgd_hi, adam_hi = n["counter"]
    e = o[sgd_hi]
    beats = [lab for lab in (adam, rms) if rank_key(e) < rank_key(o[lab])]
    loses = [lab for lab in (adam, rms) if lab not in beats]
    text = _progress(n, sgd_hi) + " It therefore got further sooner than "
    if beats:
        text += _and(
            [f"{_d(n, lab)} (leaving at {step(o[lab]['leave']['median'], steps)})" for lab in beats]
        )
        text += (
            " but not than "
            + _and([f"{_d(n, lab)} ({step(o[lab]['leave']['median'], steps)})" for lab in loses])
            + "."
            if loses
            else "."
        )
    else:
        text += "neither adaptive method at its default lr."
    text += (
        f" The same SGD with momentum at its default lr {fmt(o[mom]['lr'])} "
        + (
            f"reached the linear loss from {o[mom]['reached']} of {n['seeds']} "
            f"initialisations within {steps} steps"
            if o[mom]["reached"] < n["seeds"]
            else f"reached it at a median step of {steps_text(o[mom]['reach'], steps)}"
        )
        + (
            f": a {fmt(e['lr'] / o[mom]['lr'])} times larger lr took SGD with momentum past "
            + _and([_d(n, lab) for lab in beats])
            + ", so at PyTorch's defaults part of the adaptive methods' lead is the lr"
            + (f", though {_and([_d(n, lab) for lab in loses])} stayed ahead." if loses else ".")
            if beats
            else "."
        )
    )
    out = [text]
    a, r, a0 = o[adam_hi], o[rms], o[adam]
    ha, hr = a["hyperparameters"], r["hyperparameters"]
    ahead_rms = rank_key(a) < rank_key(r)
    text = _progress(n, adam_hi) + (
        " At RMSProp's default lr, Adam "
        + ("got further sooner than" if ahead_rms else "stayed behind")
        + f" RMSProp (leaving at {step(a['leave']['median'], steps)} against "
        f"{step(r['leave']['median'], steps)})"
    )
    if a["plateau_median"] is not None and r["plateau_median"] is not None:
        text += (
            f", and sat on the plateau longer ({step(a['plateau_median'], steps)} steps "
            f"against {step(r['plateau_median'], steps)}, medians)"
            if a["plateau_median"] > r["plateau_median"]
            else f", on the plateau for {step(a['plateau_median'], steps)} steps against "
            f"{step(r['plateau_median'], steps)} (medians)"
        )
    text += (
        f"; it was {'ahead of' if rank_key(a) < rank_key(a0) else 'not ahead of'} Adam at "
        f"its default lr {fmt(a0['lr'])}. With the lr matched, what is left between the two "
        f"is the rest of their defaults: Adam's momentum (beta1 {fmt(ha['beta1'])}), its "
        f"average of squared gradients (beta2 {fmt(ha['beta2'])} against RMSProp's alpha "
        f"{fmt(hr['alpha'])}) and its bias correction."
    )
    out.append(text)
    return out
