"""Page text of the ``ravine`` lesson: the findings and the counter-case (momentum swept at
SGD's lr), each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are passed in) so that the
lesson module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from optcompare.lessons.base import fmt

__all__ = ["counter_case", "findings"]


def findings(
    n: dict, label: Mapping[str, str], threshold: float, lr: float, kappa: float
) -> list[str]:
    """What the ravine run showed: zig-zags with and without momentum 0.5, and each
    optimizer's flat/steep ratio of effective steps.

    ``label`` maps "sgd", "momentum", "rmsprop" and "adam" to the labels of the runs in
    ``n["optimizers"]``; ``threshold`` is the |y| above which a crossing counts, ``lr``
    SGD's learning rate and ``kappa`` the ravine's condition number.
    """
    o = n["optimizers"]
    z_sgd, z_mom = n["zigzags_sgd"], n["zigzags_momentum"]
    beta = o[label["momentum"]]
    out = []
    if z_sgd == 0:
        out.append(
            f"SGD at lr {fmt(lr)} did not zig-zag visibly here, so there was nothing "
            f"for momentum to damp."
        )
    elif z_mom <= 0.75 * z_sgd:
        out.append(
            f"SGD at lr {fmt(lr)} crossed the valley floor {z_sgd} times while |y| > "
            f"{fmt(threshold)}; with momentum 0.5 at the same lr it crossed {z_mom} "
            f"times: momentum 0.5 damped the zig-zag ({fmt(z_mom / z_sgd, 2)} times as "
            f"many crossings)."
        )
    elif z_mom <= 1.25 * z_sgd:
        out.append(
            f"SGD at lr {fmt(lr)} crossed the valley floor {z_sgd} times and SGD with "
            f"momentum 0.5 {z_mom} times: here momentum did not damp the zig-zag."
        )
    else:
        out.append(
            f"SGD at lr {fmt(lr)} crossed the valley floor {z_sgd} times and SGD with "
            f"momentum 0.5 {z_mom} times: momentum made the zig-zag worse at this lr."
        )
    t_sgd = o[label["sgd"]]["steps_to_loss_1e-3"]
    t_mom = beta["steps_to_loss_1e-3"]
    if t_sgd is not None and t_mom is not None and t_mom < t_sgd:
        out.append(
            f"At the same lr {fmt(lr)}, momentum 0.5 also built up speed along the "
            f"flat floor: loss 1e-3 after {t_mom} steps instead of {t_sgd}."
        )
    elif t_sgd is not None:
        out.append(
            f"At the same lr {fmt(lr)}, momentum 0.5 did not reach loss 1e-3 sooner "
            f"than SGD ({t_sgd} steps)."
        )
    out.append(
        f"SGD gives every coordinate the same step: its flat/steep ratio of "
        f"effective steps is {fmt(n['effective_step_ratio_sgd'])}."
    )
    for key, name in (("rmsprop", "RMSProp"), ("adam", "Adam")):
        r = n[f"effective_step_ratio_{key}"]
        z = o[label[key]]["zigzags"]
        own_lr = fmt(o[label[key]]["lr"])
        if r > 2:
            verdict = (
                f"{name} (lr {own_lr}) gave the flat coordinate {fmt(r)} times the steep "
                f"one's step (median over the run; a step fitted exactly to each "
                f"curvature would give {kappa} times)"
            )
        elif r >= 0.5:
            verdict = (
                f"{name}'s (lr {own_lr}) flat/steep ratio of effective steps is only "
                f"{fmt(r)}: it barely rescaled the coordinates here"
            )
        else:
            verdict = (
                f"{name} (lr {own_lr}) gave the flat coordinate the shorter step (ratio {fmt(r)})"
            )
        crossing = (
            "and it never zig-zagged"
            if z == 0
            else f"and it crossed the floor {z} time{'s' * (z != 1)}"
        )
        out.append(f"{verdict}, {crossing}.")
    out.append(
        f"Adam's own per-coordinate factor lr / (sqrt(v_hat) + eps) is "
        f"{fmt(n['adam_scale_ratio'])} times larger for x than for y (median)."
    )
    out.append(
        "The lrs were not tuned, so the table's steps to loss 1e-3 do not rank the "
        "optimizers by speed; `optcompare run --tune` gives each optimizer its best lr "
        "from one shared grid first."
    )
    return out


def counter_case(
    n: dict, threshold: float, lr: float, betas: Sequence[float], common_beta: float
) -> list[str]:
    """The momentum sweep ``n["momentum_sweep"]`` of SGD at ``lr`` over ``betas``, told
    against plain SGD, ``common_beta`` first; ``threshold`` as in :func:`findings`."""
    m = n["momentum_sweep"]
    z0, c0 = m["0.0"]["zigzags"], m["0.0"]["contraction_steep"]
    common = m[str(common_beta)]
    z, c = common["zigzags"], common["contraction_steep"]
    if z > z0:
        verdict = (
            f" ({fmt(z / z0, 2)} times as many): momentum {fmt(common_beta)} made the zig-zag worse"
            if z0
            else ": momentum made the zig-zag appear"
        )
    elif z == z0:
        verdict = f" (as many): momentum {fmt(common_beta)} did not damp the zig-zag"
    else:
        verdict = f" (fewer): momentum {fmt(common_beta)} damped the zig-zag here too"
    out = [
        f"At the common momentum {fmt(common_beta)} and the same lr {fmt(lr)}, y crossed "
        f"the valley floor {z} times while |y| > {fmt(threshold)}, against {z0} for plain "
        f"SGD{verdict}. Per step, |y| shrinks by a factor {fmt(c)} in the long run, "
        f"against SGD's |1 - lr L| = {fmt(c0)}."
    ]
    damped = [b for b in betas if b > 0 and m[str(b)]["zigzags"] < z0]
    not_damped = [b for b in betas if b > 0 and m[str(b)]["zigzags"] >= z0]
    sweep = ", ".join(f"{m[str(b)]['zigzags']} at {fmt(b)}" for b in betas)
    sentence = f"Over the momentum sweep at lr {fmt(lr)} the zig-zags were {sweep}"
    if damped:
        sentence += f": momentum damped the zig-zag at beta = {', '.join(fmt(b) for b in damped)}"
    if not_damped:
        sentence += (
            f"{';' if damped else ':'} not at beta = {', '.join(fmt(b) for b in not_damped)}"
        )
    slower = [b for b in betas if b > 0 and m[str(b)]["contraction_steep"] > c0]
    if slower:
        sentence += (
            f". For beta = {', '.join(fmt(b) for b in slower)} the steep coordinate "
            f"contracts more slowly than without momentum (factors "
            f"{', '.join(fmt(m[str(b)]['contraction_steep']) for b in slower)} "
            f"against {fmt(c0)}), so its oscillation lasts longer"
        )
    out.append(sentence + ".")
    t0, tc = m["0.0"]["steps_to_loss_1e-3"], common["steps_to_loss_1e-3"]
    f0, fc = m["0.0"]["contraction_flat"], common["contraction_flat"]
    reach = "did not reach loss 1e-3" if tc is None else f"reached loss 1e-3 after {tc} steps"
    out.append(
        f"With momentum {fmt(common_beta)} the flat x contracts by {fmt(fc)} per step "
        f"(SGD: {fmt(f0)}), and the run {reach}, against "
        f"{'never' if t0 is None else f'{t0} steps'} for SGD at the same lr."
    )
    return out
