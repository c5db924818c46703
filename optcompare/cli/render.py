"""What the commands print: result tables and catalog listings (rich)."""

from __future__ import annotations

from pathlib import Path

from optcompare.cli.console import console, num, table


def print_run(result, folder: Path) -> None:
    """The end-of-run table and the folder path."""
    out = console()
    f_star = result.problem.f_star
    rows = []
    for r in result.runs:
        rows.append([
            r.label, num(r.final_loss), num(r.best_loss), num(r.distance_to_min, 3),
            num(r.steps_to_tol), "-" if r.diverged_at is None else f"step {r.diverged_at}",
        ])
    title = f"{result.problem.spec}, {result.steps} steps"
    if f_star is not None:
        title += f" (f* = {num(f_star)}, tol {num(result.tol, 2)})"
    out.print(table(title, [("optimizer", "left"), ("final loss", "right"),
                            ("best loss", "right"), ("dist. to min", "right"),
                            ("steps to tol", "right"), ("diverged", "right")], rows))
    out.print(f"wrote {folder}", soft_wrap=True)


def _point(x) -> str:
    return "(" + ", ".join(num(float(v), 6) for v in x) + ")"


def _minima(p, limit: int = 3) -> str:
    mins = p.minima()
    if not mins:
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
        defaults = ", ".join(f"{p.name}={num(p.default) if not isinstance(p.default, str) else p.default}"
                             for p in opt.params)
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


def print_optimizer(opt) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    out = console()
    out.print(Panel(Text(opt.rule), title=f"[b]{opt.name}[/b]: {escape(opt.summary)}",
                    title_align="left"))
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
    out.print(Panel(Text("\n".join(lines)), title=f"[b]{p.name}[/b]", title_align="left"))
    params = type(p).all_params()
    rows = [[q.name, str(q.default), q.allowed(), q.help] for q in params]
    out.print(table("Spec keys (name:key=value,...)", [("key", "left"), ("default", "right"),
                                                      ("allowed", "left"), ("meaning", "left")],
                    rows))
