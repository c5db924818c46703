"""Page text of the ``rprop-minibatch`` lesson: captions, findings and the counter-case,
each generated from the lesson's numbers.

Free of the lesson's constants (the optimizer specs are passed in) so that the lesson
module can import it without a cycle.
"""

from __future__ import annotations

from optcompare.lessons.base import fmt, fmt_gap

__all__ = ["counter_case", "findings", "loss_caption", "step_caption", "step_title"]


def loss_caption(n: dict) -> str:
    """Caption of loss.png: both loss panels, and the band that Rprop at step_min draws."""
    lo, hi = n["rprop_full_tail"]
    same = (
        f"With the full batch all {n['seeds']} seeds are the same run (no sampling). "
        if n["full_batch_seeds_identical"]
        else ""
    )
    return (
        f"the loss curves with the full batch (left) and mini-batches (right), on the "
        f"same scale. {same}Over its last 100 steps Rprop's full-batch loss - f* "
        f"alternates between {fmt_gap(lo)} and {fmt_gap(hi)}: at step_min it hops back "
        f"and forth across the minimum, which draws as a solid band."
    )


def step_title(n: dict) -> str:
    """Title of rprop-step-size.png: when and how far from w* the step sizes collapsed."""
    f, m = n["collapse"]["full"], n["collapse"]["mini"]
    if f["step"] is None or m["step"] is None:
        return f"Rprop's step size and distance to w* ({n['seeds']} seeds)"
    return (
        f"Rprop's steps collapse at step {fmt(f['step'])} (full batch) and "
        f"{fmt(m['step'])} (mini-batch of {n['mini_batch']}), "
        f"{fmt(f['distance'], 2)} and {fmt(m['distance'], 2)} from w*"
    )


def step_caption(n: dict) -> str:
    """Caption of rprop-step-size.png, from the median collapse step and distance."""
    c, below = n["collapse"], fmt(n["collapse_below"])
    f, m = c["full"], c["mini"]
    if f["step"] is None or m["step"] is None:
        return (
            f"Rprop's step size (left) and its distance to w* (right). The step size did "
            f"not fall below {below} in every seed."
        )
    return (
        f"Rprop's step size (left) and its distance to w* (right). The step sizes fall "
        f"below {below} at a median step {fmt(f['step'])} with the full batch and "
        f"{fmt(m['step'])} with mini-batches of {n['mini_batch']}; with the full batch "
        f"the distance falls along with them (to {fmt(f['distance'])}), with "
        f"mini-batches it stays at {fmt(m['distance'])}."
    )


def findings(n: dict) -> list[str]:
    """The findings: each sentence chosen by the numbers, the claim's failure included."""
    r, c = n["runs"], n["collapse"]
    rp_f, rp_m = n["rprop_full_gap"], n["rprop_mini_gap"]
    rm_f, rm_m = n["rmsprop_full_gap"], n["rmsprop_mini_gap"]
    b = n["mini_batch"]
    out = []
    if rp_f < 1e-6:
        out.append(
            f"With the full batch Rprop at PyTorch's defaults is excellent: final "
            f"loss - f* = {fmt_gap(rp_f)} after {n['steps']} steps, with no lr tuned "
            f"(RMSProp at lr 0.01: {fmt_gap(rm_f)})."
        )
    else:
        out.append(
            f"With the full batch Rprop ended at loss - f* = {fmt_gap(rp_f)}, RMSProp "
            f"(lr 0.01) at {fmt_gap(rm_f)}."
        )
    worse = rp_m / max(rp_f, 1e-15)
    if worse > 100:
        out.append(
            f"With mini-batches of {b} Rprop's median final gap is {fmt(rp_m)}: "
            f"{'more than ' * (rp_f < 1e-15)}{fmt(worse, 2)} times its full-batch "
            f"gap. It stopped {fmt(r['rprop_mini']['distance_median'])} from the best "
            f"weights."
        )
    else:
        out.append(
            f"With mini-batches of {b} Rprop's median final gap is {fmt(rp_m)}, only "
            f"{fmt(worse, 2)} times its full-batch gap: the claim does not hold "
            f"clearly on this run."
        )
    f, m = c["full"], c["mini"]
    if f["step"] is not None and m["step"] is not None:
        when = (
            "much earlier than"
            if m["step"] < 0.5 * f["step"]
            else "at about the same time as"
            if m["step"] < 1.5 * f["step"]
            else "later than"
        )
        out.append(
            f"The step sizes collapse in both settings, so the collapse itself is not "
            f"the failure: the geometric mean of Rprop's two step sizes fell below "
            f"{fmt(n['collapse_below'])} (10 step_min) at a median step "
            f"{fmt(m['step'])} with mini-batches, {when} with the full batch (step "
            f"{fmt(f['step'])}). What differs is where: at that step the full-batch "
            f"run was {fmt(f['distance'])} from w*, the mini-batch runs "
            f"{fmt(m['distance'])}. Their steps shrank far from the minimum, and at "
            f"{fmt(n['rprop_step_min'])} per step {n['steps']} steps cannot close "
            f"that gap."
        )
    else:
        out.append(
            f"Rprop's step size did not fall below {fmt(n['collapse_below'])} in every "
            f"seed within {n['steps']} steps."
        )
    if rm_m < rp_m / 10:
        cost = (
            f"with the full batch it ended {fmt_gap(rm_f)}"
            if rm_f < 1e-15
            else f"that is {fmt(rm_m / rm_f, 2)} times its full-batch gap"
        )
        out.append(
            f"RMSProp (lr 0.01) works with both: with mini-batches of {b} it ended at "
            f"{fmt(rm_m)}, {fmt(rp_m / rm_m, 2)} times lower than Rprop. Mini-batch "
            f"noise still costs it: {cost}."
        )
    else:
        out.append(
            f"RMSProp (lr 0.01) did not do clearly better with mini-batches here: "
            f"{fmt(rm_m)} against Rprop's {fmt(rp_m)}."
        )
    return out


