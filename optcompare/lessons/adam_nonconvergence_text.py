"""Page text of the ``adam-nonconvergence`` lesson: the findings and the counter-case, each
generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are passed in) so that the
lesson module can import it without a cycle.
"""

from __future__ import annotations

from optcompare.lessons.base import fmt

__all__ = ["against", "counter_case", "findings", "nadam_case"]

DIPS = "; x dips below +1 after each big gradient, which costs more on the small ones"


def against(v: float, ref: float) -> str:
    """How ``v`` compares with ``ref`` (both positive), in words for a sentence."""
    return (
        f"{fmt(v / ref, 2)} times what"
        if v > 1.1 * ref
        else "about as much as"
        if v >= 0.9 * ref
        else f"{fmt(v / ref, 2)} of what"
    )


def findings(n: dict, checkpoints: list[int], recent_periods: int) -> list[str]:
    """Where Adam and AMSGrad ended at the paper's beta2 and how their regret grows;
    ``checkpoints`` are the steps of the table's R_t/t columns, ``recent_periods`` the
    window (in periods) of the regret added per step."""
    out = []
    xa, xm = n["adam_final_x"], n["amsgrad_final_x"]
    if xa > 0.9:
        out.append(f"Adam ended at x = {fmt(xa)}, next to the worst point +1.")
    elif xa > 0:
        out.append(f"Adam ended at x = {fmt(xa)}: on the wrong side, but not yet at +1.")
    else:
        out.append(f"Adam ended at x = {fmt(xa)}: it did not drift to the worst point on this run.")
    if xm < -0.9:
        out.append(f"AMSGrad ended at x = {fmt(xm)}, next to the best point -1.")
    elif xm < 0:
        out.append(f"AMSGrad ended at x = {fmt(xm)}: heading for the best point -1, not there yet.")
    else:
        out.append(f"AMSGrad ended at x = {fmt(xm)}: it did not reach the best side on this run.")
    first, end = str(checkpoints[-2]), str(checkpoints[-1])
    ra0, rm0 = n["avg_regret_at"][first]
    ra1, rm1 = n["adam_avg_regret"], n["amsgrad_avg_regret"]
    worst = n["regret_at_plus_one"]
    ka, km = n["adam_recent_regret_per_step"], n["amsgrad_recent_regret_per_step"]
    recent = f"over the last {recent_periods} periods"
    out.append(
        f"Adam's average regret R_t/t went from {fmt(ra0)} at t = {int(first):,} to "
        f"{fmt(ra1)} at t = {int(end):,}, but {recent} its regret grew by {fmt(ka)} "
        f"per step"
        + (
            f", {against(ka, worst)} standing at x = +1 costs ({fmt(worst)} per "
            f"step{DIPS if ka > 1.1 * worst else ''}): R_t/t is heading for about "
            f"{fmt(ka)}, not for 0."
            if ka > 0.5 * worst
            else f", less than half of what standing at +1 costs ({fmt(worst)}): this run "
            f"does not show clearly that R_t/t stays away from 0."
        )
    )
    if km < 0.1 * worst:
        out.append(
            f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}, and "
            f"{recent} its regret grew by only {fmt(km)} per step: R_t/t is on its "
            f"way to 0."
        )
    elif km < 0.5 * ka:
        stand, earlier = n["amsgrad_standing_cost"], n["amsgrad_recent_regret_earlier"]
        trend = "falling" if km < earlier else "not falling"
        out.append(
            f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
            f"its regret grew by {fmt(km)} per step, {fmt(ka / km, 2)} times less than "
            f"Adam's. Standing still at its mean x over those periods would cost only "
            f"{fmt(stand)} per step; the rest comes from x moving within each period "
            f"(between {fmt(n['amsgrad_last_period_min_x'])} and "
            f"{fmt(n['amsgrad_last_period_max_x'])} in the last one). Over the "
            f"{recent_periods} periods up to t = {n['earlier_step']:,} it was "
            f"{fmt(earlier)} per step: {trend}."
        )
    else:
        out.append(
            f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
            f"its regret grew by {fmt(km)} per step, not clearly less than Adam's "
            f"{fmt(ka)}."
        )
    return out


