"""One command, four outputs, one median: summary.json, the terminal table, report.html
and the loss figure all show the numbers of optcompare.stats, for an even seed count."""

from __future__ import annotations

import json

import numpy as np

from optcompare.summary.cells import number


def test_summary_terminal_report_and_figure_show_the_same_median(cli, saved_figures, tmp_path):
    drawn = saved_figures
    code, out, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.001",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        "rosenbrock",
        "--steps",
        "200",
        "--seeds",
        "4",
        "--jitter",
        "0.3",
        "--report",
        "--out",
        "r",
    )
    assert code == 0, err
    doc = json.loads((tmp_path / "r" / "summary.json").read_text())
    page = (tmp_path / "r" / "report.html").read_text()
    terminal = [line.split() for line in out.splitlines()]
    loss_ax = drawn["loss.png"].axes[0]
    for agg in doc["aggregates"]:
        runs = [r for r in doc["runs"] if r["label"] == agg["label"]]
        finals = sorted(r["final_loss"] for r in runs)
        # the median of four runs is the mean of the middle two, computed here independently
        assert agg["final_loss_median"] == (finals[1] + finals[2]) / 2 or np.isclose(
            agg["final_loss_median"], (finals[1] + finals[2]) / 2, rtol=1e-15, atol=0
        )
        cell = number(agg["final_loss_median"])
        row = next(words for words in terminal if words[:2] == agg["label"].split()[:2])
        assert cell in row  # the terminal table
        assert f">{cell}<" in page  # report.html's table
        line = next(
            ln for ln in loss_ax.get_lines() if ln.get_label().split("\n")[0] == agg["label"]
        )
        assert line.get_ydata()[-1] == agg["final_loss_median"]  # the figure, exactly
