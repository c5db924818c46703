"""Lesson ``gradient-scale``: multiply the objective by 1e-3 or 1e3; who notices?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
    Lesson,
    LessonResult,
    command,
    fmt,
    new_figure,
    page,
    style,
    table,
)
from optcompare.lessons.gradient_scale_figures import (
    paths_figure,
    plot_ratios,
    plot_sweep,
    scale_text,
)
from optcompare.lessons.scaled import Scaled

if TYPE_CHECKING:
    from optcompare.experiments.records import Result

PROBLEM = "quadratic:kappa=10"
OPTS = ["sgd:lr=0.1", "rmsprop:lr=0.01", "adam:lr=0.05", "rprop"]
STEPS = 300
#: the scales of the claim, and one small enough for eps to matter
SCALES = (1e-3, 1e3)
TINY = 1e-8
#: the counter-case: scales from 100 down to 1e-10, where eps = 1e-8 takes over
SWEEP = tuple(10.0**k for k in range(2, -11, -1))
#: path difference ratios: below NEGLIGIBLE the paths are indistinguishable on a slide,
#: below SMALL nearly the same, above LARGE completely different
NEGLIGIBLE, SMALL, LARGE = 1e-3, 0.05, 0.5


def path_length(x: np.ndarray) -> float:
    """Sum of the step lengths of a path (its valid part)."""
    x = x[np.all(np.isfinite(x), axis=1)]
    return float(np.sum(np.linalg.norm(np.diff(x, axis=0), axis=1)))


def path_difference(x: np.ndarray, ref: np.ndarray) -> float:
    """max_t |x_t - ref_t| / length of ``ref``; +inf when ``x`` diverged (not finite)."""
    if not np.all(np.isfinite(x)):
        return float("inf")
    return float(np.max(np.linalg.norm(x - ref, axis=1)) / path_length(ref))


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.problem import make_problem

    base = make_problem(PROBLEM)
    scales = (*SCALES, TINY)
    results: dict[float, Result] = {1.0: optcompare.run(OPTS, base, steps=STEPS)}
    for s in scales:
        results[s] = optcompare.run(OPTS, Scaled(base, s), steps=STEPS)
    labels = results[1.0].labels
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "scales": list(scales), "optimizers": {}}
    rows = []
    for i, lab in enumerate(labels):
        ref = results[1.0].runs[i]
        entry: dict = {
            "path_length": path_length(ref.x),
            "ratio": {},
            "diverged_at": {},
            "length_ratio": {},
        }
        for s in scales:
            r = results[s].runs[i]
            entry["ratio"][scale_text(s)] = path_difference(r.x, ref.x)
            entry["diverged_at"][scale_text(s)] = r.diverged_at
            entry["length_ratio"][scale_text(s)] = path_length(r.x) / entry["path_length"]
        numbers["optimizers"][lab] = entry
        rows.append([lab, entry["path_length"], *(_ratio_cell(entry, s) for s in scales)])
    for lab in labels:
        key = lab.split()[0]
        for s in SCALES:
            numbers[f"{key}_ratio_{scale_text(s)}"] = numbers["optimizers"][lab]["ratio"][
                scale_text(s)
            ]

    adaptive = [lab for lab in labels if lab.split()[0] in ("rmsprop", "adam")]
    sweep: dict[str, list[float]] = {lab: [] for lab in labels}
    for s in SWEEP:
        res = results[s] if s in results else optcompare.run(OPTS, Scaled(base, s), steps=STEPS)
        for i, lab in enumerate(labels):
            sweep[lab].append(path_difference(res.runs[i].x, results[1.0].runs[i].x))
    numbers["sweep"] = {"scales": list(SWEEP), "difference": sweep}
    numbers["start_grad_norm"] = float(np.linalg.norm(base.grad(base.start()[None, :])))
    numbers["breaks_below"] = {}
    for lab in adaptive:
        big = [s for s, d in zip(SWEEP, sweep[lab], strict=True) if d >= SMALL]
        numbers["breaks_below"][lab] = max(big) if big else None
    # c * f gives RMSProp and Adam the same steps as f with eps / c: check it at c = TINY
    eps_specs = [f"{OPTS[labels.index(lab)]},eps={1e-8 / TINY:g}" for lab in adaptive]
    same = optcompare.run(eps_specs, base, steps=STEPS)
    numbers["eps_equivalence"] = {
        lab: path_difference(same.runs[k].x, results[TINY].runs[labels.index(lab)].x)
        for k, lab in enumerate(adaptive)
    }
    numbers["eps_specs"] = dict(zip(adaptive, eps_specs, strict=True))

    figures = {}
    figures["paths"] = paths_figure(results, base, numbers)

    fig, ax = new_figure(figsize=(11.0, 5.6))
    plot_ratios(numbers, ax, SMALL, LARGE)
    style(
        ax,
        "Path difference: max distance to the unscaled path / its length",
        "",
        "path difference (log scale)",
    )
    figures["difference"] = fig

    fig, ax = new_figure(figsize=(11.0, 5.6))
    plot_sweep(numbers, labels, ax, SMALL)
    style(
        ax,
        f"Where the invariance ends: path difference against the scale ({STEPS} steps)",
        "scale c multiplying f (log scale)",
        "path difference (log scale)",
    )
    figures["eps"] = fig

    header = ["optimizer", "path length", *(f"scale {scale_text(s)}" for s in scales)]
    text = page(
        TITLE_,
        CLAIM,
        f"The ravine `{PROBLEM}` and the same function multiplied by "
        f"{', '.join(scale_text(s) for s in scales)} (same minimum, same contours, every "
        f"gradient multiplied by the scale; a wrapper inside this lesson, there is no "
        f"scale key in the catalog), {STEPS} steps from (-5, -2), with "
        f"{', '.join(f'`{o}`' for o in OPTS)}. The path difference is the largest distance "
        f"between the scaled and the unscaled path at the same step, divided by the length "
        f"of the unscaled path: 0 means the same path, 1 a different one. The scale "
        f"{scale_text(TINY)} is there to find where the invariance ends.",
        [command(OPTS, PROBLEM, steps=STEPS)],
        "Path length of the unscaled run, and the path difference at each scale:\n\n"
        + table(header, rows),
        _findings(numbers, labels),
        [
            (
                f"paths.{ext}",
                "one panel per optimizer: the unscaled path wide and pale, the "
                "scaled paths dashed on top, their dashes taking turns. A dashed line running "
                "inside the pale one is the same path; where all colours alternate along one "
                "line, all scales gave the same path.",
            ),
            (
                f"difference.{ext}",
                "the path differences on a log scale; hatched bars reach "
                "the top for a run that diverged.",
            ),
            (
                f"eps.{ext}",
                "the counter-case: the path difference of every optimizer against "
                "the scale, from 100 down to 1e-10; the thin lines continue the 1 / scale trend "
                "from scale 1e-3.",
            ),
        ],
        notes="This is the honest form of 'RMSProp fixes vanishing and exploding "
        "gradients': RMSProp, Adam and Rprop divide each gradient coordinate by its "
        "own recent size (or use only its sign), so a constant factor on the "
        "objective cancels, up to eps. SGD's step is lr times the gradient, so the "
        "same lr is far too small for one scale and far too large for another; "
        "its lr would have to be retuned by the same factor. Invariance to a "
        "constant factor is not invariance to every change of scale: gradients "
        "that shrink layer by layer in a deep network are a different problem.",
        counter=_counter(numbers, labels),
    )
    results_out = {f"scale-{scale_text(s)}": results[s] for s in (1.0, *scales)}
    return LessonResult(figures=figures, text=text, numbers=numbers, results=results_out)


def _ratio_cell(entry: dict, s: float) -> str:
    k = scale_text(s)
    r = entry["ratio"][k]
    if not np.isfinite(r):
        return f"diverged (step {entry['diverged_at'][k]})"
    return "0 (identical)" if r == 0 else fmt(r)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _findings(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    out, eps_only = [], []
    for lab in labels:
        e = o[lab]
        rs = {scale_text(s): e["ratio"][scale_text(s)] for s in SCALES}
        if all(r == 0 for r in rs.values()):
            out.append(
                f"{lab}: the path is identical, bit for bit, at scale"
                f"{'s' * (len(rs) > 1)} {_and(list(rs))}."
            )
            continue
        if all(0 < r < NEGLIGIBLE for r in rs.values()):
            eps_only.append(lab)
            out.append(
                f"{lab}: the path differs by "
                + _and([f"{fmt(r, 2)} of its length at scale {k}" for k, r in rs.items()])
                + ": invisible."
            )
            continue
        parts = []
        for k, r in rs.items():
            if not np.isfinite(r):
                parts.append(f"at scale {k} it diverged at step {e['diverged_at'][k]}")
            elif r == 0:
                parts.append(f"at scale {k} the path is identical, bit for bit")
            elif r < NEGLIGIBLE:
                parts.append(
                    f"at scale {k} the path differs by {fmt(r, 2)} of its length (invisible)"
                )
            elif r < SMALL:
                parts.append(
                    f"at scale {k} the path differs by {fmt(r, 2)} of its length: "
                    f"small, but not nothing (eps is no longer negligible next to "
                    f"the scaled gradients)"
                )
            elif r > LARGE:
                moved = e["length_ratio"][k]
                extra = (
                    f"; it barely moves: its path is {fmt(moved, 2)} times as long as "
                    f"the unscaled one"
                    if moved < 0.5
                    else ""
                )
                parts.append(
                    f"at scale {k} it takes a completely different path (difference "
                    f"{fmt(r, 2)}{extra})"
                )
            else:
                parts.append(
                    f"at scale {k} the path differs by {fmt(r, 2)} of its length: clearly different"
                )
        out.append(f"{lab}: " + "; ".join(parts) + ".")
    if eps_only:
        out.append(
            f"What little differs for {_and(eps_only)} comes from eps (see where the "
            f"claim weakens)."
        )
    return out


def _counter(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    out = []
    tiny = scale_text(TINY)
    broke = [
        f"{lab} ({fmt(o[lab]['ratio'][tiny], 2)})"
        for lab in labels
        if np.isfinite(o[lab]["ratio"][tiny])
        and o[lab]["ratio"][tiny] >= SMALL
        and not lab.startswith("sgd")
    ]
    held = [
        lab
        for lab in labels
        if np.isfinite(o[lab]["ratio"][tiny]) and o[lab]["ratio"][tiny] < NEGLIGIBLE
    ]
    if broke:
        out.append(
            f"The invariance holds only while the gradients are large next to eps "
            f"(1e-8 for both RMSProp and Adam). At scale {tiny} the gradient at the "
            f"start has norm {fmt(n['start_grad_norm'] * TINY, 2)} ("
            f"{fmt(n['start_grad_norm'] * TINY / 1e-8, 2)} times eps, and less as the "
            f"run nears the minimum), and the paths change: path differences "
            f"{', '.join(broke)}" + (f"; {', '.join(held)} still unaffected" if held else "") + "."
        )
    elif held:
        out.append(f"Even at scale {tiny}, {', '.join(held)} kept the unscaled path.")
    sweep = n["sweep"]
    scales = sweep["scales"]
    d = {lab: dict(zip(scales, sweep["difference"][lab], strict=True)) for lab in n["breaks_below"]}
    if d:
        grow = {lab: v[1e-6] / v[1e-3] for lab, v in d.items()}
        trend = (
            "like 1 / scale"
            if all(500 < g < 2000 for g in grow.values())
            else "as the scale shrinks"
        )
        groups: dict[str, list[str]] = {}
        for lab, c in n["breaks_below"].items():
            groups.setdefault("none down to 1e-10" if c is None else fmt(c), []).append(lab)
        out.append(
            f"The scale sweep from 100 down to 1e-10 shows the trend. Below scale 1 "
            f"the difference grows {trend}: from scale 1e-3 to 1e-6 "
            + _and(
                [
                    f"{lab}'s went from {fmt(v[1e-3], 2)} to {fmt(v[1e-6], 2)} (a factor "
                    f"{grow[lab]:,.0f})"
                    for lab, v in d.items()
                ]
            )
            + ". It first exceeds "
            + "; it first exceeds ".join(
                f"{fmt(SMALL)} at scale {c} for {_and(labs)}" for c, labs in groups.items()
            )
            + ". Above scale 1 it levels off near "
            + _and([fmt(max(v[s] for s in scales if s > 1), 2) for v in d.values()])
            + ", eps's own share of the unscaled path, which a larger scale removes."
        )
    eq = n["eps_equivalence"]
    if eq:
        worst = max(eq.values())
        specs = ", ".join(f"`{v}`" for v in n["eps_specs"].values())
        out.append(
            f"The reason is exact: with f multiplied by c, sqrt(v) is multiplied by c "
            f"too, so the step lr g / (sqrt(v) + eps) is the unscaled one with eps / c "
            f"in place of eps. The runs of {specs} on the unscaled f follow the scale "
            f"{tiny} paths to a path difference of at most {fmt(worst, 2)}. Rprop, which "
            f"uses signs only, has no eps and kept the same path at every scale."
        )
    return out


TITLE_ = "Gradient scale: who notices if the loss is multiplied by 1000?"
CLAIM = (
    f"Multiplying the objective ({PROBLEM}, {STEPS} steps) by 0.001 or 1000 changes "
    f"SGD's path completely (the same lr is too small or too large), while RMSProp, Adam "
    f"and Rprop follow nearly the same path: they are invariant to the gradient's scale, "
    f"up to eps."
)

LESSON = Lesson(name="gradient-scale", title=TITLE_, claim=CLAIM, run=run)
