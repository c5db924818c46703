"""The one table model: builders from summary.json documents, and the terminal's rendering."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

import optcompare
from optcompare.cli.console import print_table
from optcompare.summary.documents import summary_document
from optcompare.summary.tables import (
    MISSING,
    Column,
    Table,
    basins_table,
    document_kind,
    document_tables,
    run_table,
    sweep_table,
)

ONE_SEED = {
    "problem": {"spec": "rosenbrock", "f_star": 0.0, "minima": [{"x": [1.0, 1.0], "f": 0.0}]},
    "steps": 10,
    "tol": 1e-6,
    "seeds": 1,
    "jitter": 0.0,
    "lr_schedule": "constant",
    "aggregates": [{"label": "adam", "runs": 1}, {"label": "sgd", "runs": 1}],
    "runs": [
        {
            "label": "adam",
            "hyperparameters": {"lr": 0.001},
            "final_loss": 0.123456,
            "best_loss": 0.1,
            "distance_to_minimum": 0.0123456,
            "steps_to_tol": None,
            "diverged": False,
            "diverged_reason": None,
        },
        {
            "label": "sgd",
            "hyperparameters": {"lr": 0.1},
            "final_loss": None,
            "best_loss": 2.0,
            "distance_to_minimum": None,
            "steps_to_tol": None,
            "diverged": 7,
            "diverged_reason": "overflow in the update",
        },
    ],
}

SEEDS = {
    "problem": {"spec": "noisy-quadratic", "f_star": 0.0, "minima": [{"x": [0.0, 0.0]}]},
    "steps": 20,
    "tol": 1e-6,
    "seeds": 4,
    "jitter": 0.5,
    "lr_schedule": "cosine",
    "aggregates": [
        {
            "label": "a",
            "runs": 4,
            "lr": 0.01,
            "final_loss_median": 1.5e-7,
            "final_loss_q25": 1.23456e-7,
            "final_loss_q75": 2.5e-7,
            "distance_to_minimum_median": 0.000321,
            "reached_tol": 4,
            "diverged": 0,
        },
        {
            "label": "b",
            "runs": 4,
            "lr": 3.0,
            "final_loss_median": None,
            "final_loss_q25": 0.5,
            "final_loss_q75": None,
            "distance_to_minimum_median": None,
            "reached_tol": 0,
            "diverged": 3,
        },
    ],
    "runs": [],
}


def test_one_seed_has_one_row_per_run_and_explains_what_is_missing():
    t = run_table(ONE_SEED)
    assert t.headers == [
        "optimizer",
        "final loss",
        "best loss",
        "dist. to min",
        "steps to tol",
        "diverged",
    ]
    assert [c.align for c in t.columns] == ["left"] + ["right"] * 5
    assert t.rows == (
        ("adam", "0.1235", "0.1", "0.0123", MISSING, "no"),
        ("sgd", "inf", "2", MISSING, MISSING, "at step 7"),
    )
    assert t.caption == "rosenbrock, 10 steps, f* = 0, tol 1e-06 on loss - f*"
    assert t.notes[0] == "sgd diverged: overflow in the update"
    assert t.notes[1].startswith("A diverged run ends at an infinite loss (inf)")
    assert t.notes[2] == (f"{MISSING} means no value: the run diverged; the run never reached tol.")


def test_several_seeds_give_medians_and_inf_where_half_diverged():
    t = run_table(SEEDS)
    assert t.headers == [
        "optimizer",
        "median final loss",
        "final loss 25%..75%",
        "median dist. to min",
        "reached tol",
        "diverged",
    ]
    assert t.rows == (
        ("a", "1.5e-07", "1.23e-07..2.5e-07", "0.000321", "4/4", "0/4"),
        # 3 of 4 diverged: the median distance touches an infinite one, as the loss does
        ("b", "inf", "0.5..inf", "inf", "0/4", "3/4"),
    )
    assert t.caption == (
        "noisy-quadratic, 20 steps, f* = 0, tol 1e-06 on loss - f*, "
        "lr schedule cosine, medians over 4 seeds per optimizer, "
        "starts jittered by 0.5"
    )
    assert any("at least half of the runs diverged" in n for n in t.notes)
    assert not any(n.startswith(f"{MISSING} means") for n in t.notes)


def test_tuned_runs_get_a_note_and_no_column_repeating_the_label():
    tuning = {
        "grid": [1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0],
        "objective": "best",
        "tuning_seeds": [1000, 1001, 1002],
        "lr": 0.01,
    }
    t = run_table({**SEEDS, "tuning": {"a": tuning, "b": {**tuning, "lr": 3.0}}})
    assert t.headers[:2] == ["optimizer", "median final loss"]  # the lr is in the label
    assert (
        "lr tuned per optimizer: the best of 6 values from 0.0001 to 10 by the median "
        "best loss over 3 other seeds"
    ) in t.notes


def test_sweep_table_has_a_column_per_swept_parameter():
    doc = {
        "problem": {"spec": "quadratic"},
        "steps": 20,
        "objective": "final",
        "seeds": [0, 1],
        "parameters": {"lr": [0.001, 0.01], "momentum": [0, 0.9]},
        "best": [
            {
                "label": "sgd",
                "lr": 0.01,
                "momentum": 0.9,
                "median_objective": 0.0421,
                "diverged_fraction": 0.125,
            },
            {
                "label": "adam",
                "lr": 0.001,
                "momentum": 0,
                "median_objective": None,
                "diverged_fraction": 1.0,
            },
        ],
    }
    t = sweep_table(doc)
    assert t.headers == [
        "optimizer",
        "best lr",
        "best momentum",
        "median final loss",
        "diverged (whole grid)",
    ]
    assert t.rows == (
        ("sgd", "0.01", "0.9", "0.0421", "12.5%"),
        ("adam", "0.001", "0", "inf", "100.0%"),
    )
    assert "over 2 seeds" in t.caption and "20 steps" in t.caption


def test_basins_table_shows_the_outcomes_summary_json_names_in_its_order():
    doc = {
        "problem": {
            "spec": "camel",
            "minima": [
                {"x": [0.0898, -0.7126], "kind": "global"},
                {"x": [1.7, -0.8], "kind": "local"},
            ],
        },
        "grid": 3,
        "steps": 100,
        "optimizers": [
            {"label": "sgd", "fractions": {"somewhere": 0.5, "nowhere at all": 0.5}},
            {
                "label": "adam",
                "fractions": {"somewhere": 2 / 9, "elsewhere": 7 / 9},
                "still_moving": {
                    "starts": 2,
                    "tail_steps": 10,
                    "median_net_move": 0.0123,
                    "max_net_move": 0.5,
                },
            },
        ],
    }
    t = basins_table(doc)
    assert t.headers == ["outcome", "sgd", "adam"]
    assert t.rows == (
        ("somewhere", "50.0%", "22.2%"),
        ("nowhere at all", "50.0%", MISSING),
        ("elsewhere", MISSING, "77.8%"),
    )
    assert "3×3 starts" in t.caption and "camel" in t.caption and "100 steps" in t.caption
    assert (
        "The problem's listed minima, in its catalog's order: (0.0898, -0.713) global; "
        "(1.7, -0.8) local."
    ) in t.notes
    assert (
        "adam: 2 starts still moving, median net move 0.0123 (largest 0.5) over the last 10 steps."
    ) in t.notes


def test_basins_rows_show_the_point_of_each_named_minimum_and_notes_explain_the_rest():
    doc = {
        "problem": {
            "spec": "camel",
            "minima": [
                {"name": "the deep one", "x": [0.0898, -0.7126]},
                {"name": "a shallow one", "x": [1.7, -0.8]},
            ],
        },
        "classification": {
            "outcomes": {"the deep one": "ended there", "lost": "went nowhere", "unused": "x"}
        },
        "optimizers": [
            {
                "label": "sgd",
                "fractions": {"the deep one": 0.75, "a shallow one": 0.0, "lost": 0.25},
                "unlisted_minima": [{"x": [0.5, 0.25], "f": -0.125, "starts": 3}],
            }
        ],
    }
    t = basins_table(doc)
    assert t.rows == (
        ("the deep one at (0.0898, -0.713)", "75.0%"),
        ("a shallow one at (1.7, -0.8)", "0.0%"),
        ("lost", "25.0%"),
    )
    assert t.notes == (
        "lost: went nowhere.",
        "sgd: unlisted minima at (0.5, 0.25) (f = -0.125, 3 starts).",
    )


def test_a_lesson_holds_one_run_table_per_experiment():
    doc = {"lesson": "x", "experiments": {"first": ONE_SEED, "second": SEEDS, "odd": 3}}
    assert document_kind(doc) == "lesson"
    tables = document_tables(doc)
    assert [t.caption.split(",")[0] for t in tables] == ["first experiment", "second experiment"]
    assert document_tables({"something": "else"}) == []


def test_a_row_must_fill_the_columns():
    with pytest.raises(ValueError, match="a row of 1 cells in a table of 2 columns"):
        Table("c", (Column("a", "left"), Column("b")), (("x",),))


def test_the_table_of_a_result_is_the_same_before_and_after_json():
    """The terminal builds from the document in memory, report.html from summary.json."""
    result = optcompare.run(
        ["sgd:lr=0.01", "adam:lr=0.05"], "rosenbrock", steps=40, seeds=3, jitter=0.3, tune=False
    )
    doc = summary_document(result, "optcompare run ...")
    assert run_table(doc) == run_table(json.loads(json.dumps(doc)))
    tuned = summary_document(optcompare.run(["rmsprop"], "booth", steps=20, seeds=2, tune=True), "")
    assert run_table(tuned) == run_table(json.loads(json.dumps(tuned)))


# --- the terminal ---------------------------------------------------------------------------------

WIDE = Table(
    "a caption long enough to wrap at sixty columns, with settings, seeds and steps named in it",
    (
        Column("optimizer", "left"),
        Column("tuned lr"),
        Column("median final loss"),
        Column("final loss 25%..75%"),
        Column("median dist. to min"),
        Column("reached tol"),
        Column("diverged"),
    ),
    (
        (
            "sgd lr=0.00316 momentum=0.9 nesterov=true (tuned)",
            "0.00316",
            "1.234e-05",
            "1.23e-05..4.56e-05",
            "0.000123",
            "10/10",
            "0/10",
        ),
        ("[b]x[/b]", "1", "inf", "0.5..inf", MISSING, "0/10", "6/10"),
    ),
    (
        "[red]a note[/red] that is long enough to need more than one line at sixty columns, "
        "if it is wrapped by the console",
    ),
)


def terminal(table: Table, width: int) -> str:
    buf = io.StringIO()
    print_table(Console(file=buf, width=width, color_system=None), table)
    return buf.getvalue()


@pytest.mark.parametrize("width", [80, 120])
def test_the_terminal_table_fits_and_never_breaks_a_number(width):
    out = terminal(WIDE, width)
    assert max(len(line) for line in out.splitlines()) <= width
    words = out.split()
    for row in WIDE.rows:
        for cell in row[1:]:
            assert cell in words  # whole, never folded
    assert "[b]x[/b]" in words and "[red]a" in words  # text, not rich markup
    assert " ".join(WIDE.notes[0].split()) in " ".join(words)
    assert " ".join(WIDE.caption.split()) in " ".join(words)


def test_a_narrow_console_squeezes_the_table_rather_than_cropping_it():
    out = terminal(WIDE, 60)
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "6/10" in out.split()  # the last column is still there
