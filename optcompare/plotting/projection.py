"""Paths of any dimension on a plane: their first two principal components, or two coordinates.

Above two dimensions the path figure projects every recorded iterate onto the plane
spanned by the paths' first two principal components, centred at the best point
found, and draws the true loss on that plane: f evaluated at the plane's points, not
an interpolation of the paths.  This is the view of Li, Xu, Taylor, Studer &
Goldstein (2018), "Visualizing the Loss Landscape of Neural Nets", NeurIPS, section 7
(they centre at the final point; here the best point found is the centre, as the
runs of a comparison end at different points).  The plane is orthonormal, so
lengths and angles on it are true ones (equal aspect); what lies off the plane is
not shown, and the axes say how much of the paths' variance each direction holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result, Run
    from optcompare.problem import Problem

#: A view of the plane: ((x_lo, x_hi), (y_lo, y_hi)).
Window = tuple[tuple[float, float], tuple[float, float]]

#: Work (values touched, ``Problem.evaluation_cost`` per point) that the contours of the
#: plane may take in all: a data problem gets a coarser grid rather than minutes of
#: plotting (about a second for the mlp on two moons at 200 x 200).
CONTOUR_WORK = 6e8
#: The coarsest contour grid per axis, whatever the cost.
MIN_CONTOUR_GRID = 40
#: Points evaluated at once on the plane (about 32 MB of temporaries per value a point).
CHUNK_WORK = 2**22
#: Padding around the projected paths, as a share of their extent.
PAD = 0.08
#: A listed minimum is drawn on the plane when it lies within this share of the
#: window's larger side from it; one further off is named in the legend instead.
ON_PLANE = 0.02


@dataclass(frozen=True)
class Plane:
    """An orthonormal plane in the problem's space.

    Attributes:
        origin: (dim,) the point drawn at (0, 0).
        basis: (2, dim) orthonormal rows, the directions of the figure's x and y.
        variance: (2,) the share of the fitted points' variance along each row.
    """

    origin: np.ndarray
    basis: np.ndarray
    variance: np.ndarray

    def coords(self, X: np.ndarray) -> np.ndarray:
        """(n, 2) plane coordinates of the points ``X`` (n, dim): the projection."""
        return np.einsum("nd,kd->nk", np.asarray(X, dtype=float) - self.origin, self.basis)

    def points(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """(n, dim) the points of the plane at coordinates (a, b), each (n,)."""
        return (
            self.origin + np.multiply.outer(a, self.basis[0]) + np.multiply.outer(b, self.basis[1])
        )

    def distance(self, X: np.ndarray) -> np.ndarray:
        """(n,) how far each point of ``X`` lies from the plane."""
        X = np.asarray(X, dtype=float)
        c = self.coords(X)
        return np.linalg.norm(X - self.points(c[:, 0], c[:, 1]), axis=1)


def principal_plane(paths: Iterable[np.ndarray], origin: np.ndarray) -> Plane:
    """The plane through ``origin`` spanned by the first two principal components of the
    points of ``paths`` (arrays of shape (n, dim), finite rows only).

    The components are the leading eigenvectors of the points' covariance (about
    their mean), accumulated a path at a time, so no array of every point is
    built; each direction's sign makes its largest coordinate positive, so the
    picture does not flip between runs of the program.  Points without spread
    give the first two coordinate axes and zero variance.
    """
    paths = [np.asarray(p, dtype=float) for p in paths if len(p)]
    dim = len(origin)
    n = sum(len(p) for p in paths)
    if n == 0:
        return Plane(np.asarray(origin, dtype=float), np.eye(2, dim), np.zeros(2))
    mean = sum(p.sum(axis=0) for p in paths) / n
    cov = np.zeros((dim, dim))
    for p in paths:
        d = p - mean
        cov += d.T @ d
    w, V = np.linalg.eigh(cov)  # ascending eigenvalues
    w = np.clip(w[::-1], 0.0, None)
    V = V[:, ::-1]
    total = float(w.sum())
    if not total > 0 or dim < 2:
        return Plane(np.asarray(origin, dtype=float), np.eye(2, dim), np.zeros(2))
    basis = V[:, :2].T.copy()
    sign = np.sign(basis[np.arange(2), np.argmax(np.abs(basis), axis=1)])
    return Plane(np.asarray(origin, dtype=float), basis * sign[:, None], w[:2] / total)


def _valid(run: Run) -> np.ndarray:
    return run.x[: max(run.last_step + 1, 0)]


def fitted_runs(result: Result) -> list[Run]:
    """The runs whose iterates define the plane: those that did not diverge (a run on
    its way to infinity would make the plane its escape route), or every run when all
    diverged."""
    kept = [r for r in result.runs if r.diverged_at is None]
    return kept or list(result.runs)


def best_point(result: Result) -> np.ndarray:
    """The recorded iterate with the lowest loss over every run and valid step."""
    best, point = np.inf, np.asarray(result.runs[0].start, dtype=float)
    for r in result.runs:
        loss = r.loss[: max(r.last_step + 1, 0)]
        if loss.size and np.isfinite(loss).any():
            k = int(np.nanargmin(np.where(np.isfinite(loss), loss, np.nan)))
            if loss[k] < best:
                best, point = float(loss[k]), r.x[k]
    return np.asarray(point, dtype=float)


def share(v: float) -> str:
    """A share of variance as the axes print it: whole percent, '<1%' and '>99%' at
    the ends, so a direction that holds something never reads 0% or 100% (within 1e-9,
    rounding's share of a sum of squares, it does)."""
    if 1e-9 < v < 0.005:
        return "<1%"
    if 0.995 <= v < 1 - 1e-9:
        return ">99%"
    v = 1.0 if v >= 1 - 1e-9 else 0.0 if v <= 1e-9 else v
    return f"{100 * v:.0f}%"


@dataclass(frozen=True)
class PathView:
    """How a result's paths land on the figure's plane.

    ``kind`` is "coords" (the first two coordinates; the whole picture up to two
    dimensions) or "pca" (``plane``: the paths' principal plane, centred at the best
    point found).  ``names`` are the problem's coordinate names
    (:meth:`~optcompare.problem.Problem.axis_names`; empty: x and y, or x0 and x1).
    """

    kind: str
    dim: int
    plane: Plane | None = None
    names: tuple[str, ...] = ()

    def xy(self, x: np.ndarray) -> np.ndarray:
        """(n, 2) figure coordinates of iterates ``x`` (n, dim)."""
        return self.plane.coords(x) if self.plane is not None else np.asarray(x)[:, :2]

    @property
    def has_contours(self) -> bool:
        """Whether f's contours can be drawn: on the plane, or when x and y are all."""
        return self.plane is not None or self.dim == 2

    def axis_labels(self) -> tuple[str, str]:
        if self.plane is not None:
            v = self.plane.variance
            return (f"PC1 ({share(v[0])} of variance)", f"PC2 ({share(v[1])} of variance)")
        default = ("x", "y") if self.dim == 2 else ("x0", "x1")
        first, second = self.names[:2] if len(self.names) >= 2 else default
        if self.dim == 2:
            return first, second
        return f"{first} (first coordinate)", f"{second} (second coordinate)"

    def subtitle(self) -> str | None:
        """The title's second line: what the plane is (None for a 2-D problem).  Short
        words, so that the title keeps two lines in the talk style, beside a legend."""
        if self.plane is not None:
            total = share(float(self.plane.variance.sum()))
            return f"the {self.dim}-D paths' principal plane ({total} of variance)"
        if self.dim > 2:
            return f"first two of {self.dim} coordinates (projection)"
        return None

    def origin_note(self, problem: Problem) -> str | None:
        """What (0, 0) of the PCA plane is: the best point found, with its loss."""
        if self.plane is None:
            return None
        with np.errstate(all="ignore"):
            f = float(np.asarray(problem.f(self.plane.origin[None, :]), dtype=float)[0])
        return f"(0, 0): the best point found (loss {f:.4g})"

    def window(self, result: Result) -> Window | None:
        """The projected paths' box with a margin (None in the coords view, whose window
        is the problem's)."""
        if self.plane is None:
            return None
        pts = [self.xy(_valid(r)) for r in fitted_runs(result)]
        pts = [p[np.all(np.isfinite(p), axis=1)] for p in pts]
        both = np.concatenate([np.zeros((1, 2)), *pts])
        lo, hi = both.min(axis=0), both.max(axis=0)
        extent = hi - lo
        # a path along a line (or no path) still gets a window of some height
        pad = PAD * np.maximum(extent, 0.05 * (extent.max() if extent.max() > 0 else 10.0))
        return (
            (float(lo[0] - pad[0]), float(hi[0] + pad[0])),
            (float(lo[1] - pad[1]), float(hi[1] + pad[1])),
        )

    def values(self, problem: Problem, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        """f on the grid ``gx`` x ``gy`` of the figure's plane, shape (len(gy), len(gx)),
        evaluated in chunks of rows (a data problem's point costs samples x parameters)."""
        XX, YY = np.meshgrid(gx, gy)
        a, b = XX.ravel(), YY.ravel()
        out = np.empty(a.size)
        step = max(1, int(CHUNK_WORK // max(problem.evaluation_cost(), 1)))
        with np.errstate(all="ignore"):
            for i in range(0, a.size, step):
                if self.plane is None:
                    P = np.column_stack([a[i : i + step], b[i : i + step]])
                else:
                    P = self.plane.points(a[i : i + step], b[i : i + step])
                out[i : i + step] = np.asarray(problem.f(P), dtype=float)
        return out.reshape(len(gy), len(gx))

    def minima(
        self, problem: Problem, window: Window
    ) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, float]]]:
        """The listed minima to draw, as (kind, xy), and those off the plane, as (kind,
        distance): a minimum is on it within :data:`ON_PLANE` of the window's larger side."""
        shown: list[tuple[str, np.ndarray]] = []
        off: list[tuple[str, float]] = []
        M = problem.minima()
        if not M:
            return shown, off
        X = np.array([m.x for m in M], dtype=float)
        if self.plane is None:
            return [(m.kind, X[k, :2]) for k, m in enumerate(M)], off
        xy, far = self.plane.coords(X), self.plane.distance(X)
        side = max(window[0][1] - window[0][0], window[1][1] - window[1][0])
        for k, m in enumerate(M):
            if far[k] <= ON_PLANE * side:
                shown.append((m.kind, xy[k]))
            else:
                off.append((m.kind, float(far[k])))
        return shown, off


def contour_grid(problem: Problem, grid: int, view: PathView) -> int:
    """Grid points per axis for the plane's contours: ``grid``, fewer when the problem's
    evaluations would pass :data:`CONTOUR_WORK` (at least :data:`MIN_CONTOUR_GRID`)."""
    if view.plane is None:
        return grid
    fits = int(np.sqrt(CONTOUR_WORK / max(problem.evaluation_cost(), 1)))
    return max(min(grid, fits), min(grid, MIN_CONTOUR_GRID))


def make_view(result: Result, kind: str | None = None) -> PathView:
    """The view of ``result``'s paths: ``kind`` ("pca" or "coords"), by default the one
    the result was run with (:attr:`Result.path_view`).  "pca" at two dimensions or
    fewer is the coords view (the plane would only turn the picture)."""
    kind = result.path_view if kind is None else kind
    if kind not in ("pca", "coords"):
        raise ValueError(f"unknown path view '{kind}'; choose pca or coords")
    dim, names = result.problem.dim, result.problem.axis_names()
    if kind == "coords" or dim <= 2 or not result.runs:
        return PathView("coords", dim, names=names)
    plane = principal_plane((_valid(r) for r in fitted_runs(result)), best_point(result))
    return PathView("pca", dim, plane, names)


def contour_levels(Z: np.ndarray, bounded: bool, n: int = 18) -> np.ndarray | None:
    """Contour levels for the finite values of Z, or None when Z is flat.

    Log-spaced in f - min(f) when the problem is bounded below and the values
    span many decades (so narrow valleys such as Rosenbrock's show); linear
    otherwise (saddles, small ranges).
    """
    z = Z[np.isfinite(Z)]
    if z.size == 0:
        return None
    lo, hi = float(z.min()), float(z.max())
    span = hi - lo
    # matplotlib's level arithmetic overflows (with a warning) for values near 1e308
    if not span > 0 or max(abs(lo), abs(hi)) > 1e300:
        return None
    d = z - lo
    d = d[d > 0]
    floor = max(float(np.percentile(d, 0.5)), span * 1e-6) if d.size else span
    if bounded and span / floor > 100.0:
        levels = lo + np.logspace(np.log10(floor), np.log10(span), n)
        levels = np.concatenate([[lo], levels])
    else:
        levels = np.linspace(lo, hi, n + 1)
    levels[0], levels[-1] = lo, hi
    return np.unique(levels)


def draw_contours(
    ax: Axes,
    result: Result,
    window: Window,
    grid: int,
    view: PathView | None = None,
    cover: Window | None = None,
) -> None:
    """f's filled contours over ``window`` of the view's plane (default: the first two
    coordinates of a 2-D problem), on a grid of ``grid`` points per axis
    (:func:`contour_grid`: fewer for costly problems on the PCA plane).

    With ``cover`` (a window holding ``window``), the grid spans ``cover`` at the same
    spacing, so a view grown later still has contours; the levels are still those of
    the values in ``window`` (its outermost bands take in the values beyond).
    """
    from matplotlib import colormaps

    problem = result.problem
    view = PathView("coords", problem.dim) if view is None else view
    grid = contour_grid(problem, grid, view)
    span = cover if cover is not None else window
    counts = [
        max(grid, round(grid * (hi - lo) / (w_hi - w_lo)))
        for (lo, hi), (w_lo, w_hi) in zip(span, window, strict=True)
    ]
    if view.plane is not None:  # the work cap holds for the whole, wider grid
        k = np.sqrt(CONTOUR_WORK / max(problem.evaluation_cost(), 1) / (counts[0] * counts[1]))
        counts = [max(min(c, MIN_CONTOUR_GRID), int(c * min(k, 1.0))) for c in counts]
    gx, gy = (np.linspace(lo, hi, n) for (lo, hi), n in zip(span, counts, strict=True))
    Z = view.values(problem, gx, gy)
    inside = np.ix_(
        (gy >= window[1][0]) & (gy <= window[1][1]), (gx >= window[0][0]) & (gx <= window[0][1])
    )
    levels = contour_levels(Z[inside], bounded=problem.f_star is not None)
    if levels is None or levels.size < 2:
        return
    # beyond the view, values past its levels take the outermost bands' shades
    Z = np.clip(Z, levels[0], levels[-1])
    XX, YY = np.meshgrid(gx, gy)
    # pale greys, white in the valleys, so coloured paths stay the strongest ink
    shades = colormaps["Greys"](np.linspace(0.0, 0.5, levels.size - 1))
    Zm = np.ma.masked_invalid(Z)
    ax.contourf(XX, YY, Zm, levels=levels, colors=shades, zorder=0)
    ax.contour(XX, YY, Zm, levels=levels, colors="0.45", linewidths=0.5, alpha=0.6, zorder=1)
