"""What the step slider's path panel draws behind and above the paths: contours and markers.

The contours are those of the folder's ``path.png``: f on a :data:`GRID` x
:data:`GRID` grid over the panel's window, at the levels of
:func:`optcompare.plotting.projection.contour_levels`, as filled grey bands with
thin grey lines.  They are computed here, when the page is built, and embedded
as SVG path data in units of the drawing, rounded to :data:`RESOLUTION` and
thinned where a line is straight to within that, so they cost the page tens of
kilobytes rather than the grid's hundreds.

The problem is rebuilt from ``summary.json`` only when doing so runs none of the
folder's or the user's code: a problem of optcompare's catalog, or an ``expr:``
formula (parsed by :mod:`optcompare.formula`, never executed as Python).  A
problem that came from a problem file gets no contours and a note that says why.
The markers (each path's start, the known minima) need no problem: they come
from trajectory.csv and summary.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import numpy as np

from optcompare.errors import SpecError
from optcompare.plotting.projection import PathView, contour_levels
from optcompare.plotting.style import LOCAL_MINIMUM_STYLE, MINIMUM_STYLE
from optcompare.problem import PROBLEMS, Minimum, Problem, load_catalog, make_problem
from optcompare.specs import parse_spec

#: Grid points per axis: ``plot_path``'s default, so the levels are path.png's.
GRID = 200
#: Coordinates are rounded to this many SVG units (a tenth of a unit is about a tenth
#: of a screen pixel at the size the page shows the drawing).
RESOLUTION = 0.1
#: Where the catalog lives: problems whose class comes from elsewhere came from a file.
CATALOG = "optcompare.problems."
#: A problem multiplied by a positive constant, as a lesson records it: "0.001 * quadratic".
SCALED = re.compile(r"\s*(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*\*\s*(\S.*)")
#: Line colour and opacity of path.png's contour lines (``colors="0.45"``, alpha 0.6).
LINE = 'stroke="#737373" stroke-opacity="0.6" stroke-width="1.2"'
#: Marker sizes in SVG units, about path.png's in talk style relative to its axes (the
#: slider's page is what a class sees projected).
START_RADIUS, STAR_RADIUS, DIAMOND_RADIUS = 10.0, 17.0, 12.0


@dataclass(frozen=True)
class Panel:
    """Where the path panel draws: ``window`` ((x lo, x hi), (y lo, y hi)) onto the
    rectangle at (``left``, ``top``) of ``width`` by ``height`` SVG units, y upwards."""

    window: tuple[tuple[float, float], tuple[float, float]]
    left: float
    top: float
    width: float
    height: float

    def svg(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) SVG coordinates of data points ``xy`` (n, 2)."""
        (xlo, xhi), (ylo, yhi) = self.window
        xy = np.asarray(xy, dtype=float)
        return np.column_stack(
            [
                self.left + (xy[:, 0] - xlo) / (xhi - xlo) * self.width,
                self.top + (yhi - xy[:, 1]) / (yhi - ylo) * self.height,
            ]
        )


class _Scaled(Problem):
    """``scale`` times a problem: the spec ``"<scale> * <spec>"`` that a lesson's scaled
    problem records (the gradient-scale lesson's), drawn here with its own values."""

    def __init__(self, base: Problem, scale: float) -> None:
        super().__init__()
        self.base, self.scale = base, scale
        self.dim, self.name = base.dim, base.name
        self.coordinate_names = base.coordinate_names

    def f(self, X: np.ndarray) -> np.ndarray:
        return self.scale * self.base.f(X)

    def minima(self) -> tuple[Minimum, ...]:
        return tuple(Minimum(m.x, self.scale * m.f, m.kind) for m in self.base.minima())