def counter_case(n: dict, adam_x: float, beta2: float, recent_periods: int) -> list[str]:
    """Adam at PyTorch's default beta2 (``n["counter"]``) against its final x ``adam_x`` at
    the paper's ``beta2``; ``recent_periods`` as in :func:`findings`."""
    c = n["counter"]
    b, xa, xm = c["beta2"], c["adam_final_x"], c["amsgrad_final_x"]
    if xa > 0.9:
        where = "next to the worst point +1: the failure holds at this beta2 too"
    elif xa > 0:
        where = "on the wrong side, but not at the worst point +1"
    else:
        where = "on the best side, not at the worst point +1"
    out = [
        f"With PyTorch's default beta2 = {b} and everything else the same, Adam ended at "
        f"x = {fmt(xa)} ({where}), against x = {fmt(adam_x)} at beta2 = {beta2}; AMSGrad "
        f"at beta2 = {b} ended at x = {fmt(xm)}. Its memory, about 1 / (1 - beta2) = "
        f"{c['memory_steps']:,.0f} steps, is longer than the period of {c['period']} "
        f"steps, so v still holds the big gradient when the small ones come."
    ]
    xs = list(c["adam_x_at"].items())
    path = ", ".join(f"{fmt(v)} at t = {int(t):,}" for t, v in xs)
    (t1, x1), (t2, x2) = xs[-2], xs[-1]
    move = x2 - x1
    if abs(move) < 0.01:
        trend = f"it moved by only {fmt(move)} from t = {int(t1):,} to {int(t2):,}"
    else:
        trend = (
            f"it was still moving {'up, toward +1' if move > 0 else 'down, toward -1'} "
            f"({fmt(move, 2)} from t = {int(t1):,} to {int(t2):,}), so this run does not "
            f"show where it settles"
        )
    out.append(
        f"Adam's x at beta2 = {b}: {path}; {trend}. Over the last {recent_periods} "
        f"periods its regret grew by {fmt(c['adam_recent_regret_per_step'])} per step, "
        f"against {fmt(n['regret_at_plus_one'])} for standing at x = +1."
    )
    return out


def nadam_case(n: dict, recent_periods: int) -> list[str]:
    """Where NAdam (``n["nadam"]``: runs at PyTorch's default momentum_decay and at 0) ended
    against Adam at the same beta2, and how much the momentum schedule changed that;
    ``recent_periods`` as in :func:`findings`."""
    c = n["nadam"]
    (d, d0), (xn, x0) = c["momentum_decay"], c["final_x"]
    xa, ka = n["adam_final_x"], n["adam_recent_regret_per_step"]
    if xn > 0.9:
        verdict = "next to the worst point +1: it fails like Adam"
    elif xn > 0:
        verdict = "on the wrong side, but not at the worst point +1"
    else:
        verdict = "on the best side: it does not fail like Adam on this run"
    diff = abs(xn - x0)
    matters = "hardly matters here" if diff < 0.05 else "matters here"
    return [
        f"NAdam with Adam's settings (beta1 = 0.9, beta2 = {c['beta2']}, PyTorch's default "
        f"momentum_decay = {fmt(d)}) ended at x = {fmt(xn)}, {verdict} (Adam: x = "
        f"{fmt(xa)}). Over the last {recent_periods} periods its regret grew by "
        f"{fmt(c['recent_regret_per_step'][0])} per step, against Adam's {fmt(ka)} and "
        f"{fmt(n['regret_at_plus_one'])} for standing at x = +1.",
        f"The momentum schedule {matters}: with momentum_decay = {fmt(d0)} (mu fixed at "
        f"beta1 / 2) NAdam ended at x = {fmt(x0)}, {fmt(diff, 2)} from x = {fmt(xn)}.",
    ]
