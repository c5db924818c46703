"""Every figure that labels coordinates takes their names from the problem
(``Problem.coordinate_names``, resolved by ``Problem.axis_names``)."""

from __future__ import annotations

import numpy as np
import pytest

import optcompare
from optcompare.experiments.basins import run_basins
from optcompare.experiments.choices import make_optimizers
from optcompare.plotting import path_animation, plot_basins, plot_effective_step, plot_path
from optcompare.problem import Minimum, Problem, make_problem, problem_names

NAMES = problem_names()
TWO_D = [n for n in NAMES if make_problem(n).dim == 2]


class _Bowl(Problem):
    """A bowl whose coordinates have names of their own."""

    name = "named-bowl"
    dim = 2
    coordinate_names = ("speed", "angle")
    default_start = (1.0, -1.5)
    default_window = ((-2.0, 2.0), (-2.0, 2.0))
    known_minima = (Minimum((0.0, 0.0), 0.0),)

    def f(self, X):
        return 0.5 * np.sum(X**2, axis=1)

    def grad(self, X):
        return X.copy()


@pytest.mark.parametrize("name", NAMES)
def test_every_problem_names_each_of_its_coordinates(name):
    names = make_problem(name).axis_names()
    assert len(names) == make_problem(name).dim
    assert len(set(names)) == len(names) and all(names)


@pytest.mark.parametrize("name", TWO_D)
def test_each_two_dimensional_problems_path_axes_carry_its_names(name):
    problem = make_problem(name)
    result = optcompare.run(["sgd:lr=1e-3"], problem, steps=3)
    ax = plot_path(result, grid=12)
    assert (ax.get_xlabel(), ax.get_ylabel()) == problem.axis_names()


def test_the_rnn_cliff_is_drawn_over_its_weight_and_bias():
    # the recurrence x_t = w tanh(x_{t-1}) + b: its parameters are w and b, not x and y
    result = optcompare.run(["sgd:lr=0.03"], "rnn-cliff", steps=5)
    ax = plot_path(result, grid=12)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "b")


def test_unnamed_coordinates_stay_x_and_y():
    assert make_problem("rosenbrock").axis_names() == ("x", "y")
    assert make_problem("reddi").axis_names() == ("x",)
    assert make_problem("sphere:dim=4").axis_names() == ("x0", "x1", "x2", "x3")


def test_a_wrong_number_of_names_is_refused():
    bad = _Bowl()
    bad.coordinate_names = ("speed",)
    with pytest.raises(ValueError, match="names 1 coordinates but has 2"):
        bad.axis_names()


def test_paths_animation_basins_and_steps_use_the_problems_names():
    problem = _Bowl()
    result = optcompare.run(["adam:lr=0.1", "sgd:lr=0.1"], problem, steps=8, record_state=True)
    ax = plot_path(result, grid=12)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("speed", "angle")
    fig, _anim = path_animation(result, frames=2)
    fig.draw_without_rendering()  # an animation never drawn warns when collected
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("speed", "angle")
    (choice,) = make_optimizers(["sgd:lr=0.1"])
    ax = plot_basins(run_basins(choice, problem, grid=5, steps=20), problem)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("speed", "angle")
    legend = [t.get_text() for t in plot_effective_step(result).get_legend().get_texts()]
    assert legend[:2] == ["adam lr=0.1, speed", "adam lr=0.1, angle"]


def test_the_coords_view_of_many_coordinates_names_the_first_two():
    class Named(_Bowl):
        dim = 3
        coordinate_names = ("a", "b", "c")
        default_start = (1.0, -1.5, 0.5)
        default_window = ((-2.0, 2.0),) * 3
        known_minima = (Minimum((0.0, 0.0, 0.0), 0.0),)

    result = optcompare.run(["sgd:lr=0.1"], Named(), steps=4)
    ax = plot_path(result, grid=12, path_view="coords")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a (first coordinate)", "b (second coordinate)")
