"""What the commands print: result tables and catalog listings (rich)."""

from __future__ import annotations

from pathlib import Path

from optcompare.cli.console import console, num, table


def _title(result) -> str:
    title = f"{result.problem.spec}, {result.steps} steps"
    if result.problem.f_star is not None:
        title += f" (f* = {num(result.problem.f_star)}, tol {num(result.tol, 2)})"
    if result.lr_schedule:
        title += f", lr schedule {result.lr_schedule}"
    return title


def print_run(result, folder: Path) -> None:
    """The end-of-run table (medians over seeds when there are several) and the folder."""
    from optcompare.summary.documents import aggregate

    out = console()
    tuned = bool(result.tuning)
    if result.seeds == 1:
        columns = [("optimizer", "left"), ("final loss", "right"), ("best loss", "right"),
                   ("dist. to min", "right"), ("steps to tol", "right"), ("diverged", "right")]
        rows = [[r.label, num(r.final_loss), num(r.best_loss), num(r.distance_to_min, 3),
                 num(r.steps_to_tol), "-" if r.diverged_at is None else f"step {r.diverged_at}"]
                for r in result.runs]
        lrs = [num(r.hyperparameters.get("lr"), 3) for r in result.runs]
    else:
        columns = [("optimizer", "left"), ("median", "right"),
                   ("25-75%", "right"), ("dist. min", "right"), ("reached", "right"),
                   ("diverged", "right")]
        agg = aggregate(result)
        rows = [[a["label"], num(a["final_loss_median"]),
                 f"{num(a['final_loss_q25'], 2)}..{num(a['final_loss_q75'], 2)}",
                 num(a["distance_to_minimum_median"], 3), f"{a['reached_tol']}/{a['runs']}",
                 f"{a['diverged']}/{a['runs']}"] for a in agg]
        lrs = [num(a["lr"], 3) for a in agg]
    if tuned:
        columns.insert(1, ("lr", "right"))
        for row, lr in zip(rows, lrs, strict=True):
            row.insert(1, lr)
    title = _title(result)
    if result.seeds > 1:
        title += f"; {result.seeds} seeds each"
    out.print(table(title, columns, rows))
    reasons = {(r.label, r.diverged_reason) for r in result.runs if r.diverged_reason}
    for label, why in sorted(reasons):
        out.print(f"{label} diverged: {why}", soft_wrap=True)
    if tuned:
        first = next(iter(result.tuning.values()))
        grid = first["grid"]
        out.print(f"lr tuned: {len(grid)} values {num(grid[0])}..{num(grid[-1])}, median "
                  f"{first['objective']} loss on {len(first['tuning_seeds'])} other seeds",
                  soft_wrap=True)
    out.print(f"wrote {folder}", soft_wrap=True)


def _point(x) -> str:
    return "(" + ", ".join(num(float(v), 6) for v in x) + ")"


def _minima(p, limit: int = 3) -> str:
    mins = p.global_minima()  # f* is stated: local minima do not belong here
    if not mins:
        if hasattr(p, "gradient_text"):  # a formula: we only know what the user told us
            return "not given (add ;minima=X,Y to the spec)"
        return "none (unbounded below)"
    shown = ", ".join(_point(m.x) for m in mins[:limit])
    more = f" +{len(mins) - limit} more" if len(mins) > limit else ""
    return f"f* = {num(mins[0].f, 6)} at {shown}{more}"


def print_catalog() -> None:
    from optcompare.optimizers import OPTIMIZERS
    from optcompare.problem import make_problem, problem_class, problem_names

    out = console()
    rows = []
    for name in OPTIMIZERS:
        opt = OPTIMIZERS.get(name)
        defaults = ", ".join(f"{p.name}={num(p.default)}" for p in opt.params)
        rows.append([name, opt.summary, defaults])
    out.print(table("Optimizers (hyperparameters and PyTorch defaults)",
                    [("name", "left"), ("what it does", "left"), ("defaults", "left")], rows))
    rows = []
    for name in problem_names():
        cls = problem_class(name)
        p = make_problem(name)
        dims = "any" if any(q.name == "dim" for q in cls.params) else str(p.dim)
        rows.append([name, dims, _minima(p, limit=1), cls.description])
    out.print(table("Problems", [("name", "left"), ("dim", "right"), ("minima", "left"),
                                 ("description", "left")], rows))
    out.print("Details: optcompare explain NAME", soft_wrap=True)