def rebuild(summary: dict[str, Any]) -> tuple[Problem | None, str | None]:
    """The folder's problem, rebuilt from summary.json's spec when that runs nothing of
    the user's, or None and why not (a sentence for the page)."""
    entry = summary.get("problem")
    spec = entry.get("spec") if isinstance(entry, dict) else None
    if not isinstance(spec, str) or not spec.strip():
        return None, "No contours: summary.json names no problem to draw them from."
    scaled = SCALED.match(spec)
    if scaled and float(scaled.group(1)) > 0:
        base, why = rebuild({"problem": {"spec": scaled.group(2)}})
        return (_Scaled(base, float(scaled.group(1))) if base else None), why
    name = spec.strip()
    try:
        if name[:5].lower() != "expr:":
            name = parse_spec(name, "problem").name
            load_catalog()
            if name not in PROBLEMS or not PROBLEMS.get(name).__module__.startswith(CATALOG):
                return None, (
                    f"No contours: the problem '{name}' is not in optcompare's catalog (it "
                    "came from a problem file), and a report never runs a problem file to "
                    "rebuild it."
                )
        problem = make_problem(spec)
    except SpecError as exc:
        return None, f"No contours: the problem '{name}' could not be rebuilt ({exc})."
    if problem.dim != 2:
        return None, None
    return problem, None


def _simplify(P: np.ndarray, tol: float) -> np.ndarray:
    """The vertices of polyline ``P`` that Douglas-Peucker keeps at tolerance ``tol``
    (the others lie within ``tol`` of the line drawn without them)."""
    keep = np.zeros(len(P), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(P) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        d, seg = P[b] - P[a], P[a + 1 : b] - P[a]
        chord = float(np.hypot(*d))
        if chord > 0:
            dist = np.abs(d[0] * seg[:, 1] - d[1] * seg[:, 0]) / chord
        else:
            dist = np.hypot(seg[:, 0], seg[:, 1])
        i = int(np.argmax(dist))
        if dist[i] > tol:
            stack += [(a, a + 1 + i), (a + 1 + i, b)]
            keep[a + 1 + i] = True
    return P[keep]


def _tenths(t: int) -> str:
    """An integer count of tenths as SVG's shortest number text (15 -> 1.5, -5 -> -.5)."""
    whole, tenth = divmod(abs(t), 10)
    text = (str(whole) if whole else "") + (f".{tenth}" if tenth else "")
    return ("-" if t < 0 else "") + (text or "0")


def path_data(pieces: list[np.ndarray]) -> str:
    """SVG path data for polylines given in SVG units: an absolute move to each start,
    then relative lines, at :data:`RESOLUTION`."""
    out = []
    for P in pieces:
        P = P[np.all(np.isfinite(P), axis=1)]
        if len(P) < 2:
            continue
        q = np.round(_simplify(P, RESOLUTION) / RESOLUTION).astype(int)
        steps = np.diff(q, axis=0)
        steps = steps[np.any(steps != 0, axis=1)]
        if not len(steps):
            continue
        text = f"M{_tenths(q[0, 0])} {_tenths(q[0, 1])}l"
        for k, v in enumerate(steps.ravel().tolist()):
            word = _tenths(v)
            text += word if k == 0 or word[0] == "-" else " " + word
        out.append(text)
    return "".join(out)


def contours_svg(problem: Problem, panel: Panel) -> tuple[str, int]:
    """Filled grey bands and grey lines of f over the panel (path.png's levels and
    greys), and the number of levels; ("", 0) when f is flat or not finite there."""
    import contourpy
    from matplotlib import colormaps

    gx = np.linspace(*panel.window[0], GRID)
    gy = np.linspace(*panel.window[1], GRID)
    Z = PathView("coords", 2).values(problem, gx, gy)
    levels = contour_levels(Z, bounded=problem.f_star is not None)
    if levels is None or levels.size < 2:
        return "", 0
    gen = contourpy.contour_generator(
        gx,
        gy,
        np.ma.masked_invalid(Z),
        line_type=contourpy.LineType.Separate,
        fill_type=contourpy.FillType.OuterOffset,
    )
    shades = colormaps["Greys"](np.linspace(0.0, 0.5, levels.size - 1))
    bands, lines = [], []
    # painted from the lowest band up, each over the region where f is at least its
    # level, so every point shows the shade of its band (as contourf does)
    for k, level in enumerate(levels[:-1]):
        rgb = "#" + "".join(f"{round(255 * c):02x}" for c in shades[k][:3])
        if rgb == "#ffffff":  # the page's own background
            continue
        points, offsets = cast(
            tuple[list[np.ndarray], list[np.ndarray]], gen.filled(float(level), np.inf)
        )
        rings = [
            P[a:b]
            for P, o in zip(points, offsets, strict=True)
            for a, b in zip(o[:-1], o[1:], strict=True)
        ]
        d = path_data([panel.svg(r) for r in rings])
        if d:
            bands.append(
                f'<path class="scrub-band" data-level="{float(level)!r}" fill="{rgb}" '
                f'fill-rule="evenodd" d="{d}"></path>'
            )
    for level in levels:
        d = path_data([panel.svg(P) for P in cast(list[np.ndarray], gen.lines(float(level)))])
        if d:
            lines.append(
                f'<path class="scrub-contour" data-level="{float(level)!r}" fill="none" '
                f'{LINE} d="{d}"></path>'
            )
    return "".join(bands) + "".join(lines), int(levels.size)


def _star(cx: float, cy: float, r: float, inner: float = 0.381966) -> str:
    """A five-pointed star's points, one point up (matplotlib's "*" proportions)."""
    angles = np.pi / 2 + np.arange(10) * np.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, r, r * inner)
    return " ".join(
        f"{cx + q * np.cos(a):.1f},{cy - q * np.sin(a):.1f}"
        for a, q in zip(angles, radii, strict=True)
    )


