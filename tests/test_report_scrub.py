"""The step slider's path panel: contours on f's level sets, start and minimum markers, and
no code run to rebuild a problem that came from a file."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pytest

from optcompare.plotting.projection import contour_levels
from optcompare.problem import make_problem, problem_names
from optcompare.report import build_report

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
GRID = 200  # the contour grid of path.png (plot_path's default)


def _two_d_catalog() -> list[str]:
    return [n for n in problem_names() if make_problem(n).dim == 2]


def _element(page: str, tag: str, css: str) -> list[dict[str, str]]:
    """The attributes of every ``<tag class="css" ...>`` of the page."""
    out = []
    for m in re.finditer(rf"<{tag} ([^>]*)>", page):
        attrs = {k: unescape(v) for k, v in re.findall(r'([\w:-]+)="([^"]*)"', m.group(1))}
        if attrs.get("class") == css:
            out.append(attrs)
    return out


def _panel(page: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left, top), (width, height) of the path drawing, and its window (2, 2)."""
    (svg,) = _element(page, "svg", "scrub-paths")
    (section,) = [a for a in _element(page, "section", "scrub")]
    window = np.array(json.loads(section["data-scrub"])["window"], dtype=float)
    corner = np.array([float(svg["data-left"]), float(svg["data-top"])])
    size = np.array([float(svg["data-width"]), float(svg["data-height"])])
    return corner, size, window


def _to_data(page: str, P: np.ndarray) -> np.ndarray:
    corner, size, w = _panel(page)
    u = (P - corner) / size
    return np.column_stack(
        [w[0, 0] + u[:, 0] * (w[0, 1] - w[0, 0]), w[1, 1] - u[:, 1] * (w[1, 1] - w[1, 0])]
    )


def _vertices(d: str) -> list[np.ndarray]:
    """The points of SVG path data made of "M x y" then relative "l dx dy ..." runs."""
    out = []
    for piece in d.split("M")[1:]:
        head, _, rest = piece.partition("l")
        start = np.array([float(v) for v in NUMBER.findall(head)])
        steps = np.array([float(v) for v in NUMBER.findall(rest)]).reshape(-1, 2)
        out.append(np.vstack([start, start + np.cumsum(steps, axis=0)]))
    return out


def _run(cli, problem: str, *more: str) -> Path:
    code, _, err = cli(
        "run",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        problem,
        "--steps",
        "30",
        "--out",
        "r",
        "--no-plot",
        "-q",
        *more,
    )
    assert code == 0, err
    return Path("r").resolve()


def _brackets(problem, page: str, P: np.ndarray, level: float) -> np.ndarray:
    """Whether f takes values on both sides of ``level`` at the contour grid's nodes
    around each point of P (SVG units): where the drawn line crosses a cell's edge, f at
    that edge's two nodes brackets the level; the 4 x 4 nodes around the point hold
    them, with room for the rounding to have moved it into the next cell."""
    _, _, w = _panel(page)
    cell = (w[:, 1] - w[:, 0]) / (GRID - 1)
    X = _to_data(page, P)
    base = np.floor((X - w[:, 0]) / cell).astype(int)  # the cell's lower-left node
    near = np.arange(-1, 3)
    index = np.clip(base[:, None, :] + np.stack([near, near], axis=1)[None], 0, GRID - 1)
    gx = w[0, 0] + index[:, :, 0] * cell[0]  # (n, 4) node x per point
    gy = w[1, 0] + index[:, :, 1] * cell[1]
    nodes = np.stack(np.broadcast_arrays(gx[:, :, None], gy[:, None, :]), axis=-1)
    F = problem.f(nodes.reshape(-1, 2)).reshape(len(X), -1)
    return (F.min(axis=1) <= level) & (level <= F.max(axis=1))


