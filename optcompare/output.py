"""The one module that writes files: what each kind of result writes, and how, atomically.

``run_files``, ``animation_files``, ``sweep_files`` and ``basins_files`` name
the files a result's folder holds (a mapping of file name to the function that
writes it), so the commands only choose and deliver.

Everything is first written into a hidden temporary folder next to the target.
A new folder is then renamed into place in one step, so an interrupted run (Ctrl-C,
a full disk, a crash while plotting) leaves nothing half-written.  When ``--out``
names an existing folder, optcompare's own files are replaced one by one (each
replacement atomic) and files it did not write are never touched; a manifest
(``.optcompare-files``) records which files are optcompare's.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optcompare.errors import RunError, SpecError

if TYPE_CHECKING:
    from matplotlib.animation import Animation
    from matplotlib.figure import Figure

    from optcompare.experiments.basins import Basins
    from optcompare.experiments.records import Result
    from optcompare.experiments.sweep import SweepResult
    from optcompare.problem import Problem

MANIFEST = ".optcompare-files"


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


def write_text(path: Path, text: str) -> None:
    path.write_text(text)


def save_figure(path: Path, fig: Figure, fmt: str) -> None:
    fig.savefig(path, format=fmt)


def save_animation(path: Path, anim: Animation, fps: int) -> None:
    from matplotlib.animation import PillowWriter  # Pillow comes with matplotlib

    anim.save(path, writer=PillowWriter(fps=fps))


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
    return lambda p: save_animation(p, anim, fps)


# -- what each kind of result writes ------------------------------------------------


def trajectory_file(result: Result) -> Writer:
    from optcompare.summary import documents

    return csv_file(
        documents.trajectory_header(result.problem.dim), documents.trajectory_rows(result)
    )


def run_files(
    result: Result,
    command: str,
    fmt: str = "png",
    plot: bool = True,
    colors: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Files]:
    """summary.json, trajectory.csv and (with ``plot``) loss and path figures of a run."""
    from optcompare.summary import documents

    doc = documents.summary_document(result, command)
    files: Files = {"trajectory.csv": trajectory_file(result), "summary.json": json_file(doc)}
    if plot:
        from optcompare import plotting

        def drawer(kind: str) -> Callable[[], Figure]:
            return lambda: plotting.comparison_figure(result, kind, colors=colors)

        for kind in ("loss", "path"):
            files[f"{kind}.{fmt}"] = figure_file(drawer(kind), fmt)
    return doc, files


def animation_files(
    result: Result, command: str, frames: int, fps: int, colors: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], Files]:
    """A run's data files and animation.gif (the paths growing beside the loss)."""
    from optcompare import plotting

    doc, files = run_files(result, command, plot=False)
    _, anim = plotting.path_animation(result, frames=frames, fps=fps, colors=colors)
    files["animation.gif"] = animation_file(anim, fps)
    return doc, files


def sweep_files(
    result: SweepResult,
    command: str,
    fmt: str = "png",
    plot: bool = True,
    colors: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Files]:
    """sweep.csv (one row per optimizer, value and seed), summary.json and the figure."""
    from optcompare.summary import documents

    rows = result.rows()
    doc = documents.sweep_document(result, command)
    files: Files = {
        "sweep.csv": csv_file(list(rows[0]), (r.values() for r in rows)),
        "summary.json": json_file(doc),
    }
    if plot:
        from optcompare import plotting

        files[f"sweep.{fmt}"] = figure_file(
            lambda: plotting.sweep_figure(result, colors=colors), fmt
        )
    return doc, files


def basins_files(
    results: Sequence[Basins], problem: Problem, command: str, fmt: str = "png", plot: bool = True
) -> tuple[dict[str, Any], Files]:
    """basins.csv (one row per optimizer and start), summary.json and the figure."""
    from optcompare.summary import documents

    doc = documents.basins_document(results, problem, command)
    files: Files = {
        "basins.csv": csv_file(*documents.basins_table(results)),
        "summary.json": json_file(doc),
    }
    if plot:
        from optcompare import plotting

        files[f"basins.{fmt}"] = figure_file(lambda: plotting.basins_figure(results, problem), fmt)
    return doc, files


