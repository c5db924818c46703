"""Experiments built on the engine: a comparison (run), sweeps, tuning, basins.

Each returns a record from :mod:`optcompare.experiments.records` or its own
module; none prints, draws or writes files.
"""