def counter_case(n: dict, rprop: str, rmsprop: str) -> list[str]:
    """Where the claim weakens: the batch-size sweep, ``n["batch_sweep"][size][spec]``.

    ``rprop`` and ``rmsprop`` are the two optimizer specs the sweep is keyed by.
    """
    sweep = n["batch_sweep"]
    sizes = [int(k) for k in sweep]
    rp = {b: sweep[str(b)][rprop]["median"] for b in sizes}
    rm = {b: sweep[str(b)][rmsprop]["median"] for b in sizes}
    listing = ", ".join(f"{b}: {fmt_gap(rp[b])}" for b in sizes)
    out = [
        f"The claim depends on the batch size. Rprop's median final gap after "
        f"{n['steps']} steps ({n['seeds']} seeds), by samples per step: {listing}; "
        f"RMSProp's (lr 0.01): " + ", ".join(f"{b}: {fmt_gap(rm[b])}" for b in sizes) + "."
    ]
    mono = all(rp[a] >= rp[b] for a, b in zip(sizes, sizes[1:], strict=False))
    if mono:
        out.append(
            "Rprop's gap shrinks steadily as the batch grows: with less sampling "
            "noise fewer signs flip by chance."
        )
    rp_wins = [b for b in sizes if rp[b] < rm[b]]
    rm_wins = [b for b in sizes if rm[b] < rp[b]]
    if rp_wins and rm_wins:
        wins = (
            f"RMSProp ends lower with {_list(rm_wins)} samples per step, Rprop with "
            f"{_list(rp_wins)}"
        )
        later = [b for b in rp_wins if b > max(rm_wins)]
        if later:
            wins += f": the crossover lies between {max(rm_wins)} and {min(later)} samples"
        out.append(wins + ".")
        flips = [c for c in rp_wins if c < n["n_samples"]]
        if flips:
            c = max(flips)
            out[-1] += (
                f" With {c} samples per step the comparison flips: Rprop ends lower "
                f"than RMSProp ({fmt_gap(rp[c])} against {fmt_gap(rm[c])}), so near "
                f"the full batch the claim's contrast is gone."
            )
    elif rm_wins:
        out.append(f"RMSProp ends lower at every batch size tried ({_list(rm_wins)}).")
    else:
        out.append(f"Rprop ends lower at every batch size tried ({_list(rp_wins)}).")
    near = [b for b in sizes if b < n["n_samples"]]
    if near:
        b = max(near)
        full = rp[n["n_samples"]]
        out.append(
            f"Even {b} of the {n['n_samples']} samples per step leave Rprop at "
            f"{fmt_gap(rp[b])}, "
            + (
                f"{fmt(rp[b] / full, 2)} times its full-batch gap"
                if full > 0
                else "above its full-batch gap of 0"
            )
            + ": the slightest sampling noise stops it short of the float floor "
            "that only exact gradients reach."
        )
    return out


def _list(values: list[int]) -> str:
    return str(values[0]) if len(values) == 1 else f"{str(values[:-1])[1:-1]} and {values[-1]}"
