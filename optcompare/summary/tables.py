"""Result tables: one model that the terminal and ``report.html`` both render.

A :class:`Table` is a caption, columns, rows of cells that are already text,
and notes (the lines under the table). The builders here read a
``summary.json`` document (as :mod:`optcompare.summary.documents` makes it,
in memory or read back from the file), so the table a command prints and the
one its report shows are built by the same code from the same data: same
columns, same digits, same notes. Every cell is formatted once, by
:mod:`optcompare.summary.cells`. The documents may come from a hand-edited or
older file: a builder never raises on a missing or odd field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from optcompare.summary.cells import (
    INFINITE,
    MISSING,
    SHORT,
    dicts,
    get,
    is_number,
    loss,
    metric_cells,
    metric_header,
    number,
    percent,
    text,
)

Align = Literal["left", "right", "center"]

#: The run table's columns after the label: one row per run, or medians over seeds.
HEADERS = ("final loss", "best loss", "dist. to min", "steps to tol", "diverged")
SEED_HEADERS = (
    "median final loss",
    "final loss 25%..75%",
    "median dist. to min",
    "reached tol",
    "diverged",
)


@dataclass(frozen=True)
class Column:
    """A column: its header and how its cells line up (numbers right, names left)."""

    name: str
    align: Align = "right"


@dataclass(frozen=True)
class Table:
    """Caption, columns, rows of formatted cells, and notes shown under the table.

    The first column names the row (an optimizer, an outcome); renderers may
    show it as a row header.
    """

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"a row of {len(row)} cells in a table of {len(self.columns)} columns: {row!r}"
                )

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


# --- what a summary.json holds ----------------------------------------------------------------


def document_kind(doc: dict[str, Any]) -> str:
    """'lesson', 'run', 'sweep', 'basins', or 'folder' when summary.json is none of these."""
    if isinstance(doc.get("experiments"), dict):
        return "lesson"
    if "runs" in doc or "aggregates" in doc:
        return "run"
    if "best" in doc:
        return "sweep"
    if "optimizers" in doc:
        return "basins"
    return "folder"


def document_tables(doc: dict[str, Any]) -> list[Table]:
    """Every result table a summary.json holds: one for a run, sweep or basins folder, one
    per experiment of a lesson (captioned with the experiment's name), none otherwise."""
    kind = document_kind(doc)
    if kind == "lesson":
        return [
            run_table(d, name=str(key))
            for key, d in doc["experiments"].items()
            if isinstance(d, dict) and document_kind(d) == "run"
        ]
    build = {"run": run_table, "sweep": sweep_table, "basins": basins_table}.get(kind)
    return [build(doc)] if build else []


# --- runs ----------------------------------------------------------------------------------------


def run_table(doc: dict[str, Any], name: str | None = None) -> Table:
    """The results of a run: one row per run, or per label with medians over its seeds
    when a label has several runs.  A tuned lr is in the label ("adam lr=0.0178 (tuned)"),
    and a note says how it was tuned.

    Args:
        doc: a run's summary.json (``summary_document``).
        name: the experiment's name, put in front of the caption (lessons).
    """
    aggregates = dicts(doc.get("aggregates"))
    runs = dicts(doc.get("runs"))
    seeds = max((_count(a.get("runs")) for a in aggregates), default=0)
    medians = seeds > 1
    metrics = [text(m) for m in doc.get("metrics") or () if isinstance(m, str)]
    columns = [
        Column("optimizer", "left"),
        *map(Column, SEED_HEADERS if medians else HEADERS),
        *(Column(metric_header(m, medians)) for m in metrics),
    ]
    if medians:
        listed = bool(dicts(get(doc, "problem", "minima")))
        rows = [_aggregate_row(a, listed) + metric_cells(a, metrics, True) for a in aggregates]
    else:
        rows = [_run_row(r) + metric_cells(r, metrics, False) for r in runs]
    return Table(
        caption=_run_caption(doc, seeds, name),
        columns=tuple(columns),
        rows=tuple(tuple(r) for r in rows),
        notes=tuple(_run_notes(doc, runs, columns, rows, medians)),
    )


def _aggregate_row(a: dict[str, Any], minima_listed: bool) -> list[str]:
    runs, diverged = number(a.get("runs")), _count(a.get("diverged"))
    # a diverged run is infinitely far from the minimum, as its loss is infinite
    return [
        text(a.get("label")),
        loss(a.get("final_loss_median"), diverged > 0),
        f"{loss(a.get('final_loss_q25'), diverged > 0, SHORT)}.."
        f"{loss(a.get('final_loss_q75'), diverged > 0, SHORT)}",
        loss(a.get("distance_to_minimum_median"), minima_listed and diverged > 0, SHORT),
        f"{number(a.get('reached_tol'))}/{runs}",
        f"{number(a.get('diverged'))}/{runs}",
    ]


def _run_row(r: dict[str, Any]) -> list[str]:
    diverged = r.get("diverged")
    stopped = diverged not in (False, None)
    # as in every statistic, a diverged run ends at +inf loss, infinitely far from the
    # minimum; its best loss (before it diverged) is a real number
    far = stopped and r.get("distance_to_minimum") is not None
    return [
        text(r.get("label")),
        INFINITE if stopped else loss(r.get("final_loss"), stopped),
        loss(r.get("best_loss"), stopped),
        INFINITE if far else number(r.get("distance_to_minimum"), SHORT),
        number(r.get("steps_to_tol")),
        "no" if not stopped else f"at step {diverged}" if is_number(diverged) else text(diverged),
    ]


def _run_caption(doc: dict[str, Any], seeds: int, name: str | None) -> str:
    parts = [f"{number(doc['steps'])} steps" if doc.get("steps") is not None else ""]
    f_star = get(doc, "problem", "f_star")
    if f_star is not None:
        parts.append(f"f* = {number(f_star)}")
        if doc.get("tol") is not None:
            parts.append(f"tol {number(doc['tol'])} on loss - f*")
    if doc.get("lr_schedule") not in (None, "constant"):
        parts.append(f"lr schedule {text(doc['lr_schedule'])}")
    if seeds > 1:
        parts.append(f"medians over {seeds} seeds per optimizer")
    if is_number(doc.get("jitter")) and doc["jitter"] > 0:
        parts.append(f"starts jittered by {number(doc['jitter'])}")
    spec = text(get(doc, "problem", "spec"))
    head = f"{name} experiment" if name else ""
    return ", ".join(p for p in (head, spec, *parts) if p) or "Results"


def _run_notes(
    doc: dict[str, Any],
    runs: list[dict[str, Any]],
    columns: list[Column],
    rows: list[list[str]],
    medians: bool,
) -> list[str]:
    notes = []
    whys: dict[str, list[str]] = {}
    for r in runs:
        if r.get("diverged_reason"):
            whys.setdefault(text(r.get("label")), []).append(text(r.get("diverged_reason")))
    for label, said in whys.items():
        # one line per label however many seeds: the count, and the first run's reason
        total = sum(text(r.get("label")) == label for r in runs)
        if total == 1:
            notes.append(f"{label} diverged: {said[0]}")
        else:
            which = "the first of them" if len(set(said)) > 1 else "each"
            notes.append(f"{label}: {len(said)} of {total} runs diverged; {which}: {said[0]}")
    tuning = doc.get("tuning")
    if isinstance(tuning, dict) and tuning:
        first = next(iter(tuning.values()))
        grid = first.get("grid") if isinstance(first, dict) else None
        seeds = get(first, "tuning_seeds")
        if isinstance(grid, list) and grid:
            notes.append(
                f"lr tuned per optimizer: the best of {len(grid)} values from "
                f"{number(grid[0])} to {number(grid[-1])} by the median "
                f"{text(get(first, 'objective')) or 'final'} loss over "
                f"{len(seeds) if isinstance(seeds, list) else '?'} other seeds"
            )
    cells = [c for row in rows for c in row[1:]]
    if any(INFINITE in c for c in cells):
        notes.append(
            "A diverged run counts as an infinite loss (inf): a median of inf means "
            "that at least half of the runs diverged."
            if medians
            else "A diverged run ends at an infinite loss (inf), infinitely far from the "
            "minimum; its best loss is the lowest it reached before."
        )
    reasons = _missing_reasons(doc, medians)
    missing = list(
        dict.fromkeys(
            reasons[c.name]
            for i, c in enumerate(columns)
            if c.name in reasons and any(row[i] == MISSING for row in rows)
        )
    )
    if missing:
        notes.append(f"{MISSING} means no value: " + "; ".join(missing) + ".")
    return notes


def _missing_reasons(doc: dict[str, Any], medians: bool) -> dict[str, str]:
    """Why a column of the run table can have no value, for this document."""
    tol = "no run reached tol" if medians else "the run never reached tol"
    if get(doc, "problem", "f_star") is None:
        tol = "f* is unknown, so there is no tol to reach"
    dist = "the run diverged"
    if not dicts(get(doc, "problem", "minima")):
        dist = "the problem lists no minimum"
    reasons = {"steps to tol": tol, "dist. to min": dist, "median dist. to min": dist}
    for m in doc.get("metrics") or ():
        if isinstance(m, str) and m.endswith("accuracy"):
            # a diverged run's accuracy counts as the worst, as its loss counts as inf
            reasons[metric_header(m, medians)] = (
                "at least half of the runs diverged" if medians else "the run diverged"
            )
    return reasons


# --- sweeps and basins ----------------------------------------------------------------------------


def sweep_table(doc: dict[str, Any]) -> Table:
    """The best grid point per optimizer: its swept value(s) and median objective."""
    best = dicts(doc.get("best"))
    params = doc.get("parameters")
    names = (
        [text(k) for k in params]
        if isinstance(params, dict)
        else [
            k
            for k in (best[0] if best else {})
            if k not in ("label", "median_objective", "diverged_fraction")
        ]
    )
    objective = text(doc.get("objective")) or "objective"
    columns = (
        Column("optimizer", "left"),
        *(Column(f"best {n}") for n in names),
        Column(f"median {objective} loss"),
        Column("diverged (whole grid)"),
    )
    rows = tuple(
        (
            text(b.get("label")),
            *(number(b.get(n), SHORT) for n in names),
            loss(
                b.get("median_objective"),
                is_number(b.get("diverged_fraction")) and b["diverged_fraction"] > 0,
            ),
            percent(b.get("diverged_fraction")),
        )
        for b in best
    )
    seeds = doc.get("seeds")
    n = len(seeds) if isinstance(seeds, list) else _count(seeds) or 1
    steps = f", {number(doc['steps'])} steps" if doc.get("steps") is not None else ""
    spec = text(get(doc, "problem", "spec"))
    caption = f"The best grid point per optimizer{' on ' + spec if spec else ''} (lowest " + (
        f"median {objective} loss over {n} seeds){steps}"
        if n > 1
        else f"{objective} loss, one seed){steps}"
    )
    notes = (
        "diverged (whole grid): the share of all the optimizer's runs, at every grid "
        "point and seed, that diverged",
    )
    return Table(caption, columns, rows, notes)


def basins_table(doc: dict[str, Any]) -> Table:
    """Where the grid's starts end: one row per outcome, one column per optimizer, each
    cell the share of starts with that outcome.

    Outcomes are shown as summary.json names them (the keys of each optimizer's
    ``fractions``, in their order); a row named like one of ``problem.minima``
    shows that minimum's point. The notes say what each other outcome means
    (``classification.outcomes``), where the unlisted minima found lie, and how
    far the runs still moving moved (each optimizer's ``still_moving``).
    """
    entries = dicts(doc.get("optimizers"))
    fractions: list[dict[str, Any]] = [
        f if isinstance(f := e.get("fractions"), dict) else {} for e in entries
    ]
    keys = [text(k) for k in dict.fromkeys(k for f in fractions for k in f)]
    minima = dicts(get(doc, "problem", "minima"))
    points = {text(m["name"]): _point(m.get("x")) for m in minima if m.get("name") is not None}
    columns = (Column("outcome", "left"), *(Column(text(e.get("label"))) for e in entries))
    rows = tuple(
        (f"{k} at {points[k]}" if k in points else k, *(percent(f.get(k)) for f in fractions))
        for k in keys
    )
    meanings = get(doc, "classification", "outcomes")
    meanings = meanings if isinstance(meanings, dict) else {}
    notes = [f"{k}: {text(meanings[k])}." for k in keys if k in meanings and k not in points]
    if minima and not points:  # an older summary.json, whose minima have no names
        listed = "; ".join(
            _point(m.get("x")) + (f" {text(m['kind'])}" if m.get("kind") else "") for m in minima
        )
        notes.append(f"The problem's listed minima, in its catalog's order: {listed}.")
    for e in entries:
        label, moving = text(e.get("label")), e.get("still_moving")
        if isinstance(moving, dict) and is_number(moving.get("starts")) and moving["starts"]:
            notes.append(
                f"{label}: {number(moving['starts'])} starts still moving, median net move "
                f"{number(moving.get('median_net_move'), SHORT)} (largest "
                f"{number(moving.get('max_net_move'), SHORT)}) over the last "
                f"{number(moving.get('tail_steps'))} steps."
            )
        if found := dicts(e.get("unlisted_minima")):
            notes.append(
                f"{label}: unlisted minima at "
                + "; ".join(
                    f"{_point(u.get('x'))} (f = {number(u.get('f'))}, "
                    f"{number(u.get('starts'))} starts)"
                    for u in found
                )
                + "."
            )
    grid = doc.get("grid")
    starts = f"{number(grid)}×{number(grid)} starts" if is_number(grid) else "starts"
    steps = f" after {number(doc['steps'])} steps" if doc.get("steps") is not None else ""
    spec = text(get(doc, "problem", "spec"))
    caption = (
        f"Where the grid's {starts} end{' on ' + spec if spec else ''}{steps} (share of starts)"
    )
    return Table(caption, columns, rows, tuple(notes))


def _point(x: Any) -> str:
    if not isinstance(x, list):
        return text(x)
    return "(" + ", ".join(number(v, SHORT) for v in x) + ")"
