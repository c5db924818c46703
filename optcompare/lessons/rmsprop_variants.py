"""Lesson ``rmsprop-variants``: one name, seven update rules; the first step tells them apart,
Rosenbrock mostly does not."""

from __future__ import annotations

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
from optcompare.lessons.rmsprop_variants_text import PAIRS, counter_case, findings

#: the presets of ``rmsprop:variant=NAME``, in the order of ``explain rmsprop``
VARIANTS = ["torch", "seed", "hinton", "graves", "tf1", "keras", "dl4j"]
#: every variant runs at this lr (each preset's own lr is overridden), on both problems
LR = 1e-3
#: the low-gradient quadratic: f(x) = x^2 / 2 from X0, so the first gradient is X0
QUADRATIC = "expr:x**2/2"
X0 = 0.05
QUAD_STEPS = 100
ROSENBROCK = "rosenbrock"
STEPS = 3000
#: two runs whose paths never part by more than this (in x) count as indistinguishable
INVISIBLE = 1e-2
#: Rosenbrock's result is the median loss - f* over the last TAIL steps (Graves's
#: momentum makes its loss oscillate, so a single last step would be a lottery)
TAIL = 300
#: a final loss - f* ratio beyond this between two variants is a difference that matters
MATTERS = 1.5


def spec(variant: str, **keys: float) -> str:
    """``rmsprop:variant=NAME,lr=LR`` (the lesson's common lr) plus ``keys``."""
    return f"rmsprop:variant={variant},lr={LR:g}" + "".join(f",{k}={v:g}" for k, v in keys.items())


OPTS = [spec(v) for v in VARIANTS]
#: the counter-case: Graves without its momentum, and Graves's preset at its own lr (1e-4)
GRAVES_NO_MOMENTUM = spec("graves", momentum=0)
GRAVES_OWN = "rmsprop:variant=graves"


