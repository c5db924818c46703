"""Page text of the ``adagrad-decay`` lesson: the findings and the counter-case, each
generated from the lesson's numbers.

Free of the lesson's optimizer specs (the labels of its runs come in as ``Roles``) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from optcompare.lessons.base import fmt, fmt_gap

__all__ = ["COORDS", "Roles", "counter_case", "findings", "stall", "stalls"]

#: a loss - f* this many times its best by the end counts as having risen
RISE = 2
#: the coordinates of the ravine, flat first: the keys of the per-coordinate numbers
COORDS = ("x", "y")


@dataclass(frozen=True)
class Roles:
    """The labels of the lesson's five runs, by the part each plays."""

    adagrad: str  # Adagrad at the lr it shares with rmsprop
    rmsprop: str  # RMSProp at that lr: its first step is about 10 times Adagrad's
    rmsprop_small: str  # RMSProp at a 10 times smaller lr: adagrad's first step
    adagrad_big: str  # Adagrad at a 10 times larger lr: rmsprop's first step
    adadelta: str  # Adadelta at PyTorch's default lr 1


def stalls(ada: dict, rms: dict) -> bool:
    """Adagrad ends far above RMSProp's best and gained less than 100-fold in the second half."""
    return bool(
        ada["final_gap"] > 10 * rms["best_gap"] and ada["gap_at_half"] < 100 * ada["final_gap"]
    )


def stall(n: dict, ada_label: str, rms_label: str, shared: str, half: int) -> str:
    """One sentence: does Adagrad stall against RMSProp in this pair?"""
    ada, rms = n["optimizers"][ada_label], n["optimizers"][rms_label]
    firsts = (
        f"measured first steps: Adagrad {fmt(ada['first_step'])}, RMSProp {fmt(rms['first_step'])}"
    )
    if stalls(ada, rms):
        gain = ada["gap_at_half"] / ada["final_gap"]
        return (
            f"At {shared} ({firsts}), Adagrad (lr {fmt(ada['lr'])}) stalls: in the "
            f"second half (steps {half} to {n['steps']}) its loss - f* went only from "
            f"{fmt(ada['gap_at_half'])} to {fmt(ada['final_gap'])} (a factor "
            f"{fmt(gain, 2)}), while RMSProp (lr {fmt(rms['lr'])}) reached "
            f"{fmt_gap(rms['best_gap'])} by step {rms['best_step']}."
        )
    if ada["final_gap"] < 1e-15:
        went = (
            f"its loss - f* fell below 1e-15 by step {ada['best_step']} and ended at "
            f"{fmt(ada['final_gap'])}"
        )
    else:
        went = (
            f"its loss - f* went from {fmt(ada['gap_at_half'])} at step {half} to "
            f"{fmt(ada['final_gap'])} at step {n['steps']}"
        )
    return (
        f"At {shared} ({firsts}), Adagrad (lr {fmt(ada['lr'])}) did not stall: {went}; "
        f"RMSProp (lr {fmt(rms['lr'])}) ended at {fmt_gap(rms['final_gap'])} (best "
        f"{fmt_gap(rms['best_gap'])})."
    )


def _edge(n: dict, entries: dict[str, dict], name: str) -> str:
    """Where runs rattle: their final effective steps against 2 / curvature.

    ``entries`` maps a tag for each run ("at lr 0.05", or "" for a single run) to its numbers.
    """
    edge = n["stability_limit"]
    off = {
        (tag, c): abs(e[f"effective_step_end_{c}"] / edge[c] - 1)
        for tag, e in entries.items()
        for c in COORDS
    }
    near = [c for c in COORDS if all(off[tag, c] < 0.2 for tag in entries)]
    if not near:
        return ""
    verb = "at" if all(off[tag, c] < 0.05 for tag in entries for c in near) else "near"
    values = "; ".join(
        ", ".join(fmt(e[f"effective_step_end_{c}"]) for c in near) + (f" {tag}" if tag else "")
        for tag, e in entries.items()
    )
    return (
        f" The final effective step{'s' * (len(entries) > 1)} of {name} for "
        f"{' and '.join(near)} ({values}) sit{'s' * (len(entries) == 1)} {verb} "
        f"2 / curvature ({', '.join(fmt(edge[c]) for c in near)}), the largest stable "
        f"step of {'each' if len(near) > 1 else 'that'} coordinate."
    )


