"""The one module that writes files: what each kind of result writes, and how, atomically.

``run_files``, ``animation_files``, ``sweep_files`` and ``basins_files`` (and
:func:`optcompare.lessons.folder.lesson_files`) give a result's
:class:`Contents`: its kind and the files its folder holds (a mapping of file
name to the function that writes it), so the commands only choose and deliver.

Everything is first written into a hidden temporary folder (``.NAME.tmp-PID-XXXXXXXX``)
next to the target.  A new folder is then renamed into place in one step, so an interrupted
run (Ctrl-C, SIGTERM, a full disk, a crash while plotting) leaves nothing half-written;
temporary folders that a killed process could not remove are removed by the next write.
Into an existing folder, files are moved one by one (each move atomic, signals held until
all are done), and only files that optcompare wrote there and nobody changed since are
replaced: the folder's manifest (``.optcompare-files``) records the kind of result and each
file's size and SHA-256, and :mod:`optcompare.manifest` decides what may be replaced.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare import interrupts, manifest
from optcompare.errors import RunError
from optcompare.manifest import MANIFEST, own_files
from optcompare.summary import trajectories
from optcompare.temporaries import temporary_folder, write_atomically

if TYPE_CHECKING:
    from matplotlib.animation import Animation
    from matplotlib.figure import Figure

    from optcompare.experiments.basins import Basins
    from optcompare.experiments.records import Result
    from optcompare.experiments.sweep import SweepResult
    from optcompare.problem import Problem

__all__ = ["MANIFEST", "Contents", "add_file", "check_target", "own_files", "write_folder"]


def slug(text: str, limit: int = 60) -> str:
    """A file-name-safe piece of text: letters, digits, dots and dashes."""
    s = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()
    return s[:limit].rstrip("-") or "run"


def default_folder(base: Path, problem: str, optimizers: Iterable[str]) -> Path:
    """``base/<YYYYmmdd-HHMMSS>-<problem>-<optimizers>``, not yet created."""
    names = "-".join(dict.fromkeys(optimizers))
    return base / f"{time.strftime('%Y%m%d-%H%M%S')}-{slug(problem, 30)}-{slug(names, 40)}"


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")


Writer = Callable[[Path], None]
#: A folder's content: file name -> the function that writes that file at a given path.
Files = dict[str, Writer]


@dataclass(frozen=True)
class Contents:
    """What one result writes into its folder.

    Attributes:
        kind: the kind of result, recorded in the folder's manifest: ``run``,
            ``sweep``, ``basins``, ``animate`` or ``lesson:NAME``.  Only the same
            kind may later replace the folder's files.
        files: file name -> the function that writes that file at a given path.
    """

    kind: str
    files: Files


def write_text(path: Path, text: str) -> None:
    path.write_text(text)


def write_chunks(path: Path, chunks: Iterable[str]) -> None:
    with path.open("w", newline="") as fh:  # in pieces, line ends as given (csv's \r\n)
        fh.writelines(chunks)


def save_figure(path: Path, fig: Figure, fmt: str) -> None:
    from optcompare.plotting.restyle import for_file  # the current style; SVG keeps its text

    with for_file(fig) as styled:
        styled.savefig(path, format=fmt)


def save_snapshot(path: Path, fig: Figure, fmt: str) -> Path:
    """A figure into a file the user named: written whole or not at all (the file keeps
    what it held if writing fails), a failure reported in one line (:class:`RunError`)."""
    return write_atomically(path, lambda tmp: save_figure(tmp, fig, fmt))


def save_animation(path: Path, anim: Animation, fps: int) -> None:
    from matplotlib.animation import FFMpegWriter

    from optcompare.plotting.gif import PaletteGifWriter  # one palette, one byte a pixel

    anim.save(path, writer=(FFMpegWriter if path.suffix == ".mp4" else PaletteGifWriter)(fps=fps))


def text_file(text: str) -> Writer:
    return lambda p: write_text(p, text)


def json_file(data: Mapping[str, Any]) -> Writer:
    return lambda p: write_json(p, data)


def csv_file(header: list[str], rows: Iterable[Iterable[Any]]) -> Writer:
    return lambda p: write_csv(p, header, rows)


def figure_file(fig: Figure | Callable[[], Figure], fmt: str) -> Writer:
    """A figure, or a function that draws it when the file is written (so drawing
    happens while the folder is written, inside whatever progress is shown)."""
    return lambda p: save_figure(p, fig() if callable(fig) else fig, fmt)


def animation_file(anim: Animation, fps: int) -> Writer:
    # an animation dropped unsaved (its folder could not be made) warns that it was
    # "deleted without rendering anything"; here that is intended, and the one-line error
    # says why. matplotlib marks the animations it saves alongside another the same way.
    anim._draw_was_started = True  # type: ignore[attr-defined]
    return lambda p: save_animation(p, anim, fps)


# -- what each kind of result writes ------------------------------------------------


def trajectory_files(result: Result, stem: str = "trajectory") -> Files:
    """``STEM.csv``, and ``STEM.npz`` with the whole record beyond the CSV's row limit."""
    plan = trajectories.csv_plan(result)
    files: Files = {
        f"{stem}.csv": lambda p: write_chunks(p, trajectories.csv_chunks(result, plan.every))
    }
    if not plan.full:  # a name ending in .npz: np.savez adds no second one
        files[f"{stem}.npz"] = lambda p: np.savez(p, **trajectories.npz_arrays(result))
    return files


