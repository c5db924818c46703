"""Make the pictures in README.md from real runs (run from the repository root).

    python scripts/make_readme_figures.py

Writes docs/images/*.png at a modest size and dpi so each stays well under 300 KB.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import optcompare  # noqa: E402
from optcompare import plotting  # noqa: E402
from optcompare.plotting.restyle import apply_style  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
LIMIT = 300 * 1024


def save(fig, name: str, dpi: int = 80) -> None:
    path = OUT / name
    fig.savefig(path, dpi=dpi)
    size = path.stat().st_size
    print(f"{path.relative_to(OUT.parent.parent)}: {size / 1024:.0f} KB")
    if size >= LIMIT:
        sys.exit(f"{name} is {size / 1024:.0f} KB; keep README pictures under 300 KB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    result = optcompare.run(
        ["sgd:lr=0.002,momentum=0.9", "rmsprop", "adam:lr=0.05", "rprop"], "rosenbrock", steps=1000
    )
    save(plotting.path_figure(result), "rosenbrock_paths.png")
    save(plotting.loss_figure(result), "rosenbrock_loss.png")
    # what --style talk writes (2000 x 1125 px), here at 1067 x 600 to keep the page light
    talk = apply_style(plotting.path_figure(result), "talk")
    save(talk, "rosenbrock_paths_talk.png")
    from optcompare.lessons import get_lesson

    # the lesson whose claim surprises students most: Adam goes to the worst point
    lesson = get_lesson("adam-nonconvergence").run("png")
    save(lesson.figures["iterates"], "lesson_adam_nonconvergence.png")
    # what `optcompare live --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05
    # --problem rosenbrock --snapshot live.png` draws (1400 x 900), here at 1120 x 720
    from matplotlib.figure import Figure

    from optcompare.live import DPI, FIGSIZE

    window = optcompare.live(
        ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "rosenbrock", figure=Figure(FIGSIZE, DPI)
    )
    save(window.figure, "live_window.png")


if __name__ == "__main__":
    main()
