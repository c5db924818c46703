"""Shared fixtures: figures without a display, and the CLI run in an empty folder."""

from __future__ import annotations

import matplotlib
import pytest
from click.testing import CliRunner

matplotlib.use("Agg")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI in an empty working folder; returns (exit code, stdout, stderr)."""
    from optcompare.cli import main

    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def saved_figures(monkeypatch):
    """File name -> Figure, for every figure the CLI saves (still written as usual)."""
    from optcompare import output

    drawn = {}
    save = output.save_figure

    def keep(path, fig, fmt):
        drawn[path.name] = fig
        save(path, fig, fmt)

    monkeypatch.setattr(output, "save_figure", keep)
    return drawn