def run_files(
    result: Result,
    command: str,
    fmt: str = "png",
    plot: bool = True,
    colors: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Contents]:
    """summary.json, trajectory.csv (.npz too beyond its row limit), with ``plot`` the figures."""
    from optcompare.summary import documents

    doc = documents.summary_document(result, command)
    files: Files = {**trajectory_files(result), "summary.json": json_file(doc)}
    if plot:
        from optcompare import plotting

        def drawer(kind: str) -> Callable[[], Figure]:
            return lambda: plotting.comparison_figure(result, kind, colors=colors)

        for kind in plotting.comparison_kinds(result):  # regions too, for a classifier
            files[f"{kind}.{fmt}"] = figure_file(drawer(kind), fmt)
    return doc, Contents("run", files)


def animation_files(
    result: Result, command: str, fps: int, fmt: str = "gif", **options: Any
) -> tuple[dict[str, Any], Contents]:
    """A run's data files and animation.{gif,mp4}; ``options`` go to plotting.path_animation."""
    from optcompare import plotting

    doc, data = run_files(result, command, plot=False)
    _, anim = plotting.path_animation(result, fps=fps, **options)
    return doc, Contents("animate", {**data.files, f"animation.{fmt}": animation_file(anim, fps)})


def sweep_files(
    result: SweepResult,
    command: str,
    fmt: str = "png",
    plot: bool = True,
    colors: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Contents]:
    """sweep.csv (one row per optimizer, value and seed), summary.json and the figure."""
    from optcompare.summary import csv_columns, documents

    doc = documents.sweep_document(result, command)
    files: Files = {
        "sweep.csv": lambda p: write_chunks(p, csv_columns.sweep_chunks(result)),
        "summary.json": json_file(doc),
    }
    if plot:
        from optcompare import plotting

        files[f"sweep.{fmt}"] = figure_file(
            lambda: plotting.sweep_figure(result, colors=colors), fmt
        )
    return doc, Contents("sweep", files)


def basins_files(
    results: Sequence[Basins], problem: Problem, command: str, fmt: str = "png", plot: bool = True
) -> tuple[dict[str, Any], Contents]:
    """basins.csv (one row per optimizer and start), summary.json and the figure."""
    from optcompare.summary import csv_columns, documents

    doc = documents.basins_document(results, problem, command)
    files: Files = {
        "basins.csv": lambda p: write_chunks(p, csv_columns.basins_chunks(results)),
        "summary.json": json_file(doc),
    }
    if plot:
        from optcompare import plotting

        files[f"basins.{fmt}"] = figure_file(lambda: plotting.basins_figure(results, problem), fmt)
    return doc, Contents("basins", files)


