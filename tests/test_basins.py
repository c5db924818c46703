"""Basins of attraction: outcome names, whole grids, files and figure.

The classification of single end points is tested in test_basin_rules.py."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.experiments.basins import (
    DIVERGED,
    NOT_CONVERGED,
    OTHER_OUTCOMES,
    SADDLE,
    STILL_MOVING,
    classify,
    outcome_codes,
    outcome_name,
    run_basins,
    shown_codes,
)
from optcompare.experiments.choices import make_optimizers
from optcompare.problem import make_problem
from optcompare.summary import csv_columns

HIMMELBLAU = make_problem("himmelblau")
CLI_STEPS = 1000  # the command line's --steps default, checked in test_cli_default_steps
CLI_GRID = 41


# -- names: defined once --------------------------------------------------------------------


def test_outcome_names():
    minima = make_problem("six-hump-camel").minima()
    names = [outcome_name(c, minima) for c in outcome_codes(minima)]
    assert names == [
        "minimum 1 (global)",
        "minimum 2 (global)",
        "minimum 3 (local)",
        "minimum 4 (local)",
        "minimum 5 (local)",
        "minimum 6 (local)",
        "unlisted minimum",
        "saddle point",
        "maximum",
        "still moving",
        "not converged",
        "diverged",
    ]
    assert len(set(OTHER_OUTCOMES)) == len(OTHER_OUTCOMES) and max(OTHER_OUTCOMES) < 0


# -- whole grids ----------------------------------------------------------------------------


def test_cli_default_steps():
    from optcompare.cli.sweep import basins as command

    defaults = {p.name: p.default for p in command.params}
    assert (defaults["steps"], defaults["grid"]) == (CLI_STEPS, CLI_GRID)


@pytest.mark.parametrize("spec", ["rmsprop", "adam:lr=0.05"])
@pytest.mark.parametrize("name", ["six-hump-camel", "three-hump-camel"])
def test_camel_runs_end_in_a_basin(name, spec):
    """With the command line's defaults, fewer than 5% of the starts are unclassified,
    and every listed minimum, local ones included, collects starts."""
    problem = make_problem(name)
    (choice,) = make_optimizers([spec])
    b = run_basins(choice, problem, grid=CLI_GRID, steps=CLI_STEPS)
    unclassified = np.mean((b.outcome == NOT_CONVERGED) | (b.outcome == STILL_MOVING))
    assert unclassified < 0.05
    assert np.mean(b.outcome >= 0) > 0.95
    assert all(np.any(b.outcome == k) for k in range(len(problem.minima())))
    # ended at the listed point itself, not just near it
    for k, m in enumerate(problem.minima()):
        np.testing.assert_allclose(
            b.point[b.outcome == k],
            np.broadcast_to(m.x, (int(np.sum(b.outcome == k)), 2)),
            atol=1e-10,
        )


def test_slow_runs_are_still_moving_with_their_displacement():
    """adam at lr 1e-3 after 500 steps: most starts are still on their way.  The tail's
    net move and path length match a recorded run of the same starts."""
    problem = make_problem("six-hump-camel")
    (choice,) = make_optimizers(["adam:lr=1e-3"])
    b = run_basins(choice, problem, grid=CLI_GRID, steps=500)
    moving = b.outcome == STILL_MOVING
    assert moving.mean() > 0.5
    report = b.still_moving()
    assert report["starts"] == moving.sum() and report["tail_steps"] == 50
    assert 0 < report["median_net_move"] <= report["max_net_move"]
    assert report["median_net_move"] == np.median(b.tail_move[moving])  # finite: numpy's median
    i, j = np.argwhere(moving)[::97].T
    starts = np.column_stack([b.xs[j], b.ys[i]])
    tr = run_batch(
        choice.optimizer, choice.values, problem, starts, np.zeros(len(starts)), 500, record=True
    )
    net = np.linalg.norm(tr.x[500] - tr.x[450], axis=1)
    path = np.linalg.norm(np.diff(tr.x[450:], axis=0), axis=2).sum(axis=0)
    np.testing.assert_allclose(b.tail_move[i, j], net, rtol=1e-12)
    np.testing.assert_allclose(b.tail_path[i, j], path, rtol=1e-12)
    assert np.all(net > 0.5 * path)


@pytest.mark.parametrize("spec", ["sgd:lr=0.01", "sgd:lr=0.005,momentum=0.9", "adam:lr=0.05"])
def test_starts_next_to_each_minimum_land_in_that_minimum(spec):
    (choice,) = make_optimizers([spec])
    mins = np.array([m.x for m in HIMMELBLAU.minima()])
    starts = np.concatenate([mins + 0.3, mins - 0.2])
    tr = run_batch(
        choice.optimizer,
        choice.values,
        HIMMELBLAU,
        starts,
        np.arange(len(starts)),
        1000,
        record=False,
    )
    outcome = classify(HIMMELBLAU, tr.final_x, tr.diverged_at).outcome
    np.testing.assert_array_equal(outcome, [0, 1, 2, 3, 0, 1, 2, 3])


def test_grid_outcomes_cover_the_window_and_are_labelled():
    (choice,) = make_optimizers(["sgd:lr=0.01,momentum=0.9"])
    b = run_basins(choice, HIMMELBLAU, grid=21, steps=300)
    assert b.outcome.shape == (21, 21)
    assert b.xs[0] == -6 and b.xs[-1] == 6
    fr = b.fractions()
    assert list(fr) == [outcome_name(c, b.minima) for c in outcome_codes(b.minima)]
    assert sum(fr.values()) == pytest.approx(1.0)
    assert fr["diverged"] > 0  # momentum at this lr flings some starts away
    assert set(np.unique(b.outcome)) <= set(outcome_codes(b.minima))


def test_too_few_steps_are_still_moving():
    (choice,) = make_optimizers(["sgd:lr=1e-4"])
    b = run_basins(choice, HIMMELBLAU, grid=4, steps=3)  # no start near a minimum
    assert b.tail_steps == 1
    assert np.all(b.outcome == STILL_MOVING)
    np.testing.assert_allclose(b.tail_move, b.tail_path, rtol=1e-12)


@pytest.mark.parametrize(
    ("spec", "grid", "message"),
    [
        ("rosenbrock:dim=3", 11, "needs a 2-D problem"),
        ("saddle", 11, "needs known minima"),
        ("himmelblau", 1, "grid must be a whole number from 2 to 401"),
    ],
)
def test_basins_errors(spec, grid, message):
    (choice,) = make_optimizers(["sgd"])
    with pytest.raises(SpecError, match=message):
        run_basins(choice, make_problem(spec), grid=grid, steps=5)


# -- files ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def camel():
    problem = make_problem("six-hump-camel")
    choices = make_optimizers(["rmsprop", "adam:lr=1e-3"])
    return problem, [run_basins(c, problem, grid=21, steps=500) for c in choices]


def test_files_name_the_outcomes_as_basins_does(camel, basins_rows):
    from optcompare.summary.documents import basins_document

    problem, results = camel
    doc = basins_document(results, problem, "optcompare basins")
    assert [m["name"] for m in doc["problem"]["minima"]] == [
        outcome_name(k, problem.minima()) for k in range(6)
    ]
    assert doc["problem"]["minima"][2]["kind"] == "local"
    assert doc["problem"]["minima"][2]["x"] == list(problem.minima()[2].x)
    codes = shown_codes(results)
    for entry, b in zip(doc["optimizers"], results, strict=True):
        assert list(entry["fractions"]) == [outcome_name(c, b.minima) for c in codes]
        assert entry["fractions"]["minimum 3 (local)"] == np.mean(b.outcome == 2)
        assert entry["still_moving"]["starts"] == np.sum(b.outcome == STILL_MOVING)
    assert "still moving" in doc["optimizers"][1]["fractions"]
    # the file as the package writes it, read back; the cell-by-cell rows agree with it
    text = "".join(csv_columns.basins_chunks(results))
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert (header, rows) == basins_rows(results)
    assert header[:6] == ["label", "x0", "y0", "outcome", "x_final", "y_final"]
    names = [r[3] for r in rows if r[0] == results[0].label]
    expected = [outcome_name(int(o), problem.minima()) for o in results[0].outcome.ravel()]
    assert names == expected and "minimum 3 (local)" in names
    moving = [r for r in rows if r[3] == "still moving"]
    assert moving and all(float(r[8]) > 0.5 * float(r[9]) for r in moving)


# -- the figure -----------------------------------------------------------------------------


def legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def test_basins_image_is_the_outcome(camel):
    from optcompare.plotting import plot_basins

    problem, (b, _) = camel
    ax = plot_basins(b, problem)
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), b.outcome)
    by_label = {c.get_label(): c for c in ax.collections}
    np.testing.assert_allclose(
        by_label["global minimum"].get_offsets(), [m.x for m in problem.global_minima()]
    )
    local = [m.x for m in problem.minima() if m.kind == "local"]
    np.testing.assert_allclose(by_label["local minimum"].get_offsets(), local)
    assert by_label["global minimum"].get_paths()[0] != by_label["local minimum"].get_paths()[0]
    assert ax.get_xlim() == problem.window()[0] and ax.get_ylim() == problem.window()[1]
    texts = legend_texts(ax.get_legend())
    assert texts[2] == f"minimum 3 (local) at (1.7, -0.796): {np.mean(b.outcome == 2):.0%}"


def test_every_outcome_has_its_own_colour(camel):
    from optcompare.plotting import plot_basins

    problem, (b, _) = camel
    outcome = b.outcome.copy()
    for row, code in enumerate(OTHER_OUTCOMES):
        outcome[row, : row + 1] = code
    ax = plot_basins(replace(b, outcome=outcome), problem)
    (image,) = ax.images
    codes = outcome_codes(problem.minima())
    colours = [to_rgba(image.cmap(image.norm(c))) for c in codes]
    assert len(set(colours)) == len(codes) == 12
    assert colours[codes.index(DIVERGED)] == to_rgba("black")
    texts = legend_texts(ax.get_legend())
    assert texts[codes.index(SADDLE)] == f"saddle point: {np.mean(outcome == SADDLE):.1%}"
    assert np.mean(outcome == SADDLE) < 0.01  # shown with a decimal, not as 0%


def table_columns(legend):
    """The legend's table: its columns' heads and its rows (a legend fills its columns
    one after another, each as long)."""
    texts = legend_texts(legend)
    size = len(texts) // legend._ncols
    columns = [texts[i : i + size] for i in range(0, len(texts), size)]
    return [c[0] for c in columns], [
        list(row) for row in zip(*(c[1:] for c in columns), strict=True)
    ]


def test_basins_figure_one_panel_per_optimizer(camel, tmp_path):
    from optcompare.plotting import basins_figure

    problem, results = camel
    fig = basins_figure(results, problem)
    panels = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in panels] == [b.label for b in results]
    assert all(a.get_legend() is None for a in panels)  # one legend, shared
    codes = shown_codes(results)
    (shared,) = fig.legends
    heads, rows = table_columns(shared)
    assert heads == ["outcome"] + [b.label for b in results]
    names = [row[0] for row in rows]
    assert all(
        n.startswith(outcome_name(k, problem.minima()) + " at (") for k, n in enumerate(names[:6])
    )
    assert names[codes.index(STILL_MOVING)].startswith("still moving")
    for column, b in enumerate(results, start=1):
        shares = [row[column].split(" ")[0] for row in rows]
        expected = [float(np.mean(b.outcome == c)) for c in codes]
        assert shares == [f"{p:.1%}" if 0 < p < 0.01 else f"{p:.0%}" for p in expected]
    fig.savefig(tmp_path / "basins.png")
