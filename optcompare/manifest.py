"""Which files of a folder optcompare wrote, and whether a new result may replace them.

Every folder optcompare writes holds a manifest, ``.optcompare-files``: JSON that
names the kind of result that made the folder (``run``, ``sweep``, ``basins``,
``animate`` or ``lesson:NAME``) and, for every file optcompare wrote there, its
size and SHA-256.  A file counts as optcompare's only while it is listed there
*and* its content still matches; a file the user edited, or added under the
same name, is the user's and is never replaced or deleted.

The rules, applied before anything is written (:func:`plan_replacement`):

- a new folder, or an existing empty one, may receive any result;
- an existing folder without a manifest that holds anything (``--out /``, a
  course folder) is not optcompare's: refused;
- a folder of another kind is refused (a sweep would mix with a run);
- the same kind replaces its own files, and deletes those of its own earlier
  files the new result no longer writes, but only when every one of them is
  verified; one unverified file refuses the whole write, naming it;
- a manifest of optcompare 0.x before this format (a plain list of names) has
  no kind and no content to check against: its folder is refused to every
  command, and ``report`` may only add a report.html that is not there yet.

``report`` (and ``--report``) may add or replace report.html in a folder of any
kind (see :func:`check_addition`); that rule lives in :mod:`optcompare.output`.
This module only reads; :mod:`optcompare.output` writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from optcompare.errors import SpecError

MANIFEST = ".optcompare-files"
#: Version of the manifest's JSON layout (0 was a plain list of file names).
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    """What a file held when optcompare wrote it."""

    size: int
    sha256: str


@dataclass
class Manifest:
    """A folder's manifest.

    Attributes:
        kind: the kind of result that made the folder; None when unknown (an
            older list-format manifest, or one written by ``report`` alone).
        files: file name -> its :class:`Entry`, or None when the manifest
            lists the name without content to verify it by (older format).
    """

    kind: str | None
    files: dict[str, Entry | None] = field(default_factory=dict)

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "written_by": "optcompare",
                    "format": FORMAT,
                    "kind": self.kind,
                    "files": {
                        name: None if e is None else {"size": e.size, "sha256": e.sha256}
                        for name, e in self.files.items()
                    },
                },
                indent=2,
            )
            + "\n"
        )


def digest(path: Path) -> Entry:
    """Size and SHA-256 of a file, read in 1 MiB blocks (a trajectory.csv can be large)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return Entry(size, h.hexdigest())


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when it has none.

    A list-format manifest (before :data:`FORMAT` 1), or one that cannot be
    parsed, gives kind None and unverifiable (None) entries: nothing in such a
    folder is ever replaced.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Manifest(None)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("files"), dict):
        kind = data.get("kind")
        return Manifest(
            kind if isinstance(kind, str) else None,
            {str(name): _entry(e) for name, e in data["files"].items()},
        )
    return Manifest(None, dict.fromkeys(text.split()))


def _entry(raw: object) -> Entry | None:
    if isinstance(raw, dict):
        size, sha = raw.get("size"), raw.get("sha256")
        if isinstance(size, int) and isinstance(sha, str):
            return Entry(size, sha)
    return None


def own_files(folder: Path) -> list[str]:
    """The names the folder's manifest lists, in the order they were written."""
    manifest = read_manifest(folder)
    return list(manifest.files) if manifest else []


def verified(folder: Path, name: str, manifest: Manifest | None) -> bool:
    """Whether ``folder/name`` is a file optcompare wrote and nobody changed since.

    It must be listed with a size and hash, be a plain file name (no path),
    be a regular file (not a link) and hold exactly the content recorded.
    """
    entry = manifest.files.get(name) if manifest else None
    if entry is None or name in ("", ".", "..") or "/" in name or os.sep in name:
        return False
    path = Path(folder) / name
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == entry.size and digest(path) == entry


def describe(kind: str | None) -> str:
    """A kind as the command that writes it: ``lesson:saddle`` -> 'optcompare lesson saddle'."""
    if kind is None:
        return "an older optcompare (its manifest records no kind)"
    return "'optcompare " + kind.replace(":", " ") + "'"


def check_target(dest: Path, kind: str) -> Manifest | None:
    """Refuse a folder that may not receive a result of ``kind``, before any work is done.

    Every file the manifest lists is verified here (hashing reads it once, far
    faster than it was written), since each is either replaced or deleted.

    Returns:
        The folder's manifest, or None when ``dest`` does not exist or is empty.

    Raises:
        SpecError: ``dest`` is a file, or a folder that is not optcompare's,
            holds another kind of result, or holds a listed file that changed.
    """
    dest = Path(dest)
    if not os.path.lexists(dest):
        return None
    if not dest.is_dir():
        raise SpecError(f"--out '{dest}' exists and is not a folder; name a folder")
    with os.scandir(dest) as it:
        if next(it, None) is None:
            return None
    manifest = read_manifest(dest)
    if manifest is None:
        raise SpecError(
            f"--out '{dest}' already holds files that optcompare did not write; "
            "choose another --out (a new or empty folder)"
        )
    if manifest.kind != kind:
        raise SpecError(
            f"--out '{dest}' holds the results of {describe(manifest.kind)}, not of "
            f"{describe(kind)}; {_again(dest)}"
        )
    # each listed file is either replaced or, when the new result does not write it,
    # deleted: all must be unchanged, and an edit is better found before the work than after
    _refuse_changed(dest, [n for n in manifest.files if _lexists(dest, n)], manifest)
    return manifest


def plan_replacement(dest: Path, kind: str, names: Iterable[str]) -> list[str]:
    """Check that a result of ``kind`` writing ``names`` may go into the folder ``dest``.

    Returns:
        The earlier files of the same kind that the new result no longer
        writes (all verified), to delete so that no file describes an older run.

    Raises:
        SpecError: as :func:`check_target`, or the folder holds a file of one
            of ``names`` that optcompare did not write.
    """
    manifest = check_target(dest, kind)
    if manifest is None:
        return []
    new = list(names)
    stale = [n for n in manifest.files if n not in new and _lexists(dest, n)]
    theirs = [n for n in new if _lexists(dest, n) and n not in manifest.files]
    if theirs:
        raise SpecError(
            f"--out '{dest}' already holds {', '.join(theirs)}, which optcompare did not "
            f"write; move {'it' if len(theirs) == 1 else 'them'} away, or {_again(dest)}"
        )
    return stale


def _refuse_changed(dest: Path, names: list[str], manifest: Manifest) -> None:
    changed = [n for n in names if not verified(dest, n, manifest)]
    if changed:
        one = len(changed) == 1
        it = "it" if one else "them"
        raise SpecError(
            f"{', '.join(changed)} in '{dest}' {'was' if one else 'were'} changed after "
            f"optcompare wrote {it}, so optcompare leaves {it} alone; move {it} away, "
            f"or {_again(dest)}"
        )


def _again(dest: Path) -> str:
    return f"choose another --out, or delete '{dest}' first"


def check_addition(folder: Path, name: str, manifest: Manifest | None) -> None:
    """Refuse to add ``name`` to ``folder`` when a file of that name is there but not verified."""
    if _lexists(folder, name) and not verified(folder, name, manifest):
        raise SpecError(
            f"'{Path(folder) / name}' was not written by optcompare, or was changed after it "
            "was, so optcompare leaves it alone; move it away first"
        )


def _lexists(folder: Path, name: str) -> bool:
    return "/" not in name and os.path.lexists(Path(folder) / name)
