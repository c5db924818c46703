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
