"""The shipped UCI data sets: exact files, shapes, classes, the iris rows, the notice."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from optcompare.data import uci

# computed once from the files taken out of the scikit-learn 1.9.1 wheel; NOTICE.md
# states the same digests
SHA256 = {
    "breast-cancer": "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed",
    "iris": "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449",
    "wine": "10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede",
}
# (rows, features, rows per class) from the data sets' descriptions at UCI
SHAPES = {
    "breast-cancer": (569, 30, (212, 357)),
    "iris": (150, 4, (50, 50, 50)),
    "wine": (178, 13, (59, 71, 48)),
}
NOTICE = resources.files("optcompare.data").joinpath("NOTICE.md").read_text(encoding="utf-8")


def test_every_shipped_set_is_pinned():
    assert set(uci.names()) == set(SHA256) == set(SHAPES)


@pytest.mark.parametrize("name", uci.names())
def test_file_checksum(name):
    data = resources.files("optcompare.data").joinpath(uci.SOURCES[name][0]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256[name]
    assert uci.sha256(name) == SHA256[name]


@pytest.mark.parametrize("name", uci.names())
def test_shape_and_class_counts(name):
    rows, features, per_class = SHAPES[name]
    d = uci.load(name)
    assert d.features.shape == (rows, features) and d.features.dtype == np.float64
    assert d.labels.shape == (rows,)
    assert tuple(np.bincount(d.labels)) == per_class
    assert len(d.classes) == len(per_class) == d.labels.max() + 1
    assert len(d.feature_names) == features
    assert np.all(np.isfinite(d.features))


@pytest.mark.parametrize("name", uci.names())
def test_loaded_values_cannot_be_changed(name):
    d = uci.load(name)
    with pytest.raises(ValueError, match="read-only"):
        d.features[0, 0] = 1.0
    assert uci.load(name) is d  # read once per process


def test_breast_cancer_first_row_and_classes():
    # the first sample of WDBC (ID 842302, malignant): radius, texture, perimeter, area
    d = uci.load("breast-cancer")
    np.testing.assert_array_equal(d.features[0, :4], [17.99, 10.38, 122.8, 1001.0])
    assert d.classes == ("malignant", "benign") and d.labels[0] == 0
    # scale=raw's range: the features span about 1e-3 .. 1e3 (area up to 4254)
    assert d.features.max() == 4254.0
    assert 1e-4 < np.min(d.features[d.features > 0]) < 1e-3


def test_iris_is_fishers_not_ucis_two_rows():
    # UCI's iris.names: "The 35th sample should be: 4.9,3.1,1.5,0.2 ... The 38th sample:
    # 4.9,3.6,1.4,0.1"; UCI's iris.data has 4.9,3.1,1.5,0.1 in both places
    d = uci.load("iris")
    np.testing.assert_array_equal(d.features[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(d.features[37], [4.9, 3.6, 1.4, 0.1])
    assert d.classes == ("setosa", "versicolor", "virginica")


@pytest.mark.parametrize("name", uci.names())
def test_notice_credits_each_file(name):
    file, title, _ = uci.SOURCES[name]
    assert f"`{file}`" in NOTICE and title in NOTICE and SHA256[name] in NOTICE
    assert "CC BY 4.0" in NOTICE


def test_notice_names_the_creators():
    for who in ("Wolberg", "Street", "Mangasarian", "Fisher", "Forina"):
        assert who in NOTICE


def test_unknown_name():
    with pytest.raises(KeyError):
        uci.load("digits")


def test_notice_sizes_match_the_files():
    for name in uci.names():
        size = len(uci.raw_bytes(name))
        assert f"({size:,} bytes)" in NOTICE


def test_readme_credits_the_data():
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "UCI Machine Learning Repository" in text
