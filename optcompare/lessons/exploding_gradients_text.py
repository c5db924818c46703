"""Page text of the ``exploding-gradients`` lesson: the setup, the findings and the
counter-cases, each generated from the lesson's numbers.

Free of the lesson's constants (the settings a sentence names are in the numbers) so that
the lesson module can import it without a cycle.
"""

from __future__ import annotations

from typing import Any

from optcompare.lessons.base import fmt

__all__ = ["counter_case", "findings", "setup"]


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _and(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _point(p: list[float]) -> str:
    return f"({fmt(p[0])}, {fmt(p[1])})"


def setup(n: dict[str, Any]) -> str:
    """The paragraph that says what was run, with every setting."""
    lab = n["labels"]
    (w_lo, w_hi), (b_lo, b_hi) = n["window"]
    return (
        f"The problem `{n['problem']}`: the recurrent net x_t = w tanh(x_(t-1)) + b with x_0 = "
        f"0.5 over T = {n['T']} steps, loss (1/2)(x_T - {fmt(n['target'])})^2, parameters "
        f"(w, b). Below the curve b = 0.5 - w tanh(0.5) the state runs to the lower fixed "
        f"point, above it to the upper one; across this cliff the loss jumps and on a thin "
        f"band along it the gradient is huge. Four methods: plain SGD at lr {fmt(n['lr'])} "
        f"(`{lab['sgd']}`), the same with the gradient clipped to norm {fmt(n['clip_norm'])} "
        f"(`--clip-norm`, as torch.nn.utils.clip_grad_norm_), RMSProp at torch's defaults (lr "
        f"{fmt(n['rmsprop_lr'])}, alpha {fmt(n['alpha'])}) and Adam at lr {fmt(n['adam_lr'])} "
        f"(betas 0.9, 0.999), {n['steps']} steps each. First from the default start "
        f"{_point(n['start'])} (loss 4.1, below the cliff), then from {n['seeds']} starts "
        f"moved by N(0, {fmt(n['jitter'])}^2) per coordinate (seeds 0 to {n['seeds'] - 1}, the "
        f"same starts for every method). The window is w in [{fmt(w_lo)}, {fmt(w_hi)}], b in "
        f"[{fmt(b_lo)}, {fmt(b_hi)}]; a step longer than {fmt(n['jump'])} counts as a jump, "
        f"and a run with final loss at most {fmt(n['tol'])} as converged. Last, plain SGD from "
        f"the default start at {n['scan']['count']} lrs log-spaced from {fmt(n['scan']['lo'])} "
        f"to {fmt(n['scan']['hi'])}."
    )


def _over(n: dict[str, Any], lab: str) -> str:
    m = n["methods"][lab]
    big, jump = (fmt(t) for t in n["thresholds"])
    return (
        f"{_pct(m['over'][jump])} ({m['count_over'][jump]} of {m['runs']}) of its runs took a "
        f"step longer than {jump} and {_pct(m['over'][big])} one longer than {big}"
    )


def findings(n: dict[str, Any]) -> list[str]:
    """The jump from the default start, how often it happens over seeds, what clipping,
    RMSProp and Adam do to the step, and what RMSProp does and does not do."""
    lab, m, d = n["labels"], n["methods"], n["default"]
    sgd, clipped, rms, adam = lab["sgd"], lab["clipped"], lab["rmsprop"], lab["adam"]
    out = []
    s = d[sgd]
    if s["largest"] > n["jump"]:
        out.append(
            f"From the default start {_point(n['start'])}, plain SGD at lr {fmt(n['lr'])} took "
            f"steps of at most {fmt(s['moves_before'])} until step {s['step']}, taken from a "
            f"point where |g| = {fmt(s['grad'])}: that step was {fmt(s['largest'])} long and "
            f"threw (w, b) to {_point(s['landed'])}, far outside the window."
        )
    else:
        out.append(
            f"From the default start {_point(n['start'])}, plain SGD at lr {fmt(n['lr'])} did "
            f"not jump: its longest step was {fmt(s['largest'])} (step {s['step']}, |g| = "
            f"{fmt(s['grad'])})."
        )
    out.append(
        f"Over the {m[sgd]['runs']} jittered starts, {_over(n, sgd)}; the longest was "
        f"{fmt(m[sgd]['largest_max'])}, and the largest |g| any run met {fmt(m[sgd]['max_grad'])}. "
        f"A step is lr |g|, so a gradient of that size moves the parameters hundreds of "
        f"times the window's width."
    )
    c = m[clipped]
    within = c["largest_max"] <= n["bounds"][clipped] * (1 + 1e-9)
    out.append(
        f"With the gradient clipped to norm {fmt(n['clip_norm'])}, the same lr's longest step "
        f"over all {c['runs']} runs was {fmt(c['largest_max'])}"
        + (
            f", within the bound lr x {fmt(n['clip_norm'])} = {fmt(n['bounds'][clipped])}"
            if within
            else f", above lr x {fmt(n['clip_norm'])} = {fmt(n['bounds'][clipped])}"
        )
        + f"; {c['ended_outside']} runs ended outside the window (without clipping "
        f"{m[sgd]['ended_outside']}). Clipping changed the gradient in a median of "
        f"{fmt(c['clipped_steps_median'])} of the {n['steps']} steps per run."
    )
    for key, name in ((rms, "RMSProp"), (adam, "Adam")):
        e = m[key]
        verdict = "within" if e["largest_max"] <= n["bounds"][key] * (1 + 1e-9) else "above"
        out.append(
            f"{name}'s longest step over its {e['runs']} runs was {fmt(e['largest_max'])}, "
            f"{verdict} its bound {fmt(n['bounds'][key])} (for any gradient), although its "
            f"runs met gradients up to |g| = {fmt(e['max_grad'])}; "
            f"{e['count_over'][fmt(n['jump'])]} of them took a step longer than "
            f"{fmt(n['jump'])}."
        )
    r = n["ratios"]
    big = r["big"]
    if big["steps"]:
        out.append(
            f"What RMSProp does: it divides each coordinate of the step by sqrt(v) + eps, v the "
            f"running mean of g^2 (alpha {fmt(n['alpha'])}): it rescales the step. It does not "
            f"change the gradient: its runs met the same exploding gradients as SGD's (up to "
            f"|g| = {fmt(r['max_grad'])}), and on the {big['steps']} steps where |g| > "
            f"{fmt(n['big'])} (median {fmt(big['grad'])}) its step was a median "
            f"{fmt(big['ratio'])} x lr|g| ({fmt(big['step_over_lr'])} x lr): about "
            f"{fmt(1 / big['ratio'], 2)} times shorter than SGD's at the same lr."
        )
    else:
        out.append(
            f"What RMSProp does: it divides each coordinate of the step by sqrt(v) + eps, v the "
            f"running mean of g^2 (alpha {fmt(n['alpha'])}): it rescales the step and leaves the "
            f"gradient as it is. Its runs met no gradient above {fmt(n['big'])} (the largest "
            f"{fmt(r['max_grad'])}), so the cap did not come into play here."
        )
    p, s_ = r["plateau"], r["small"]
    text = (
        f"Vanishing gradients: on the plateau below the cliff (loss > {fmt(n['plateau'])}, "
        f"median |g| {fmt(p['grad'])}) RMSProp stepped a median {fmt(p['ratio'])} x lr|g| "
        f"({fmt(p['step_over_lr'])} x lr)"
    )
    if p["ratio"] > 1 and p["grad"] > 1:
        text += (
            ", longer than SGD's at the same lr although |g| > 1: v starts at 0 and torch's "
            f"RMSProp does not correct for that, so over its first ~{fmt(1 / (1 - n['alpha']))} "
            "steps sqrt(v) lies below the gradients' RMS"
        )
    if s_["steps"]:
        scaled = s_["ratio"] > 3
        text += (
            f"; where |g| < {fmt(n['small'])} and the loss was still above {fmt(n['tol'])} "
            f"(median |g| {fmt(s_['grad'])}, {s_['steps']} steps) it stepped "
            f"{fmt(s_['ratio'])} x lr|g|, "
            + (
                "so a small gradient's step was scaled up toward lr."
                if scaled
                else f"hardly more than SGD: v averages g^2 over about "
                f"{fmt(1 / (1 - n['alpha']))} steps, so a gradient that is small only next "
                f"to its recent past is not scaled up toward lr; one that stays small for that "
                f"long would be."
            )
        )
    else:
        text += "."
    out.append(text)
    sh = n["share"]
    out.append(
        f"Nor does RMSProp change what is inside the gradient. At the default start, dL/db "
        f"is a sum of one term per time step, and each step back multiplies a term by w (1 - "
        f"tanh^2) = {fmt(sh['factor'])}: the terms of time steps 1 to {n['T'] - sh['recent']} "
        f"make up {fmt(sh['early_share'])} of it (the first step's is {fmt(sh['first_over_last'])} "
        f"times the last's). RMSProp divides the whole sum by one number per parameter, so "
        f"these terms keep the same share of its step: it cannot bring back the credit that "
        f"vanished on the way back through time."
    )
    return out


def counter_case(n: dict[str, Any]) -> list[str]:
    """Where the claim weakens: most SGD runs never touch the wall, the jumpers still end
    at a low loss, landing on the band depends on the lr by luck, and RMSProp's bounded
    step does not make it converge."""
    lab, m = n["labels"], n["methods"]
    sgd, clipped, rms, adam = lab["sgd"], lab["clipped"], lab["rmsprop"], lab["adam"]
    big = fmt(n["thresholds"][0])
    out = []
    unharmed = 1 - m[sgd]["over"][big]
    ranked = sorted((sgd, clipped, rms, adam), key=lambda k: m[k]["final_median"])
    text = (
        f"Hitting the wall is luck: {_pct(unharmed)} of plain SGD's runs never took a step "
        f"longer than {big}, they stepped over the cliff's band without landing on it. "
        f"Median final losses after {n['steps']} steps: "
        + _and([f"{fmt(m[k]['final_median'])} ({k})" for k in ranked])
        + ". "
    )
    if ranked[0] == sgd:
        text += (
            f"Unclipped SGD ended lowest: clipping caps every step at lr x "
            f"{fmt(n['clip_norm'])} also where the gradient is only moderately large, and so "
            f"slows the descent."
        )
    else:
        text += f"Unclipped SGD did not end lowest; {ranked[0]} did."
    out.append(text)
    j = n["jumpers"]
    if j["count"]:
        settled = j["final_max"] <= n["tol"]
        out.append(
            f"The {j['count']} runs that jumped further than {fmt(n['jump'])} ended with losses "
            f"from {fmt(j['final_min'])} to {fmt(j['final_max'])}, at |w| from "
            f"{fmt(j['w_min'])} to {fmt(j['w_max'])}"
            + (
                f": the jump threw them onto another zero-loss set far outside the window, "
                f"where x_(T-1) is about {fmt(j['x_before_median'])} (median), tanh of it is 1 "
                f"to many digits, and x_T = w + b can hit the target. Here the jump changed the "
                f"model the run ends with, not its final loss."
                if settled
                else ": some of them ended far from converged."
            )
        )
    sc = n["scan"]
    lrs = sc["lrs_over_jump"]
    text = (
        f"Which lrs land on the band is luck too: from the default start, "
        f"{_pct(sc['over'][fmt(n['jump'])])} of the {sc['count']} lrs from {fmt(sc['lo'])} to "
        f"{fmt(sc['hi'])} took a step longer than {fmt(n['jump'])}"
        + (f" ({_and([fmt(v) for v in lrs])})" if 0 < len(lrs) <= 8 else "")
        + f" and {_pct(sc['over'][big])} one longer than {big}. "
    )
    low, high = sc["over_jump_low_high"]
    if low > high:
        text += (
            f"Larger lrs do not hit it more often: {_pct(low)} of the lrs below "
            f"{fmt(sc['middle'])} jumped and {_pct(high)} of those above."
        )
    else:
        text += (
            f"Larger lrs jumped more often: {_pct(high)} of the lrs above {fmt(sc['middle'])} "
            f"and {_pct(low)} of those below."
        )
    out.append(text)
    r, e = m[rms], n["edge"]
    if r["share_above_tol"] > 0.1:
        text = (
            f"A bounded step is not convergence: at its defaults {_pct(r['share_above_tol'])} "
            f"of RMSProp's runs ended above loss {fmt(n['tol'])} after {n['steps']} steps "
            f"(median {fmt(r['final_median'])}, 25-75% {fmt(r['final_q25'], 2)} to "
            f"{fmt(r['final_q75'], 2)}), a median {fmt(e['wall_distance_median'])} from the "
            f"cliff in b (less than its largest step per coordinate, "
            f"{fmt(n['bounds'][rms] / 2**0.5)}), the loss over its last 50 steps varying by a "
            f"median factor {fmt(e['oscillation_median'])}"
            + (
                ": it ends bouncing at the cliff's edge rather than settling."
                if e["oscillation_median"] > 2
                else ": it ends creeping along the cliff's edge."
            )
        )
        text += (
            f" Where it ends is chaotic: from every start moved by {fmt(n['nudge'])} in w, "
            f"{_pct(e['moved_share'])} of its runs ended more than 1e-6 elsewhere and "
            f"{_pct(e['side_share'])} crossed loss {fmt(n['tol'])} one way or the other; "
            f"{_pct(e['nudged_share_above_tol'])} ended above it, and the median was "
            f"{fmt(e['nudged_median'])}"
            + (
                " instead: the median falls between the converged runs and the bouncing ones "
                "and moves with the last bits of the arithmetic; the share above "
                f"{fmt(n['tol'])} is the number to read."
                if not 0.5 < e["nudged_median"] / r["final_median"] < 2
                else ", close to the unmoved runs'."
            )
        )
    else:
        text = (
            f"RMSProp's runs mostly converged here: {_pct(r['share_above_tol'])} ended above "
            f"loss {fmt(n['tol'])} (median {fmt(r['final_median'])})."
        )
    text += (
        f" Adam at lr {fmt(n['adam_lr'])} ended at a median of {fmt(m[adam]['final_median'])}, "
        f"with {_pct(m[adam]['share_above_tol'])} of its runs above {fmt(n['tol'])}."
    )
    out.append(text)
    return out
