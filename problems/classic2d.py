"""Classic two-dimensional test functions from the benchmark literature."""

# Gradients are np.stack([gx, gy]).T: (runs, 2) with each coordinate one contiguous row,
# the engine's memory order (a copy per step otherwise).

from __future__ import annotations

import math

import numpy as np

from optcompare.problem import Minimum, Problem, register_problem


@register_problem
class Beale(Problem):
    """Beale's function: a narrow curved valley with flat arms.

    f is 14.203125 on the whole lines x = 0 and y = 1, which cross at the saddle
    (0, 1).  The standard start (1, 1) lies on the line y = 1, so the first gradient
    points straight along -y.  The range is huge: plot it with log-scaled colours.
    """

    name = "beale"
    description = "flat arms and a sharp valley; minimum at (3, 0.5)"
    formula = "f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2"
    reference = "Beale (1958); start from More, Garbow & Hillstrom (1981)"
    default_start = (1.0, 1.0)
    default_window = ((-4.5, 4.5), (-4.5, 4.5))
    known_minima = (Minimum((3.0, 0.5), 0.0),)

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        u1, u2, u3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        return u1**2 + u2**2 + u3**2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        u1, u2, u3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        gx = 2.0 * (u1 * (y - 1.0) + u2 * (y**2 - 1.0) + u3 * (y**3 - 1.0))
        gy = 2.0 * x * (u1 + 2.0 * y * u2 + 3.0 * y**2 * u3)
        return np.stack([gx, gy]).T


@register_problem
class Himmelblau(Problem):
    """Himmelblau's function: four global minima, all with f = 0.

    It also has a local maximum near (-0.2708, -0.9230) and four saddles.  The three
    non-integer minima are the roots of the gradient to full double precision
    (Newton's method in 60-digit arithmetic).
    """

    name = "himmelblau"
    description = "four equal minima; which one does each method find?"
    formula = "f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    reference = "Himmelblau (1972), Applied Nonlinear Programming; start from a PyTorch course"
    default_start = (0.0, 0.0)
    default_window = ((-6.0, 6.0), (-6.0, 6.0))
    known_minima = (
        Minimum((3.0, 2.0), 0.0),
        Minimum((-2.805118086952745, 3.131312518250573), 0.0),
        Minimum((-3.779310253377747, -3.2831859912861696), 0.0),
        Minimum((3.5844283403304917, -1.8481265269644036), 0.0),
    )

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        u, v = x**2 + y - 11.0, x + y**2 - 7.0
        return np.stack([4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v]).T

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = X[:, 0], X[:, 1]
        u, v = x**2 + y - 11.0, x + y**2 - 7.0  # f = u^2 + v^2 shares them with the gradient
        return u**2 + v**2, np.stack([4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v]).T


@register_problem
class Booth(Problem):
    """Booth's function, the quadratic |A z - b|^2: a valley of condition number 9 along (1, -1)."""

    name = "booth"
    description = "tilted quadratic valley (kappa = 9); minimum (1, 3)"
    formula = "f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2"
    reference = "Jamil & Yang (2013), A literature survey of benchmark functions, IJMMNO 4(2)"
    default_start = (8.0, -8.0)
    default_window = ((-10.0, 10.0), (-10.0, 10.0))
    known_minima = (Minimum((1.0, 3.0), 0.0),)

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.stack([10.0 * x + 8.0 * y - 34.0, 8.0 * x + 10.0 * y - 38.0]).T


@register_problem
class Matyas(Problem):
    """Matyas' function: a quadratic with a flat valley along x = y (condition number 25)."""

    name = "matyas"
    description = "flat diagonal valley (kappa = 25); minimum at 0"
    formula = "f(x, y) = 0.26 (x^2 + y^2) - 0.48 x y"
    reference = "Matyas (1965); Jamil & Yang (2013), IJMMNO 4(2)"
    default_start = (8.0, 6.0)
    default_window = ((-10.0, 10.0), (-10.0, 10.0))
    known_minima = (Minimum((0.0, 0.0), 0.0),)

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return 0.26 * (x**2 + y**2) - 0.48 * x * y

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.stack([0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x]).T