def write_folder(target: Path | None, default: Path, files: Mapping[str, Writer]) -> Path:
    """Write ``files`` (name -> function that writes that file) into a run folder.

    Args:
        target: the ``--out`` folder (may exist), or None for ``default``.
        default: a fresh folder path; a numeric suffix avoids collisions.

    Returns:
        The folder that now holds every file.

    Raises:
        RunError: the folder could not be written; nothing partial is left.
    """
    dest = Path(target) if target is not None else Path(default)
    parent = dest.parent if str(dest.parent) else Path(".")
    if target is not None and dest.is_dir():
        _check_own(dest, list(files))
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() and not dest.is_dir():
            raise RunError(f"--out '{dest}' exists and is not a folder; name a folder")
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's 0700 would hide runs on shared machines
    except OSError as exc:
        raise RunError(f"cannot create the output folder '{dest}': {exc.strerror or exc}") from None
    try:
        for name, write in files.items():
            write(tmp / name)
        (tmp / MANIFEST).write_text("\n".join(files) + "\n")
        if target is not None and dest.is_dir():
            _replace_own_files(tmp, dest, list(files))
            shutil.rmtree(tmp, ignore_errors=True)
            return dest
        return _rename_fresh(tmp, dest, fixed=target is not None)
    except RunError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RunError(f"could not write the run folder '{dest}': {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def add_file(folder: Path, name: str, write: Writer) -> Path:
    """Write one more file into an existing run folder, atomically, and list it in the manifest.

    The file and the new manifest are first written into a hidden temporary
    folder inside ``folder``, then each is moved into place with one rename, so
    a reader never sees half a file and a failure leaves the folder as it was.

    Args:
        folder: an existing run folder.
        name: the file's name (no path); an earlier file of that name is replaced.
        write: function that writes the file at the path it is given.

    Returns:
        The path of the new file.

    Raises:
        RunError: the file could not be written; nothing partial is left.
    """
    folder = Path(folder)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=folder))
    except OSError as exc:
        raise RunError(f"cannot write into the folder '{folder}': {exc.strerror or exc}") from None
    try:
        write(tmp / name)
        manifest = folder / MANIFEST
        names = manifest.read_text().split() if manifest.is_file() else []
        if name not in names:
            names.append(name)
        (tmp / MANIFEST).write_text("\n".join(names) + "\n")
        os.replace(tmp / name, folder / name)
        os.replace(tmp / MANIFEST, manifest)
        return folder / name
    except OSError as exc:
        raise RunError(f"could not write '{folder / name}': {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def own_files(folder: Path) -> list[str]:
    """The files an earlier optcompare run wrote into ``folder`` (from its manifest)."""
    manifest = folder / MANIFEST
    return manifest.read_text().split() if manifest.is_file() else []


def _check_own(dest: Path, names: list[str]) -> None:
    """Refuse to replace a file optcompare did not write."""
    ours = set(own_files(dest))
    theirs = [n for n in names if (dest / n).exists() and n not in ours]
    if theirs:
        raise SpecError(
            f"--out '{dest}' already holds {', '.join(theirs)}, which optcompare "
            "did not write; choose a new or empty folder"
        )


def _rename_fresh(tmp: Path, dest: Path, fixed: bool) -> Path:
    candidate, n = dest, 1
    while True:
        try:
            os.rename(tmp, candidate)  # atomic; fails if candidate exists and is not empty
            return candidate
        except OSError:
            if fixed and not candidate.exists():
                raise
            if candidate.exists() and candidate.is_dir() and not any(candidate.iterdir()) and fixed:
                candidate.rmdir()
                continue
            n += 1
            candidate = dest.with_name(f"{dest.name}-{n}")


def _replace_own_files(tmp: Path, dest: Path, names: list[str]) -> None:
    manifest = dest / MANIFEST
    earlier = own_files(dest)
    for name in names:
        os.replace(tmp / name, dest / name)
    # files from an earlier run of ours that this run did not write (e.g. a
    # path.png when the new problem is 1-D) would describe the wrong run
    for name in earlier:
        if name not in names and "/" not in name and (dest / name).is_file():
            (dest / name).unlink()
    os.replace(tmp / MANIFEST, manifest)