def write_folder(target: Path | None, default: Path, contents: Contents) -> Path:
    """Write a result's files into its folder, atomically, with a manifest of what was written.

    Args:
        target: the ``--out`` folder: new, empty, or one of the same kind of
            result (see :mod:`optcompare.manifest` for what may be replaced);
            None for ``default``.
        default: a fresh folder path; a numeric suffix avoids collisions.
        contents: the kind of result and its files.

    Returns:
        The folder that now holds every file.

    Raises:
        SpecError: ``target`` may not receive this result (nothing is written).
        RunError: the folder could not be written; nothing partial is left.
    """
    shown = Path(target if target is not None else default)  # as the user wrote it
    # absolute, so that '--out .' has a name and a parent to write the temporary folder in
    dest = Path(os.path.abspath(shown))
    into = target is not None and os.path.lexists(dest)
    stale = manifest.plan_replacement(shown, contents.kind, contents.files) if into else []
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_folder(dest.parent, dest.name)
    except OSError as exc:
        raise RunError(
            f"cannot create the output folder '{shown}': {exc.strerror or exc}"
        ) from None
    try:
        ledger = manifest.Manifest(contents.kind)
        for name, write in contents.files.items():
            write(tmp / name)
            ledger.files[name] = manifest.digest(tmp / name)
        (tmp / MANIFEST).write_text(ledger.to_json())
        with interrupts.held():
            if not into:
                made = _rename_fresh(tmp, dest, fixed=target is not None)
                return shown if made == dest else shown.with_name(made.name)
            for name in contents.files:
                os.replace(tmp / name, dest / name)
            # earlier files of ours that this result does not write (a path.png when the
            # new problem is 1-D) would describe the wrong run; all are verified unchanged
            for name in stale:
                (dest / name).unlink()
            os.replace(tmp / MANIFEST, dest / MANIFEST)
            return shown
    except OSError as exc:
        raise RunError(f"could not write the run folder '{shown}': {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_target(target: Path | None, kind: str) -> None:
    """Refuse, before any work starts, an ``--out`` folder that may not receive ``kind``.

    The folder must be new, empty, or of the same kind with every listed file
    unchanged; :func:`write_folder` checks again when it writes, and also that
    no file the result writes is there unlisted.

    Raises:
        SpecError: see :func:`optcompare.manifest.check_target`.
    """
    if target is not None:
        manifest.check_target(Path(target), kind)


def add_file(folder: Path, name: str, write: Writer) -> Path:
    """Add one file to an existing folder of any kind, atomically, and list it in the manifest.

    This is how ``report`` adds report.html.  An earlier file of that name is
    replaced only if optcompare wrote it and it is unchanged since.  The file
    and the new manifest are first written into a hidden temporary folder
    inside ``folder``, then each is moved into place with one rename, so a
    reader never sees half a file and a failure leaves the folder as it was.

    Args:
        folder: an existing folder.
        name: the file's name (no path).
        write: function that writes the file at the path it is given.

    Returns:
        The path of the new file.

    Raises:
        SpecError: a file ``name`` is there that optcompare did not write, or changed.
        RunError: the file could not be written; nothing partial is left.
    """
    folder = Path(folder)
    ledger = manifest.read_manifest(folder) or manifest.Manifest(None)
    manifest.check_addition(folder, name, ledger)
    try:
        tmp = temporary_folder(folder, name)
    except OSError as exc:
        raise RunError(f"cannot write into the folder '{folder}': {exc.strerror or exc}") from None
    try:
        write(tmp / name)
        ledger.files[name] = manifest.digest(tmp / name)
        (tmp / MANIFEST).write_text(ledger.to_json())
        with interrupts.held():
            os.replace(tmp / name, folder / name)
            os.replace(tmp / MANIFEST, folder / MANIFEST)
        return folder / name
    except OSError as exc:
        raise RunError(f"could not write '{folder / name}': {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rename_fresh(tmp: Path, dest: Path, fixed: bool) -> Path:
    candidate, n = dest, 1
    while True:
        try:
            os.rename(tmp, candidate)  # atomic; fails if candidate exists and is not empty
            return candidate
        except OSError:
            if fixed:
                raise
            n += 1
            candidate = dest.with_name(f"{dest.name}-{n}")
