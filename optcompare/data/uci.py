"""The real data sets shipped with optcompare, read with numpy.

Three small classification sets from the UCI Machine Learning Repository, in
the copies scikit-learn distributes (``sklearn/datasets/data/`` of scikit-learn
1.9.1): Breast Cancer Wisconsin (Diagnostic), Iris (Fisher's values, as in R)
and Wine.  Who made them, their licence (CC BY 4.0) and the credit they ask
for are in ``NOTICE.md`` beside this file.

Each file is a CSV whose first line is ``n_rows,n_features,class names...``
and whose other lines are the features followed by the class index (0, 1, ...).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """One shipped data set.

    Attributes:
        name: the key used in specs (``data=breast-cancer``).
        features: (n, p) float64 values in the file's column order.
        labels: (n,) int64 class index of each row, 0 .. len(classes) - 1.
        classes: the class names, in index order, as the file's header gives them.
        feature_names: the name of each column.
        file: the name of the shipped file.
        title: the data set's name at its source.
    """

    name: str
    features: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    file: str
    title: str


_MEASURES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)

#: name -> (file, title at UCI, feature names); the column meanings are the data
#: sets' own descriptions (scikit-learn's descr/*.rst, copied from UCI's notes)
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "breast-cancer": (
        "breast_cancer.csv",
        "Breast Cancer Wisconsin (Diagnostic)",
        tuple(f"{m} ({s})" for s in ("mean", "standard error", "worst") for m in _MEASURES),
    ),
    "iris": (
        "iris.csv",
        "Iris",
        ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"),
    ),
    "wine": (
        "wine_data.csv",
        "Wine",
        (
            "alcohol",
            "malic acid",
            "ash",
            "alcalinity of ash",
            "magnesium",
            "total phenols",
            "flavanoids",
            "nonflavanoid phenols",
            "proanthocyanins",
            "color intensity",
            "hue",
            "OD280/OD315 of diluted wines",
            "proline",
        ),
    ),
}


def names() -> tuple[str, ...]:
    """The names of the shipped data sets."""
    return tuple(SOURCES)


def raw_bytes(name: str) -> bytes:
    """The shipped file's bytes, exactly as distributed."""
    file = SOURCES[name][0]
    return resources.files(__package__).joinpath(file).read_bytes()


def sha256(name: str) -> str:
    """The SHA-256 of the shipped file, as hex (NOTICE.md lists the expected ones)."""
    import hashlib  # here: OpenSSL's module costs 3 MB of memory in every process

    return hashlib.sha256(raw_bytes(name)).hexdigest()


@functools.cache
def load(name: str) -> Dataset:
    """The data set ``name`` (one of :func:`names`), read once per process.

    Raises:
        KeyError: for a name that is not shipped.
    """
    file, title, feature_names = SOURCES[name]
    lines = raw_bytes(name).decode("ascii").splitlines()
    header = lines[0].split(",")
    n, p = int(header[0]), int(header[1])
    table = np.loadtxt(lines[1:], delimiter=",", dtype=float, ndmin=2)
    if table.shape != (n, p + 1) or len(feature_names) != p:
        raise ValueError(f"{file}: expected {n} rows of {p} features and a class")
    features = np.ascontiguousarray(table[:, :p])
    labels = table[:, p].astype(np.int64)
    features.setflags(write=False)
    labels.setflags(write=False)
    return Dataset(name, features, labels, tuple(header[2:]), feature_names, file, title)
