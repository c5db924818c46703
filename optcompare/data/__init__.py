"""Data for the learning problems: shipped real data sets, synthetic shapes, the split.

- :mod:`optcompare.data.uci`: three small UCI classification sets shipped inside the
  package (breast cancer, iris, wine; credits and licence in ``NOTICE.md``).
- :mod:`optcompare.data.shapes`: seeded classroom shapes in the plane (moons, circles,
  xor, spirals).
- :mod:`optcompare.data.split`: the stratified train/test split, fixed by ``data_seed``.

Everything here is numpy only; the problems in ``optcompare.problems`` build on it.
"""
