"""No two labels of a figure look alike: colours at least DISTINCT apart (CIEDE2000)
unless their line styles differ, over the whole registry and in drawn figures."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

import optcompare
from optcompare.optimizers import OPTIMIZERS
from optcompare.plotting import inks, optimizer_color, plot_loss
from optcompare.plotting.book import book_document, book_of, same_inks
from optcompare.plotting.colors import DISTINCT, Ink
from optcompare.plotting.delta_e import ciede2000, delta_e
from optcompare.plotting.style import new_axes

matplotlib.use("Agg")

NAMES = OPTIMIZERS.names()

# Sharma, Wu & Dalal (2005), Table 1: CIELAB pairs and their published CIEDE2000
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, -1.0, 2.0), (50.0, 0.0, 0.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


def clashes(drawn: dict[str, tuple[str, str]]) -> list[tuple[str, str, float]]:
    """Pairs of labels in one line style whose colours are closer than DISTINCT."""
    out = []
    for (a, (ca, sa)), (b, (cb, sb)) in itertools.combinations(drawn.items(), 2):
        d = delta_e(ca, cb)
        if sa == sb and d < DISTINCT:
            out.append((a, b, d))
    return out


def looks(ink: dict[str, Ink]) -> dict[str, tuple[str, str]]:
    return {k: (v.color, v.linestyle) for k, v in ink.items()}


@pytest.mark.parametrize(("lab1", "lab2", "want"), SHARMA)
def test_ciede2000_matches_the_published_test_pairs(lab1, lab2, want):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(want, abs=1e-4)


def test_the_reviewers_clash_is_below_the_threshold():
    """sgd's third variant and rprop were told apart by nobody: the rule must see them."""
    assert delta_e("#48bdff", "#56b4e9") < DISTINCT


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(NAMES, 2)))
def test_every_pair_of_registered_optimizers_is_told_apart(a, b):
    assert clashes(looks(inks([(a, a), (b, b)]))) == []
    assert clashes(looks(inks([(b, b), (a, a)]))) == []


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("a", NAMES)
def test_k_variants_next_to_every_other_optimizer_are_told_apart(a, k):
    variants = [(f"{a} lr={i + 1}", a) for i in range(k)]
    for b in NAMES:
        if b == a:
            continue
        for pairs in (variants + [(b, b)], [(b, b)] + variants):
            ink = inks(pairs)
            assert clashes(looks(ink)) == [], (a, k, b)
            if delta_e(optimizer_color(a), optimizer_color(b)) >= DISTINCT:
                assert ink[b].linestyle == "-"  # the other optimizer keeps its own look


def test_variants_keep_their_shades_and_a_clashing_one_is_dashed():
    """The reviewer's figure: sgd x3 and rprop.  The third sgd keeps its (lighter) shade
    of sgd's hue and rprop its own colour; one of the two near ones is no longer solid."""
    ink = inks([("sgd", "sgd"), ("sgd lr=0.01", "sgd"), ("sgd lr=0.02", "sgd"), ("rprop", "rprop")])
    assert ink["rprop"] == inks([("rprop", "rprop")])["rprop"]
    assert (
        ink["sgd lr=0.02"].color
        == inks([("x", "sgd")] * 1 + [("y", "sgd"), ("z", "sgd")])["z"].color
    )
    assert ink["sgd lr=0.02"].linestyle != "-"


def test_the_reviewers_loss_figure_draws_no_two_labels_alike():
    result = optcompare.run(["sgd", "sgd:lr=0.01", "sgd:lr=0.02", "rprop"], "himmelblau", steps=30)
    ax = plot_loss(result, ax=new_axes((10.0, 5.6)))
    drawn = {}
    for line in ax.get_lines():
        label = line.get_label().split("\n")[0]
        if label in result.labels:
            drawn[label] = (to_hex(line.get_color()), str(line.get_linestyle()))
    assert set(drawn) == set(result.labels)
    assert clashes(drawn) == []


def test_by_label_ramps_of_many_labels_are_told_apart():
    ink = inks([(f"v{i}", "sgd") for i in range(9)], by="label")
    assert clashes(looks(ink)) == []


def test_a_book_gives_a_label_its_ink_in_every_figure():
    """Inside same_inks a label keeps the book's ink in a figure that shows it among
    other labels (or alone), and a new label of a figure is kept apart from the book's
    labels that the figure shows."""
    book_pairs = [("sgd", "sgd"), ("sgd m=0.5", "sgd"), ("rprop", "rprop")]
    more = [(f"sgd m={m}", "sgd") for m in (0, 0.25, 0.9)]
    with same_inks([book_pairs + more]) as book:
        alone = inks([("sgd m=0.9", "sgd")])
        mixed = inks([("sgd m=0", "sgd"), ("sgd m=0.5", "sgd"), ("sgd m=0.9", "sgd")], by="label")
        new = inks([("sgd", "sgd"), ("adam", "adam"), ("sgd other", "sgd")])
    assert alone["sgd m=0.9"] == book["sgd m=0.9"]
    assert all(mixed[k] == book[k] for k in mixed)
    assert new["sgd"] == book["sgd"]
    assert clashes(looks(new)) == []  # within the figure, with the book's "sgd"
    assert inks([("sgd m=0.9", "sgd")])["sgd m=0.9"] != book["sgd m=0.9"]  # outside: its own


def test_a_later_experiment_keeps_known_labels_and_inks_its_own_beside_them():
    """Groups are experiments: a label met before keeps its ink; new labels are inked as
    their own experiment would be, in shades and styles the known ones left free."""
    first = [("sgd", "sgd"), ("sgd m=0.5", "sgd"), ("adam", "adam")]
    second = [(f"sgd m={m}", "sgd") for m in (0, 0.25, 0.5, 0.9)] + [("adam lr=1", "adam")]
    with same_inks([first, second]) as book:
        again = inks(second)
    alone = inks(first)
    assert all(book[k] == alone[k] for k, _ in first)  # the first experiment as alone
    assert again == {k: book[k] for k, _ in second}
    assert book["adam lr=1"] == alone["adam"]  # no other adam in its own experiment
    assert clashes(looks(again)) == []
    assert len({(i.color, i.linestyle) for i in again.values()}) == len(second)


def test_a_recorded_book_reads_back_as_it_was():
    with same_inks([[(f"sgd v{i}", "sgd") for i in range(5)] + [("rprop", "rprop")]]) as book:
        pass
    assert {"--", ":"} & {i.linestyle for i in book.values()}  # dashed variants recorded too
    assert book_of({"inks": book_document(book)}) == book
