"""Page text of the ``noisy-gradients`` lesson: the schedule caption, the findings and the
counter-cases, each generated from the lesson's numbers.

Free of the lesson's constants (what is not in the numbers is passed in) so that the lesson
module can import it without a cycle.
"""

from __future__ import annotations

from optcompare.lessons.base import fmt, fmt_gap

__all__ = ["counter_case", "display", "findings", "schedule_caption"]

#: a median gap that fell by less than this factor over the second half counts as a floor
FLOOR_FACTOR = 2.0


def display(label: str) -> str:
    """An optimizer's name for a sentence: "SGD with momentum 0.9" (no lr, no "(tuned)")."""
    words = label.split()
    name = {"sgd": "SGD", "rmsprop": "RMSProp", "adam": "Adam"}.get(words[0], words[0])
    momentum = [w.split("=")[1] for w in words if w.startswith("momentum=")]
    return f"{name} with momentum {momentum[0]}" if momentum else name


def schedule_caption(n: dict, late: int) -> str:
    """Caption of schedule.png: how much the decayed runs still moved from step ``late`` on,
    and for which optimizers they ended lower than at a constant lr."""
    d, o, specs = n["decayed"], n["optimizers"], n["specs"]
    change = max(abs(d[s]["final_gap_median"] / d[s]["gap_median_late"] - 1) for s in d)
    lower = [
        display(lab) for lab in o if d[specs[lab]]["final_gap_median"] < o[lab]["final_gap_median"]
    ]
    return (
        f"the counter-case with a {n['schedule']} schedule (lrs tuned again): as the lr "
        f"shrinks to 0 the runs slow down, and from step {late} to {n['steps']} the "
        f"medians changed by at most {change:.0%}. They end lower than at a constant lr "
        f"for " + (_and(lower) if lower else "none of the optimizers") + "."
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def findings(n: dict) -> list[str]:
    """The findings: the ranking against the spread, seed by seed, the floor, SGD's floor."""
    o = n["optimizers"]
    best, second = n["best"], n["runner_up"]
    b, s = o[best], o[second]
    B, S = display(best), display(second)
    seeds, steps, half = n["seeds"], n["steps"], n["steps"] // 2
    out: list[str] = []
    wins = n["seeds_best_beats_runner_up"]
    if b["final_gap_q75"] >= s["final_gap_q25"]:
        out.append(
            f"Ranked by the median final loss - f* over {seeds} seeds, {B} comes "
            f"first ({fmt(b['final_gap_median'])}) and {S} second "
            f"({fmt(s['final_gap_median'])}). The difference is smaller than the "
            f"spread: the middle halves of their seeds overlap "
            f"({fmt(b['final_gap_q25'], 2)} to {fmt(b['final_gap_q75'], 2)} against "
            f"{fmt(s['final_gap_q25'], 2)} to {fmt(s['final_gap_q75'], 2)})."
        )
    else:
        out.append(
            f"Ranked by the median final loss - f* over {seeds} seeds, {B} is clearly "
            f"first: its median ({fmt(b['final_gap_median'])}) and its whole 25-75% "
            f"range lie below {S}'s (median {fmt(s['final_gap_median'])})."
        )
    out.append(
        f"Seed by seed (the two see the same noise), {B} beat {S} in {wins} of "
        f"{seeds} seeds: a single seed would have shown {S} ahead in {seeds - wins} "
        f"cases out of {seeds}. Among all four, {B} had the lowest final loss in only "
        f"{n['seeds_best_is_first']} of the {seeds} seeds."
    )
    widest = max(o, key=lambda lab: o[lab]["final_gap_q75"] / max(o[lab]["final_gap_q25"], 1e-300))
    w = o[widest]
    out.append(
        f"One optimizer's runs scatter too: the middle half of {display(widest)}'s "
        f"seeds spans a factor {fmt(w['final_gap_q75'] / w['final_gap_q25'], 2)} "
        f"({fmt(w['final_gap_q25'], 2)} to {fmt(w['final_gap_q75'], 2)})."
    )
    floored = [
        lab for lab in o if o[lab]["final_gap_median"] * FLOOR_FACTOR > o[lab]["gap_median_at_half"]
    ]
    falling = [lab for lab in o if lab not in floored]
    floor = (
        "At a constant lr the gap cannot fall below a floor set by the lr and the "
        "noise: the runs keep moving in a cloud around the minimum."
    )
    if floored:

        def went(lab: str) -> str:
            a, b = o[lab]["gap_median_at_half"], o[lab]["final_gap_median"]
            return f"{'rose' if b >= a else 'fell only'} from {fmt(a, 2)} to {fmt(b, 2)}" + (
                f" for {display(lab)}" if len(floored) > 1 else ""
            )

        floor += (
            " "
            + _and([display(lab) for lab in floored])
            + f" had reached {'its' if len(floored) == 1 else 'their'} floor by step "
            f"{half}: from step {half} to {steps} the median gap "
            + _and([went(lab) for lab in floored])
            + "."
        )
    if falling:
        floor += (
            " "
            + _and([display(lab) for lab in falling])
            + f" {'was' if len(falling) == 1 else 'were'} still falling by more than "
            f"a factor {fmt(FLOOR_FACTOR)} ("
            + _and(
                [
                    f"{fmt(o[lab]['gap_median_at_half'], 2)} to "
                    f"{fmt(o[lab]['final_gap_median'], 2)}"
                    for lab in falling
                ]
            )
            + ")."
        )
    out.append(floor)
    sgd = next(iter(o))
    out.append(
        f"For plain SGD the floor can be computed: with noise covariance H the second "
        f"moments obey s_i(t+1) = (1 - lr h_i)^2 s_i(t) + lr^2 h_i (Zhang et al. "
        f"2019). At lr {fmt(o[sgd]['lr'])} the floor (t to infinity) is "
        f"{fmt(n['sgd_floor'])} and the expected loss - f* after {steps} steps "
        f"{fmt(n['sgd_expected_gap'])}; the mean over the {seeds} seeds is "
        f"{fmt(o[sgd]['final_gap_mean'])}, and the median "
        f"{fmt(o[sgd]['final_gap_median'])} is lower because a few seeds land far "
        f"out."
    )
    diverged = {lab: o[lab]["diverged"] for lab in o if o[lab]["diverged"]}
    if diverged:
        out.append(
            "Some runs diverged even at the tuned lr: "
            + _and([f"{display(lab)} {k} of {seeds}" for lab, k in diverged.items()])
            + "."
        )
    return out


def counter_case(n: dict) -> list[str]:
    """Where the claim weakens: a decaying lr, and the same quadratic without noise."""
    o, d, c = n["optimizers"], n["decayed"], n["noise_free"]
    specs = n["specs"]
    seeds, sched = n["seeds"], n["schedule"]
    out = []
    ratio = {lab: o[lab]["final_gap_median"] / d[specs[lab]]["final_gap_median"] for lab in o}
    lower = [lab for lab in o if ratio[lab] > 1]
    text = (
        f"A decaying lr lowers the floor. With a {sched} schedule (lrs tuned again the "
        f"same way: "
        + _and([f"{fmt(d[specs[lab]]['lr'])} for {display(lab)}" for lab in o])
        + ") the median final gaps were "
        + _and([f"{fmt(d[specs[lab]]['final_gap_median'], 2)}" for lab in o])
        + ", against "
        + _and([f"{fmt(o[lab]['final_gap_median'], 2)}" for lab in o])
        + " at a constant lr: "
        + (
            f"{fmt(min(ratio.values()), 2)} to {fmt(max(ratio.values()), 2)} times lower."
            if lower == list(o)
            else "lower for " + (_and([display(lab) for lab in lower]) if lower else "none") + "."
        )
    )
    if len(lower) == len(o) and max(ratio.values()) < 10:
        text += (
            f" Within {n['steps']} steps the floor is lowered, not removed: the noise "
            f"still decides a good part of the final gap."
        )
    out.append(text)
    best_d = min(d, key=lambda spec: d[spec]["final_gap_median"])
    names = {spec: lab for lab, spec in specs.items()}
    if names[best_d] != n["best"]:
        out.append(
            f"The ranking changed with the schedule: {display(names[best_d])} now has "
            f"the lowest median, not {display(n['best'])}. A ranking holds for the "
            f"schedule and budget it was measured with."
        )
    identical = n["noise_free_seeds_identical"]
    if identical:
        spread = (
            "its " + str(seeds) + " seeds are one and the same run, so one run is the "
            "whole answer and the claim does not apply"
        )
    else:
        spread = "its seeds still differ"
    gaps = [c[specs[lab]]["final_gap_median"] for lab in o]
    reached = (
        "all four reached the float floor (below 1e-15)"
        if max(gaps) < 1e-15
        else "the median final gaps were "
        + _and([f"{fmt_gap(c[specs[lab]]['final_gap_median'])} for {display(lab)}" for lab in o])
    )
    out.append(
        f"Without noise (the same quadratic as a formula) every optimizer is "
        f"deterministic from the fixed start: {spread}; {reached}."
    )
    bigger = [lab for lab in o if c[specs[lab]]["lr"] > 3 * o[lab]["lr"]]
    if bigger:
        out.append(
            "Without noise the tuning also picked far larger learning rates ("
            + _and(
                [
                    f"{fmt(c[specs[lab]]['lr'])} instead of {fmt(o[lab]['lr'])} for {display(lab)}"
                    for lab in bigger
                ]
            )
            + "): with noise, it is the noise floor, not the curvature, "
            "that holds the lr down."
        )
    return out