def _variant(label: str) -> str:
    return next(w.split("=")[1] for w in label.split() if w.startswith("variant="))


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss
    from optcompare.plotting.style import same_result_inks

    quad = optcompare.run(OPTS, QUADRATIC, steps=QUAD_STEPS, start=np.array([X0]))
    rosen = optcompare.run(OPTS, ROSENBROCK, steps=STEPS)
    graves = optcompare.run([GRAVES_NO_MOMENTUM, GRAVES_OWN], ROSENBROCK, steps=STEPS)
    x0 = [float(v) for v in rosen.runs[0].x[0]]
    f_star = 0.0  # Rosenbrock's minimum value, at (1, ..., 1)

    numbers: dict = {
        "lr": LR,
        "quadratic": QUADRATIC,
        "x0": X0,
        "quad_steps": QUAD_STEPS,
        "rosenbrock_start": x0,
        "steps": STEPS,
        "invisible": INVISIBLE,
        "tail": TAIL,
        "matters": MATTERS,
        "variants": {},
    }
    paths = {}
    for lab in quad.labels:
        v = _variant(lab)
        (q,) = quad.runs_of(lab)
        (r,) = rosen.runs_of(lab)
        step = float(abs(q.x[1, 0] - q.x[0, 0]))
        paths[v] = r.x
        numbers["variants"][v] = {
            "label": lab,
            "first_step": step,
            "first_step_over_lr": step / LR,
            "x1": float(q.x[1, 0]),
            "quad_final_abs_x": float(abs(q.x[-1, 0])),
            "rosen_final_gap": float(np.median(r.loss[-TAIL:]) - f_star),
            "rosen_diverged_at": r.diverged_at,
        }
    numbers["pairs"] = []
    for a, b, knob in PAIRS:
        n = min(len(paths[a]), len(paths[b]))
        gap_a = numbers["variants"][a]["rosen_final_gap"]
        gap_b = numbers["variants"][b]["rosen_final_gap"]
        numbers["pairs"].append(
            {
                "a": a,
                "b": b,
                "knob": knob,
                "max_distance": float(np.max(np.linalg.norm(paths[a][:n] - paths[b][:n], axis=1))),
                "gap_ratio": max(gap_a, gap_b) / min(gap_a, gap_b),
            }
        )
    (nm,) = graves.runs_of(graves.labels[0])
    (own,) = graves.runs_of(graves.labels[1])
    numbers["graves_no_momentum_gap"] = float(np.median(nm.loss[-TAIL:]) - f_star)
    numbers["graves_own_lr_gap"] = float(np.median(own.loss[-TAIL:]) - f_star)
    numbers["rosenbrock_first_grad_norm"] = float(rosen.runs[0].grad_norm[0])

    o = numbers["variants"]
    rows = [
        [
            v,
            fmt(o[v]["first_step"], 3),
            fmt(o[v]["first_step_over_lr"], 3),
            fmt(o[v]["x1"], 3),
            fmt(o[v]["rosen_final_gap"], 3),
        ]
        for v in VARIANTS
    ]
    figures = {}
    # one ink per label across the folder: its figures, animation and report's sliders
    with same_result_inks([quad, rosen, graves], "label") as book:
        for key, result, steps, where in (
            ("quadratic", quad, QUAD_STEPS, f"x^2/2 from x = {fmt(X0)}"),
            ("rosenbrock", rosen, STEPS, f"Rosenbrock from ({fmt(x0[0])}, {fmt(x0[1])})"),
        ):
            fig, ax = new_figure(figsize=(13.0, 9.0))
            plot_loss(result, ax=ax, by="label")
            style(
                ax,
                f"{len(VARIANTS)} RMSProp variants on {where}, all at lr {fmt(LR)}, {steps} steps",
                "step",
                "loss - f*  (log scale)",
            )
            figures[key] = fig

    text = page(
        TITLE_,
        CLAIM,
        f"Every `rmsprop:variant=NAME` preset ({', '.join(VARIANTS)}) at the same lr {fmt(LR)} "
        f"(the presets' own lr overridden; everything else is the source's). First on the "
        f"low-gradient quadratic f(x) = x^2/2 (`{QUADRATIC}`) from x = {fmt(X0)}, so the "
        f"first gradient is {fmt(X0)}, for {QUAD_STEPS} steps; then on Rosenbrock from "
        f"({fmt(x0[0])}, {fmt(x0[1])}) for {STEPS} steps. Two runs count as indistinguishable "
        f"when their paths never part by more than {fmt(INVISIBLE)}; a difference matters "
        f"when their results differ by more than a factor {fmt(MATTERS)}, a result being "
        f"the median loss - f* over the last {TAIL} steps.",
        [
            command(OPTS, QUADRATIC, steps=QUAD_STEPS, start=fmt(X0)),
            command(OPTS, ROSENBROCK, steps=STEPS),
            command([GRAVES_NO_MOMENTUM, GRAVES_OWN], ROSENBROCK, steps=STEPS),
        ],
        table(
            [
                "variant",
                f"first step on x^2/2 from {fmt(X0)}",
                "first step / lr",
                "x after one step",
                f"Rosenbrock: median loss - f* over steps {STEPS - TAIL}-{STEPS}",
            ],
            rows,
        ),
        findings(numbers, VARIANTS),
        [
            (
                f"quadratic.{ext}",
                f"loss - f* on x^2/2 from x = {fmt(X0)}, every variant at lr {fmt(LR)}; "
                "colours are an ordered ramp over the variants (the legend says so), not "
                "the optimizers' fixed colours. The curves part at the first step.",
            ),
            (
                f"rosenbrock.{ext}",
                f"the same variants on Rosenbrock for {STEPS} steps: curves that lie on top "
                "of each other are variants whose differences do not show there; graves's loss "
                "oscillates (its momentum), hence the median over the last steps.",
            ),
        ],
        notes="PyTorch's RMSProp has no bias correction: its average of g^2 starts at 0, so "
        "after one step it is (1 - alpha) g^2 and the step is lr / sqrt(1 - alpha). TF1 "
        "starts that average at 1, which dominates (1 - alpha) g^2 while |g| is small. "
        "eps only shows once sqrt(v) comes near it. `optcompare explain rmsprop` gives "
        "each preset's source.",
        counter=counter_case(numbers),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={
            "quadratic": quad,
            "rosenbrock": rosen,
            "rosenbrock-graves": graves,
        },
        inks=book,  # variants of one optimizer: an ordered ramp
    )


TITLE_ = "Whose RMSProp?"
CLAIM = (
    f"At the same lr ({fmt(LR)}) the RMSProp presets torch, seed, hinton, graves, tf1, "
    f"keras and dl4j take first steps that differ by orders of magnitude on the "
    f"low-gradient quadratic x^2/2 from x = {fmt(X0)}: PyTorch's decay 0.99 makes the "
    f"first step about 10 lr, TF1's average starting at 1 about lr times the gradient. "
    f"On Rosenbrock ({STEPS} steps, same lr) PyTorch's decay 0.99 against 0.9 and "
    f"Graves's preset matter; where eps sits and TF1's starting value do not."
)

LESSON = Lesson(name="rmsprop-variants", title=TITLE_, claim=CLAIM, run=run)