@register_problem
class ThreeHumpCamel(Problem):
    """The three-hump camel: the global minimum at 0 and two local minima.

    The other stationary points lie on y = -x/2 with x^2 = 2.1 +- sqrt(0.91): the
    local minima +-(1.747552, -0.873776), f = 0.298638 (+ sign), and two saddles
    +-(1.070542, -0.535271), f = 0.877362, that separate them from the global one.
    The start lies in a local minimum's basin: plain GD stops there, while enough
    momentum carries a run over the saddle.
    """

    name = "three-hump-camel"
    description = "global minimum at 0 flanked by two local minima"
    formula = "f(x, y) = 2 x^2 - 1.05 x^4 + x^6 / 6 + x y + y^2"
    reference = "Jamil & Yang (2013), IJMMNO 4(2); SFU library (Surjanovic & Bingham)"
    default_start = (2.0, -1.0)
    default_window = ((-2.5, 2.5), (-1.5, 1.5))
    known_minima = (
        Minimum((0.0, 0.0), 0.0),
        Minimum((1.7475523458302888, -0.8737761729151444), 0.2986384422368598, "local"),
        Minimum((-1.7475523458302888, 0.8737761729151444), 0.2986384422368598, "local"),
    )

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.stack([4.0 * x - 4.2 * x**3 + x**5 + y, x + 2.0 * y]).T


@register_problem
class SixHumpCamel(Problem):
    """The six-hump camel: two global minima, four local ones, and a saddle at 0.

    All six minima are the roots of the gradient to full double precision
    (Newton's method in 60-digit arithmetic); the published global
    +-(0.08984201368301331, -0.7126564032704135) is off by about 6e-10.  The four
    local ones are +-(1.7036, -0.7961), f = -0.2155, and +-(1.6071, 0.5687),
    f = 2.1043.  From the start (1.5, 1) plain GD stops in (1.6071, 0.5687).
    """

    name = "six-hump-camel"
    description = "six minima, two of them global; saddle at 0"
    formula = "f(x, y) = (4 - 2.1 x^2 + x^4 / 3) x^2 + x y + (-4 + 4 y^2) y^2"
    reference = "Dixon & Szego (1978), Towards Global Optimisation 2; SFU library"
    default_start = (1.5, 1.0)
    default_window = ((-2.0, 2.0), (-1.5, 1.5))
    known_minima = (
        Minimum((0.08984201310031806, -0.7126564030207396), -1.0316284534898774),
        Minimum((-0.08984201310031806, 0.7126564030207396), -1.0316284534898774),
        Minimum((1.703606714969981, -0.7960835686726251), -0.21546382438371764, "local"),
        Minimum((-1.703606714969981, 0.7960835686726251), -0.21546382438371764, "local"),
        Minimum((1.6071047529201972, 0.5686514548841314), 2.1042503103112584, "local"),
        Minimum((-1.6071047529201972, -0.5686514548841314), 2.1042503103112584, "local"),
    )

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        gx = 8.0 * x - 8.4 * x**3 + 2.0 * x**5 + y
        gy = x - 8.0 * y + 16.0 * y**3
        return np.stack([gx, gy]).T


@register_problem
class GoldsteinPrice(Problem):
    """The Goldstein-Price function: one global and three local minima, a huge range.

    With s = x + y and t = 2x - 3y it factors as f = g(s) h(t), where
    g(s) = 1 + (s + 1)^2 (3s^2 - 14s + 19) and h(t) = 30 + t^2 (3t^2 - 16t + 18);
    the gradient uses g'(s) = 12 (s + 1)(s - 1)(s - 2) and h'(t) = 12 t (t - 1)(t - 3).
    Local minima: (-0.6, -0.4) f = 30, (1.8, 0.2) f = 84, (1.2, 0.8) f = 840.  From
    the start (1.5, 1.5) plain GD settles in the f = 840 basin; heavy-ball momentum
    can reach the global minimum.  Plot it with log-scaled colours.
    """

    name = "goldstein-price"
    description = "steep walls, four basins; minimum 3 at (0, -1)"
    formula = (
        "f(x, y) = [1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)] * "
        "[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]"
    )
    reference = "Goldstein & Price (1971), Mathematics of Computation 25(115)"
    default_start = (1.5, 1.5)
    default_window = ((-2.0, 2.0), (-2.0, 2.0))
    known_minima = (
        Minimum((0.0, -1.0), 3.0),
        Minimum((-0.6, -0.4), 30.0, "local"),
        Minimum((1.8, 0.2), 84.0, "local"),
        Minimum((1.2, 0.8), 840.0, "local"),
    )

    @staticmethod
    def _parts(X: np.ndarray) -> tuple[np.ndarray, ...]:
        s = X[:, 0] + X[:, 1]
        t = 2.0 * X[:, 0] - 3.0 * X[:, 1]
        g = 1.0 + (s + 1.0) ** 2 * (3.0 * s**2 - 14.0 * s + 19.0)
        h = 30.0 + t**2 * (3.0 * t**2 - 16.0 * t + 18.0)
        return s, t, g, h

    def f(self, X: np.ndarray) -> np.ndarray:
        _, _, g, h = self._parts(X)
        return g * h

    def grad(self, X: np.ndarray) -> np.ndarray:
        s, t, g, h = self._parts(X)
        dg = 12.0 * (s + 1.0) * (s - 1.0) * (s - 2.0)
        dh = 12.0 * t * (t - 1.0) * (t - 3.0)
        return np.stack([dg * h + 2.0 * g * dh, dg * h - 3.0 * g * dh]).T