def listed_minima(summary: dict[str, Any]) -> list[tuple[str, np.ndarray]]:
    """summary.json's minima as (kind, first two coordinates), those with numbers only."""
    entry = summary.get("problem")
    out = []
    for m in (entry.get("minima") if isinstance(entry, dict) else None) or []:
        x = m.get("x") if isinstance(m, dict) else None
        if isinstance(x, list) and len(x) >= 2:
            try:
                xy = np.array(x[:2], dtype=float)
            except (TypeError, ValueError):
                continue
            if np.all(np.isfinite(xy)):
                out.append(("local" if m.get("kind") == "local" else "global", xy))
    return out


def _shape(kind: str, cx: float, cy: float) -> str:
    """A marker's element without class or data: kind "start", "global" or "local"."""
    if kind == "start":
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{START_RADIUS}" fill="#ffffff" '
            'stroke="#000000" stroke-width="2"></circle>'
        )
    style = LOCAL_MINIMUM_STYLE if kind == "local" else MINIMUM_STYLE
    if kind == "local":
        r = DIAMOND_RADIUS
        corners = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
    else:
        points = _star(cx, cy, STAR_RADIUS)
    return (
        f'<polygon points="{points}" fill="{style["c"]}" stroke="{style["edgecolors"]}" '
        f'stroke-width="{style["linewidths"]}" stroke-linejoin="round"></polygon>'
    )


def _tagged(shape: str, css: str, kind: str, xy: np.ndarray) -> str:
    """``shape`` with a class and the data point it marks (for tests and readers)."""
    tag, rest = shape.split(" ", 1)
    return (
        f'{tag} class="{css}" data-kind="{escape(kind)}" data-x="{float(xy[0])!r}" '
        f'data-y="{float(xy[1])!r}" {rest}'
    )


def starts_svg(panel: Panel, starts: list[np.ndarray]) -> str:
    """A white circle with a black edge at each distinct start (path.png's start marker)."""
    seen: set[tuple[float, float]] = set()
    out = []
    for xy in starts:
        key = (float(xy[0]), float(xy[1]))
        if key in seen or not np.all(np.isfinite(xy)):
            continue
        seen.add(key)
        ((cx, cy),) = panel.svg(np.array([xy]))
        out.append(_tagged(_shape("start", cx, cy), "scrub-start", "start", xy))
    return "".join(out)


def minima_svg(panel: Panel, minima: list[tuple[str, np.ndarray]]) -> str:
    """The minima inside the panel's window in path.png's styles: a star for a global
    one, a diamond for a local one."""
    (xlo, xhi), (ylo, yhi) = panel.window
    out = []
    for kind, xy in minima:
        if xlo <= xy[0] <= xhi and ylo <= xy[1] <= yhi:
            ((cx, cy),) = panel.svg(np.array([xy]))
            out.append(_tagged(_shape(kind, cx, cy), "scrub-minimum", kind, xy))
    return "".join(out)


def legend_items(starts: bool, kinds: set[str]) -> str:
    """The legend's entries for the markers drawn: start, minimum, local minimum."""
    names = [("start", "start")] if starts else []
    names += [(k, n) for k, n in (("global", "minimum"), ("local", "local minimum")) if k in kinds]
    return "".join(
        f'<li><svg width="26" height="26" viewBox="0 0 40 40" aria-hidden="true">'
        f"{_shape(kind, 20.0, 20.0)}</svg> {name}</li>"
        for kind, name in names
    )