def findings(n: dict, roles: Roles, half: int) -> list[str]:
    """The findings: Adagrad's shrinking step, its stall against RMSProp, the rises."""
    o = n["optimizers"]
    out = []
    for lab in (roles.adagrad, roles.adagrad_big):
        ada = o[lab]
        lo, hi = ada["effective_step_ratio_min"], ada["effective_step_ratio_max"]
        ratios = (
            f"{fmt(ada['effective_step_ratio_x'], 2)} (x) and "
            f"{fmt(ada['effective_step_ratio_y'], 2)} (y)"
        )
        grew = (
            "it grew at some step (unexpected: its sum can only grow)"
            if ada["effective_step_ever_grew"]
            else "it never grew from one step to the next"
        )
        out.append(
            f"At lr {fmt(ada['lr'])}, Adagrad's effective step ended at {ratios} of its "
            f"first value, a {fmt(1 / hi, 3)}- to {fmt(1 / lo, 3)}-fold shrink, and "
            f"{grew}."
        )
    ada, same_lr, same_step = (
        o[lab] for lab in (roles.adagrad, roles.rmsprop, roles.rmsprop_small)
    )
    times = same_lr["first_step"] / ada["first_step"]
    if stalls(ada, same_lr) and stalls(ada, same_step):
        out.append(
            f"Adagrad at lr {fmt(ada['lr'])} stalls: in the second half (steps {half} "
            f"to {n['steps']}) its loss - f* went only from {fmt(ada['gap_at_half'])} "
            f"to {fmt(ada['final_gap'])} (a factor "
            f"{fmt(ada['gap_at_half'] / ada['final_gap'], 2)}). RMSProp reached "
            f"{fmt_gap(same_lr['best_gap'])} by step {same_lr['best_step']} at the "
            f"same lr {fmt(same_lr['lr'])}, whose first step ({fmt(same_lr['first_step'])})"
            f" is {fmt(times, 3)} times Adagrad's, and {fmt_gap(same_step['best_gap'])} "
            f"by step {same_step['best_step']} at lr {fmt(same_step['lr'])}, whose first "
            f"step ({fmt(same_step['first_step'])}) equals Adagrad's."
        )
    else:
        out.append(
            stall(n, roles.adagrad, roles.rmsprop, "the same lr 0.05", half)
            + f" But RMSProp's first step there is {fmt(times, 3)} times Adagrad's."
        )
        out.append(stall(n, roles.adagrad, roles.rmsprop_small, "equal first steps of 0.05", half))
    rms = o[roles.rmsprop]
    r_lo, r_hi = rms["effective_step_ratio_min"], rms["effective_step_ratio_max"]
    if r_lo >= 0.5:
        out.append(
            f"RMSProp's effective step (lr 0.05) did not shrink: it ended "
            f"{fmt(r_lo, 2)} to {fmt(r_hi, 2)} times its first value. Its running "
            f"average forgets old gradients, so as the gradients get small near the "
            f"minimum the step per unit gradient grows."
        )
    else:
        out.append(
            f"RMSProp's effective step (lr 0.05) shrank too on this run (end/first "
            f"{fmt(r_lo, 2)} to {fmt(r_hi, 2)})."
        )

    def rose(e: dict) -> bool:
        return bool(e["final_gap"] > RISE * max(e["best_gap"], 1e-15))

    def went(e: dict) -> str:
        return (
            f"reached {fmt_gap(e['best_gap'])} at step {e['best_step']} and rose to "
            f"{fmt(e['final_gap'])} by step {n['steps']}"
            + (
                ""
                if e["best_gap"] < 1e-15
                else f" ({fmt(e['final_gap'] / e['best_gap'], 2)} times its best)"
            )
        )

    risen = [o[lab] for lab in (roles.rmsprop, roles.rmsprop_small) if rose(o[lab])]
    if risen:
        out.append(
            "RMSProp does not stay down: "
            + "; ".join(
                f"at lr {fmt(e['lr'])} {'its loss - f*' if k == 0 else 'it'} {went(e)}"
                for k, e in enumerate(risen)
            )
            + ". Its growing steps overshoot."
            + _edge(n, {f"at lr {fmt(e['lr'])}": e for e in risen}, "RMSProp")
        )
    e = o[roles.adadelta]
    if rose(e):
        out.append(
            f"Adadelta at lr {fmt(e['lr'])} does not stay down: its loss - f* "
            f"{went(e)}: its steps grow too." + _edge(n, {"": e}, "Adadelta")
        )
    return out


def counter_case(n: dict, roles: Roles) -> list[str]:
    """Where the claim weakens: Adagrad at lr 0.5, and Adadelta's lr."""
    o = n["optimizers"]
    half = n["steps"] // 2
    out = [stall(n, roles.adagrad_big, roles.rmsprop, "equal first steps of 0.5", half)]
    big = o[roles.adagrad_big]
    acc0, acc1 = big.get("accumulator_at_half"), big.get("accumulator_end")
    if acc0 and acc1:
        growth = max(b / a - 1 for a, b in zip(acc0, acc1, strict=True))
        sums = "; ".join(
            f"{c}: {fmt(a)} at step {half}, {fmt(b)} at step {n['steps']}"
            for c, a, b in zip(COORDS, acc0, acc1, strict=True)
        )
        if growth < 1e-6:
            out.append(
                f"Why: at lr {fmt(big['lr'])} the gradients shrank geometrically, so "
                f"Adagrad's sum of squared gradients stopped growing ({sums}) and its "
                f"effective step levelled off at {fmt(big['effective_step_end_x'])} (x) "
                f"and {fmt(big['effective_step_end_y'])} (y) instead of decaying: on "
                f"this deterministic problem whether Adagrad stalls depends on its lr."
            )
        else:
            out.append(
                f"At lr {fmt(big['lr'])} Adagrad's sum of squared gradients kept growing ({sums})."
            )
    sweep, spread = n["adadelta_lr_sweep"], n["adadelta_lr_spread"]
    listed = ", ".join(f"{fmt(v['final_gap'])} at lr {k}" for k, v in sweep.items())
    out.append(
        f"Adadelta's lr matters: PyTorch's lr multiplies every step, and across lr "
        f"{next(iter(sweep))} to {list(sweep)[-1]} its final loss - f* was {listed}: "
        f"from {fmt(sweep[spread['best_lr']]['final_gap'])} (lr {spread['best_lr']}) "
        f"to {fmt(sweep[spread['worst_lr']]['final_gap'])} (lr {spread['worst_lr']}), "
        f"a {fmt(spread['ratio'], 2)}-fold spread. The default lr = 1 (Zeiler's "
        f"rule) was {'the best' if spread['best_lr'] == fmt(1.0) else 'not the best'}"
        f" of these lrs."
    )
    return out