@pytest.mark.parametrize("spec", [*_two_d_catalog(), "expr:(x - 1)**2 + 3*y**2 + x*y"])
def test_the_contours_lie_on_the_level_sets_of_f(cli, spec):
    page = build_report(_run(cli, spec))
    problem = make_problem(spec)
    lines = _element(page, "path", "scrub-contour")
    bands = _element(page, "path", "scrub-band")
    assert len(lines) >= 5, "no contours drawn"
    levels = sorted(float(a["data-level"]) for a in lines)
    corner, size, _ = _panel(page)
    checked = wrong = 0
    for kind, elements in (("line", lines), ("band", bands)):
        for a in elements:
            level = float(a["data-level"])
            for P in _vertices(a["d"]):
                if kind == "band":
                    # a band's edge is its level's line, except where it follows the frame
                    inside = np.all((corner + 1 < P) & (corner + size - 1 > P), axis=1)
                    P = P[inside]
                if not len(P):
                    continue
                on = _brackets(problem, page, P, level)
                assert on.all(), (kind, level, _to_data(page, P[~on])[:3])
                checked += len(P)
                # the check can fail: a level half the list away is not where these are
                other = levels[(levels.index(level) + len(levels) // 2) % len(levels)]
                wrong += int(_brackets(problem, page, P, other).sum())
    assert checked > 200
    assert wrong < 0.5 * checked
    # path.png's rule for levels (one rule for both), on the drawing's window
    _, _, w = _panel(page)
    gx, gy = np.linspace(*w[0], GRID), np.linspace(*w[1], GRID)
    Z = problem.f(np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)).reshape(GRID, GRID)
    rule = contour_levels(Z, bounded=problem.f_star is not None)
    assert set(levels) <= set(rule.tolist())
    assert f"Grey contours: f at {len(rule)} levels, those of path.png" in page


@pytest.mark.parametrize(
    "problem, start",
    [
        ("rosenbrock", None),
        ("himmelblau", None),
        ("six-hump-camel", None),
        ("rosenbrock", "-3.5,4.5"),
    ],
)
def test_the_start_and_the_minima_are_marked_where_they_are(cli, problem, start):
    more = ["--opt", "sgd:lr=0.001", "--seeds", "3", "--jitter", "0.1"]
    folder = _run(cli, problem, *more, *(["--start", start] if start else []))
    page = build_report(folder)
    corner, size, w = _panel(page)
    summary = json.loads((folder / "summary.json").read_text())
    medians = {(a["label"], a["median_run_seed"]) for a in summary["aggregates"]}
    with open(folder / "trajectory.csv", newline="") as fh:
        first = {
            (float(r["x0"]), float(r["x1"]))
            for r in csv.DictReader(fh)
            if r["step"] == "0" and (r["label"], int(r["seed"])) in medians
        }
    starts = _element(page, "circle", "scrub-start")
    assert {(float(a["data-x"]), float(a["data-y"])) for a in starts} == first
    for a in starts:
        xy = np.array([[float(a["cx"]), float(a["cy"])]])
        assert np.allclose(
            _to_data(page, xy),
            [[float(a["data-x"]), float(a["data-y"])]],
            atol=0.06 * (w[:, 1] - w[:, 0]) / size,
        )
        # inside the drawing, even when the start lies outside the problem's window
        assert np.all((xy > corner) & (xy < corner + size))
    shown = {
        (m.kind, float(m.x[0]), float(m.x[1]))
        for m in make_problem(problem).minima()
        if w[0, 0] <= m.x[0] <= w[0, 1] and w[1, 0] <= m.x[1] <= w[1, 1]
    }
    marks = _element(page, "polygon", "scrub-minimum")
    assert {(a["data-kind"], float(a["data-x"]), float(a["data-y"])) for a in marks} == shown
    for a in marks:
        pts = np.array([float(v) for v in NUMBER.findall(a["points"])]).reshape(-1, 2)
        centre = _to_data(page, pts.mean(axis=0, keepdims=True))[0]
        assert np.allclose(
            centre,
            [float(a["data-x"]), float(a["data-y"])],
            atol=float(np.max((w[:, 1] - w[:, 0]) / size)),
        )
        assert len(pts) == (4 if a["data-kind"] == "local" else 10)  # diamond, star
    legend = re.search(r'<ul class="scrub-legend">(.*?)</ul>', page, re.S).group(1)
    assert "start</li>" in legend and " minimum</li>" in legend
    assert ("local minimum</li>" in legend) == any(k == "local" for k, *_ in shown)


def test_equal_scales_when_the_window_is_wide(cli):
    page = build_report(_run(cli, "expr:x**2 + y**2;window=-10:10,-0.5:0.5"))
    _, size, w = _panel(page)
    # one unit of x is as long as one of y in the drawing
    assert np.isclose(size[0] / (w[0, 1] - w[0, 0]), size[1] / (w[1, 1] - w[1, 0]))


def test_a_run_above_two_dimensions_has_no_path_panel(cli):
    page = build_report(_run(cli, "rosenbrock:dim=3"))
    assert 'class="scrub-paths"' not in page and "scrub-contour" not in page
    assert 'class="scrub-loss"' in page and "No contours" not in page


# A problem file that leaves a mark each time it is imported.
BOWL = (
    "import pathlib\n"
    "mark = pathlib.Path(__file__).resolve().parent.parent / 'MARKER'\n"
    "mark.write_text(mark.read_text() + 'ran\\n' if mark.exists() else 'ran\\n')\n"
    "from optcompare.problem import Minimum, Problem, register_problem\n\n"
    "@register_problem\n"
    "class Bowl(Problem):\n"
    "    name = 'my-bowl'\n"
    "    default_start = (2.0, 2.0)\n"
    "    default_window = ((-3.0, 3.0), (-3.0, 3.0))\n"
    "    known_minima = (Minimum((1.0, 0.0), 0.0),)\n"
    "    def f(self, X):\n        return (X[:, 0] - 1) ** 2 + X[:, 1] ** 2\n"
    "    def grad(self, X):\n        return 2 * (X - [1.0, 0.0])\n"
)


def _optcompare(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, as a user types it."""
    script = Path(sys.executable).with_name("optcompare")
    command = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-I", "-c", "from optcompare.cli import main; main()"]
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "OPTCOMPARE_DEBUG")}
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_a_problem_from_a_file_gets_no_contours_and_its_file_is_not_run(tmp_path):
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "bowl.py").write_text(BOWL)
    run = ["run", "--opt", "adam", "--steps", "20", "--no-plot", "--problem", "my-bowl"]
    done = _optcompare(tmp_path, *run, "--out", "r", "--problems-dir", "problems", "--report")
    assert done.returncode == 0, done.stderr
    # the user named the folder, so its file ran: once, for the run and its report
    assert (tmp_path / "MARKER").read_text() == "ran\n"
    # again with ./problems found but not named, and the page built in this process
    done = _optcompare(tmp_path, "report", "r")
    assert done.returncode == 0, done.stderr
    pages = [(tmp_path / "r" / "report.html").read_text(), build_report(tmp_path / "r")]
    assert (tmp_path / "MARKER").read_text() == "ran\n"
    for page in pages:
        assert "scrub-contour" not in page and "scrub-band" not in page
        assert "No contours: the problem &#x27;my-bowl&#x27; is not in optcompare" in page
        # the markers need no problem: trajectory.csv and summary.json hold them
        (start,) = _element(page, "circle", "scrub-start")
        assert (float(start["data-x"]), float(start["data-y"])) == (2.0, 2.0)
        (minimum,) = _element(page, "polygon", "scrub-minimum")
        assert (float(minimum["data-x"]), float(minimum["data-y"])) == (1.0, 0.0)


def test_a_problem_from_a_data_file_gets_the_note_too(tmp_path):
    (tmp_path / "problems").mkdir()
    banana = {"formula": "(1 - x)**2 + 100*(y - x**2)**2", "minima": [[1, 1]]}
    (tmp_path / "problems" / "banana.json").write_text(json.dumps(banana))
    run = ["run", "--opt", "adam", "--steps", "20", "--no-plot", "--problem", "banana"]
    assert _optcompare(tmp_path, *run, "--out", "r").returncode == 0
    page = build_report(tmp_path / "r")
    assert "scrub-contour" not in page and "No contours: the problem &#x27;banana&#x27;" in page


@pytest.mark.parametrize("spec", ["rosenbrock", "rnn-cliff"])
def test_the_path_axes_are_named_as_in_path_png(cli, spec):
    page = build_report(_run(cli, spec))
    svg = re.search(r'<svg class="scrub-paths".*?</svg>', page, re.S).group(0)
    texts = [unescape(t) for t in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]
    x, y = make_problem(spec).axis_names()
    assert x in texts and y in texts and "x0" not in texts


@pytest.mark.parametrize("scale", [1000.0, 1e-8])
def test_a_scaled_problem_gets_the_contours_of_its_own_values(cli, scale):
    """The gradient-scale lesson records "<scale> * <spec>": drawn as scale times f."""
    folder = _run(cli, "rosenbrock")
    path = folder / "summary.json"
    doc = json.loads(path.read_text())
    doc["problem"]["spec"] = f"{scale:g} * rosenbrock"
    path.write_text(json.dumps(doc))
    page = build_report(folder)
    assert "No contours" not in page
    problem = make_problem("rosenbrock")
    lines = _element(page, "path", "scrub-contour")
    assert len(lines) >= 5
    for a in lines:
        P = np.concatenate(_vertices(a["d"]))
        # scale * f brackets the level around each vertex, as f does its own
        assert _brackets(problem, page, P, float(a["data-level"]) / scale).mean() > 0.99


@pytest.mark.parametrize("problem", ["mccormick", "rosenbrock"])
def test_the_loss_panel_draws_what_loss_png_draws(cli, problem):
    # mccormick's f* is -1.913...: its raw loss is negative near the minimum and has
    # no log axis; loss - f* has one, as on loss.png
    folder = _run(cli, problem, "--steps", "400")  # Adam's loss falls over decades
    page = build_report(folder)
    (section,) = _element(page, "section", "scrub")
    data = json.loads(section["data-scrub"])
    f_star = make_problem(problem).f_star
    with (folder / "trajectory.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh)]
    (series,) = data["series"]
    at = {int(r["step"]): float(r["loss"]) for r in rows}
    assert series["loss"] == [max(at[k] - f_star, 1e-16) for k in series["step"]]
    assert data["log"] is True
    assert "loss - f* (log)" in page


def _diverging(cli, steps: int = 200) -> Path:
    """The reviewer's run: plain SGD at lr 0.01 runs away on rosenbrock, Adam does not."""
    code, _, err = cli(
        "run",
        *("--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.05", "--problem", "rosenbrock"),
        *(
            "--seeds",
            "5",
            "--jitter",
            "0.1",
            "--steps",
            str(steps),
            "--out",
            "r",
            "--no-plot",
            "-q",
        ),
    )
    assert code == 0, err
    return Path("r").resolve()


def test_a_diverged_median_run_is_marked_where_it_left_the_view(cli):
    folder = _diverging(cli)
    page = build_report(folder)
    summary = json.loads((folder / "summary.json").read_text())
    (section,) = _element(page, "section", "scrub")
    data = json.loads(section["data-scrub"])
    sgd, adam = data["series"]
    (agg,) = [a for a in summary["aggregates"] if a["label"] == "sgd lr=0.01"]
    (doc,) = [
        r
        for r in summary["runs"]
        if r["label"] == agg["label"] and r["seed"] == agg["median_run_seed"]
    ]
    assert agg["diverged"] == 5 and isinstance(doc["diverged"], int)
    assert sgd["diverged"] == doc["diverged"] and adam["diverged"] is None and adam["gone"] is None
    # the rows stop before the divergence step
    assert sgd["step"][-1] == doc["diverged"] - 1
    # the X lies on the frame, on the drawn segment that leaves the window for good
    w = np.array(data["window"])
    P = np.column_stack([sgd["x"], sgd["y"]])
    X = np.array(sgd["gone"])
    inside = np.all((w[:, 0] <= P) & (w[:, 1] >= P), axis=1)
    assert not inside[-1], "the runaway's last point should be far outside the view"
    assert np.isclose(X, w.T).any(axis=0).any(), "the X is not on the frame"
    k = int(np.flatnonzero(inside)[-1])  # the last point in view; the line leaves after it
    a, b = P[k], P[k + 1]
    t = np.dot(X - a, b - a) / np.dot(b - a, b - a)
    assert 0 < t < 1 and np.allclose(a + t * (b - a), X)
    # the legend says where and how many, and a note why (summary.json's reason)
    legend = unescape(re.search(r'<ul class="scrub-legend">(.*?)</ul>', page, re.S).group(1))
    assert f"sgd lr=0.01 (diverged at step {doc['diverged']}; 5 of 5 runs diverged)</li>" in legend
    assert " diverged</li>" in legend and "adam lr=0.05</li>" in legend
    note = unescape(re.search(r'<p class="note scrub-diverged">(.*?)</p>', page, re.S).group(1))
    assert f"sgd lr=0.01 (seed {doc['seed']}) diverged at step {doc['diverged']}: " in note
    assert doc["diverged_reason"] in note


def test_a_runaway_loss_does_not_set_the_loss_panel_s_top(cli):
    folder = _diverging(cli)
    data = json.loads(_element(build_report(folder), "section", "scrub")[0]["data-scrub"])
    sgd, adam = data["series"]
    runaway = max(v for v in sgd["loss"] if v is not None)
    assert data["log"] and runaway > 1e8
    # loss.png's rule: ten times the highest loss of the runs that did not diverge and of
    # every start, on a log axis
    top = 10 * max(max(v for v in adam["loss"] if v is not None), sgd["loss"][0])
    assert data["loss_hi"] == pytest.approx(top) and data["loss_hi"] < runaway / 1e5
    assert data["loss_lo"] <= min(v for v in adam["loss"] if v is not None)


def _ticks(page: str, panel: str, axis: str) -> list[float]:
    svg = re.search(rf'<svg class="{panel}".*?</svg>', page, re.S).group(0)
    return [
        float(a["data-value"])
        for a in _element(svg, "text", "scrub-tick")
        if a["data-axis"] == axis
    ]


def test_a_log_loss_axis_has_a_labelled_tick_and_a_grid_line_at_each_decade(cli):
    page = build_report(_diverging(cli, 1000))  # Adam's loss falls over five decades
    data = json.loads(_element(page, "section", "scrub")[0]["data-scrub"])
    lo, hi = data["loss_lo"], data["loss_hi"]
    assert data["log"] and hi / lo > 1e3
    decades = [10.0**k for k in range(-20, 20) if lo <= 10.0**k <= hi]
    assert _ticks(page, "scrub-loss", "y") == pytest.approx(decades, rel=1e-12)
    svg = re.search(r'<svg class="scrub-loss".*?</svg>', page, re.S).group(0)
    horizontal = [a for a in _element(svg, "line", "scrub-grid") if a["y1"] == a["y2"]]
    assert len(horizontal) == len(decades)
    # each label is 10 raised to its exponent
    labels = re.findall(r'<text class="scrub-tick" data-axis="y"[^>]*>(.*?)</text>', svg)
    for value, label in zip(decades, labels, strict=True):
        exponent = round(np.log10(value))
        assert re.sub(r"<[^>]+>", "", label) == f"10{'−' if exponent < 0 else ''}{abs(exponent)}"


def test_linear_axes_have_a_few_round_ticks(cli):
    # a short run: its loss spans less than a decade, so a linear axis
    folder = _run(cli, "expr:(x - 1)**2 + 3*y**2 + x*y", "--steps", "7", "--start", "1.5,0.5")
    page = build_report(folder)
    data = json.loads(_element(page, "section", "scrub")[0]["data-scrub"])
    assert data["log"] is False
    w = np.array(data["window"])
    for panel, axis, (lo, hi) in (
        ("scrub-loss", "y", (data["loss_lo"], data["loss_hi"])),
        ("scrub-loss", "x", (0, data["last"])),
        ("scrub-paths", "x", w[0]),
        ("scrub-paths", "y", w[1]),
    ):
        ticks = np.array(_ticks(page, panel, axis))
        assert 3 <= len(ticks) <= 7, (panel, axis, ticks)
        assert np.all((lo <= ticks) & (ticks <= hi)), (panel, axis)
        step = np.diff(ticks)
        assert np.allclose(step, step[0]), (panel, axis)
        # 1, 2 or 5 times a power of ten apart, at multiples of the step
        mantissa = step[0] / 10 ** np.floor(np.log10(step[0]))
        assert any(np.isclose(mantissa, m) for m in (1, 2, 5)), (panel, axis, step[0])
        assert np.allclose(ticks / step[0], np.round(ticks / step[0])), (panel, axis)
        # and not so few that the span is mostly unticked
        assert (ticks[-1] - ticks[0]) >= 0.4 * (hi - lo), (panel, axis)


@pytest.mark.parametrize("lo, hi", [(1e-16, 1e3), (3e-3, 40.0), (1e-300, 1e300)])
def test_crowded_decades_keep_every_grid_line_and_label_every_kth(lo, hi):
    from optcompare.report.axes import LABEL_GAP, decade_ticks

    room, font = 380.0, 24.0
    ticks = decade_ticks(lo, hi, room, font)
    exponents = [round(np.log10(t.value)) for t in ticks]
    assert exponents == list(range(int(np.ceil(np.log10(lo))), int(np.floor(np.log10(hi))) + 1))
    labelled = [k for k, t in zip(exponents, ticks, strict=True) if t.label]
    apart = room / (np.log10(hi) - np.log10(lo))  # units per decade
    assert len(labelled) >= 2
    assert all(np.diff(labelled) * apart >= LABEL_GAP * font)
    assert np.all(np.diff(labelled) == labelled[1] - labelled[0])  # every k-th
    if apart >= LABEL_GAP * font:
        assert labelled == exponents
