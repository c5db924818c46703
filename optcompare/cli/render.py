"""What the commands print: result tables and catalog listings (rich)."""

from __future__ import annotations

from pathlib import Path

from optcompare.cli.console import console, num, plain, print_table, table


def print_run(result, folder: Path) -> None:
    """The run table (medians over seeds when there are several), its notes, and the folder.

    The table is built from the run's summary.json document by
    :func:`optcompare.summary.tables.run_table`, as report.html builds it.
    """
    from optcompare.summary.documents import summary_document
    from optcompare.summary.tables import run_table

    out = console()
    print_table(out, run_table(summary_document(result, "")))
    out.print(plain(f"wrote {folder}"), soft_wrap=True)


def _point(x, limit: int = 8) -> str:
    # a point of rosenbrock:dim=100000 is a screenful per coordinate shown: show its ends
    if len(x) <= limit:
        return "(" + ", ".join(num(float(v), 6) for v in x) + ")"
    head = ", ".join(num(float(v), 6) for v in x[: limit - 2])
    return f"({head}, ..., {num(float(x[-1]), 6)}; {len(x):,} coordinates)"


def _minima(p, limit: int = 3) -> str:
    mins = p.global_minima()  # f* is stated: local minima do not belong here
    if not mins:
        if p.minima_note:
            return p.minima_note
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
        defaults = ", ".join(f"{p.name}={p.default_rule or num(p.default)}" for p in opt.params)
        rows.append([name, opt.summary, defaults])
    out.print(
        table(
            "Optimizers (hyperparameters and PyTorch defaults)",
            [("name", "left"), ("what it does", "left"), ("defaults", "left")],
            rows,
        )
    )
    rows = []
    for name in problem_names():
        cls = problem_class(name)
        p = make_problem(name)
        dims = "any" if any(q.name == "dim" for q in cls.params) else str(p.dim)
        rows.append([name, dims, _minima(p, limit=1), cls.description])
    out.print(
        table(
            "Problems",
            [("name", "left"), ("dim", "right"), ("minima", "left"), ("description", "left")],
            rows,
        )
    )
    out.print("Details: optcompare explain NAME", soft_wrap=True)


def plain_rule(doc: str) -> str:
    """A docstring as a student reads it: no reStructuredText marks."""
    return doc.replace("``", "").replace("::\n", ":\n")


def print_optimizer(opt) -> None:
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    out = console()
    # no box around the rule: its math lines are laid out for 80 columns and must not re-wrap
    # the title wraps as text (a rule's title is cut at the terminal's width)
    out.print(Text.assemble((opt.name, "bold"), f": {opt.summary}"))
    out.print(Rule())
    out.print(Text(plain_rule(opt.rule)), soft_wrap=True)
    out.print()
    rows = [
        [
            p.name,
            p.default_rule or (str(p.default) if isinstance(p.default, str) else num(p.default)),
            p.allowed(),
            p.help,
        ]
        for p in opt.params
    ]
    out.print(
        table(
            "Hyperparameters",
            [("name", "left"), ("default", "right"), ("allowed", "left"), ("meaning", "left")],
            rows,
        )
    )
    if opt.presets:
        print_presets(opt)
    if opt.related:
        out.print(
            Panel(Text(opt.related), title="How it relates to the others", title_align="left")
        )


def print_presets(opt) -> None:
    """The ``variant=`` presets, one column each (PyTorch's fill-ins starred), and sources."""
    out = console()

    def cell(preset, key: str) -> str:
        v = preset.values[key]
        text = str(v).lower() if isinstance(v, bool) else f"{v:g}".replace("e-0", "e-")
        return text + "*" if key in preset.filled else text

    keys = list(opt.presets[0].values)
    rows = [[k, *(cell(p, k) for p in opt.presets)] for k in keys]
    out.print(
        table(
            f"Variants ({opt.name}:variant=NAME; keys given explicitly win)",
            [("key", "left"), *((p.name, "right") for p in opt.presets)],
            rows,
        )
    )
    out.print("* the source does not give this value; PyTorch's is used.", soft_wrap=True)
    out.print(
        table(
            "Sources",
            [("variant", "left"), ("source", "left")],
            [[p.name, p.source] for p in opt.presets],
        )
    )


def print_problem(p) -> None:
    from rich.panel import Panel
    from rich.text import Text

    out = console()
    # every line may come from a problem file: each is escaped on its own (plain)
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
    body = Text("\n").join(plain(line) for line in lines)
    title = plain(p.name)
    title.stylize("bold")
    out.print(Panel(body, title=title, title_align="left"))
    if hasattr(p, "gradient_text"):
        out.print(
            "Options: expr:FORMULA;start=X,Y;window=LO:HI,LO:HI;minima=X,Y|X,Y;"
            "noise=SIGMA;name=NAME",
            soft_wrap=True,
        )
        return
    params = type(p).all_params()
    rows = [[q.name, str(q.default), q.allowed(), q.help] for q in params]
    out.print(
        table(
            "Spec keys (name:key=value,...)",
            [("key", "left"), ("default", "right"), ("allowed", "left"), ("meaning", "left")],
            rows,
        )
    )


def print_sweep(result, folder: Path) -> None:
    """The best grid point per optimizer (as report.html shows it), and the folder."""
    from optcompare.summary.documents import sweep_document
    from optcompare.summary.tables import sweep_table

    out = console()
    print_table(out, sweep_table(sweep_document(result, "")))
    out.print(plain(f"wrote {folder}"), soft_wrap=True)


def print_basins(results, problem, folder: Path) -> None:
    """Where the grid's starts end, per optimizer (as report.html shows it), and the folder."""
    from optcompare.summary.documents import basins_document
    from optcompare.summary.tables import basins_table

    out = console()
    print_table(out, basins_table(basins_document(results, problem, "")))
    out.print(plain(f"wrote {folder}"), soft_wrap=True)