@register_problem
class McCormick(Problem):
    """McCormick's function on its standard box x in [-1.5, 4], y in [-3, 4].

    With s = x + y and d = x - y, f = sin(s) + s/2 + (d - 1)^2, so plain GD moves s
    and d independently.  On the plane f is unbounded below (each minimum further
    left is lower by pi); the global minimum listed is the lowest in the box, where
    f* = -sqrt(3)/2 - pi/3.  The box also holds one local minimum (listed too), at
    (2/3 pi + 1/2, 2/3 pi - 1/2) ~ (2.594, 1.594), reached by GD from (3, 2).
    """

    name = "mccormick"
    description = "sine ridge plus quadratic; lowest in box at (-0.55, -1.55)"
    formula = "f(x, y) = sin(x + y) + (x - y)^2 - 1.5 x + 2.5 y + 1"
    reference = "Jamil & Yang (2013), IJMMNO 4(2); box from the SFU library"
    default_start = (3.0, -2.0)
    default_window = ((-1.5, 4.0), (-3.0, 4.0))
    known_minima = (
        Minimum((0.5 - math.pi / 3.0, -0.5 - math.pi / 3.0), -math.sqrt(3.0) / 2.0 - math.pi / 3.0),
        Minimum(
            (0.5 + 2.0 * math.pi / 3.0, -0.5 + 2.0 * math.pi / 3.0),
            -math.sqrt(3.0) / 2.0 + 2.0 * math.pi / 3.0,
            "local",
        ),
    )

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        c, d = np.cos(x + y), 2.0 * (x - y)
        return np.stack([c + d - 1.5, c - d + 2.5]).T


_B = 5.1 / (4.0 * math.pi**2)
_C = 5.0 / math.pi
_T = 1.0 / (8.0 * math.pi)


def _branin_min(x: float) -> Minimum:
    # f >= 10 t with equality iff cos x = -1 and the squared term vanishes
    return Minimum((x, _B * x**2 - _C * x + 6.0), 10.0 * _T)


@register_problem
class Branin(Problem):
    """The Branin (Branin-Hoo) function: three global minima in the standard box.

    f >= 10 t = 5 / (4 pi), with equality where cos x = -1 and y = b x^2 - c x + 6; in
    the box x in [-5, 10], y in [0, 15] that is x = -pi, pi, 3pi.  On the whole plane
    there are infinitely many such minima.
    """

    name = "branin"
    description = "three equal minima in the box x in [-5, 10], y in [0, 15]"
    formula = (
        "f(x, y) = (y - b x^2 + c x - 6)^2 + 10 (1 - t) cos x + 10,  "
        "b = 5.1 / (4 pi^2), c = 5 / pi, t = 1 / (8 pi)"
    )
    reference = "Branin (1972), IBM J. Res. Dev. 16(5); Dixon & Szego (1978)"
    default_start = (8.0, 14.0)
    default_window = ((-5.0, 10.0), (0.0, 15.0))
    known_minima = (_branin_min(-math.pi), _branin_min(math.pi), _branin_min(3.0 * math.pi))

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        g = y - _B * x**2 + _C * x - 6.0
        return g**2 + 10.0 * (1.0 - _T) * np.cos(x) + 10.0

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        g = y - _B * x**2 + _C * x - 6.0
        gx = 2.0 * g * (_C - 2.0 * _B * x) - 10.0 * (1.0 - _T) * np.sin(x)
        return np.stack([gx, 2.0 * g]).T