def plain_rule(doc: str) -> str:
    """A docstring as a student reads it: no reStructuredText marks."""
    return doc.replace("``", "").replace("::\n", ":\n")


def print_optimizer(opt) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    out = console()
    # no box around the rule: its math lines are laid out for 80 columns and must not re-wrap
    out.print(Rule(f"[b]{opt.name}[/b]: {escape(opt.summary)}", align="left"))
    out.print(Text(plain_rule(opt.rule)), soft_wrap=True)
    out.print()
    rows = [[p.name, str(p.default) if isinstance(p.default, str) else num(p.default),
             p.allowed(), p.help] for p in opt.params]
    out.print(table("Hyperparameters", [("name", "left"), ("default", "right"),
                                        ("allowed", "left"), ("meaning", "left")], rows))
    if opt.related:
        out.print(Panel(Text(opt.related), title="How it relates to the others",
                        title_align="left"))


def print_problem(p) -> None:
    from rich.panel import Panel
    from rich.text import Text

    out = console()
    lines = [
        p.description,
        "",
        p.formula,
        "",
        f"dimension: {p.dim}",
        f"minima:    {_minima(p, limit=8)}",
        f"start:     {_point(p.start())}",
        "window:    " + " x ".join(f"[{num(lo)}, {num(hi)}]" for lo, hi in p.window()[:2]),
        f"reference: {p.reference}",
    ]
    if hasattr(p, "gradient_text"):  # formula problems show their exact derivative
        lines[3:3] = ["", *p.gradient_text()]
    out.print(Panel(Text("\n".join(lines)), title=f"[b]{p.name}[/b]", title_align="left"))
    if hasattr(p, "gradient_text"):
        out.print("Options: expr:FORMULA;start=X,Y;window=LO:HI,LO:HI;minima=X,Y|X,Y;"
                  "noise=SIGMA;name=NAME", soft_wrap=True)
        return
    params = type(p).all_params()
    rows = [[q.name, str(q.default), q.allowed(), q.help] for q in params]
    out.print(table("Spec keys (name:key=value,...)", [("key", "left"), ("default", "right"),
                                                      ("allowed", "left"), ("meaning", "left")],
                    rows))


def print_sweep(result, folder: Path) -> None:
    out = console()
    names = [n for n, _ in result.axes]
    columns = [("optimizer", "left"), *[(f"best {n}", "right") for n in names],
               (f"median {result.objective}", "right"), ("diverged runs", "right")]
    rows = [[b["label"], *[num(b[n], 3) for n in names], num(b["median_objective"]),
             f"{100 * b['diverged_fraction']:.0f}%"] for b in result.best()]
    title = (f"{result.problem.spec}: sweep of {' x '.join(names)}, {result.steps} steps, "
             f"{len(result.seeds)} seed{'s' * (len(result.seeds) > 1)}")
    out.print(table(title, columns, rows))
    out.print(f"wrote {folder}", soft_wrap=True)


def print_basins(results, problem, folder: Path) -> None:
    out = console()
    mins = problem.minima()
    columns = [("optimizer", "left"), *[(f"min {k + 1}", "right") for k in range(len(mins))],
               ("diverged", "right"), ("other stat.", "right"), ("not conv.", "right")]
    rows = []
    for b in results:
        fr = b.fractions(len(mins))
        rows.append([b.label, *[f"{100 * fr[f'minimum {k}']:.0f}%" for k in range(len(mins))],
                     f"{100 * fr['diverged']:.0f}%", f"{100 * fr['other stationary point']:.0f}%",
                     f"{100 * fr['not converged']:.0f}%"])
    n = len(results[0].xs) if results else 0
    out.print(table(f"{problem.spec}: where {n}x{n} starts end ({results[0].steps} steps)",
                    columns, rows))
    for k, m in enumerate(mins):
        out.print(f"  min {k + 1} = {_point(m.x)}", soft_wrap=True)
    out.print("  other stat. = ended where the gradient vanishes, at no listed minimum "
              "(a local minimum or saddle)", soft_wrap=True)
    out.print(f"wrote {folder}", soft_wrap=True)
