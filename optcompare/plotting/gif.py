"""A GIF writer for animations that keeps one small frame at a time in mind.

matplotlib's ``PillowWriter`` holds every grabbed frame as full RGB(A) pixels until the
end (a 1080p animation of 60 frames and a 1.5 s hold: about 620 MB) and Pillow gives
each frame its own palette, so consecutive frames cannot share their unchanged pixels
(the ravine lesson's talk GIF was 4.7 MB).

:class:`PaletteGifWriter` turns each frame into one byte per pixel as it is grabbed,
with one palette made from the first frame (the contours, the legend's keys and each
run's start marker are all in it; :func:`palette_of`), each pixel the nearest palette
colour (no dithering, which would speckle the grey bands differently in each frame); a
frame equal to the one before (the hold) lengthens that frame instead of being kept
again.  Pillow writes the file when the animation is saved, coding in each frame only
the region that changed.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import numpy as np
from matplotlib.animation import AbstractMovieWriter

__all__ = ["COLORS", "PaletteGifWriter", "palette_of"]

#: Colours of the shared palette: a GIF's most.  The frames are flat grey bands,
#: a few line colours and their anti-aliased edges, which 256 colours hold.
COLORS = 256


def palette_of(rgb: np.ndarray, colors: int = COLORS) -> np.ndarray:
    """``colors`` RGB colours (colors, 3) for the pixels ``rgb`` (h, w, 3): the most
    frequent half exactly (white, the grey bands and the ink colours stay themselves),
    the other half from a median cut of the whole (anti-aliased edges and the rest)."""
    from PIL import Image

    codes, counts = np.unique(_codes(rgb), return_counts=True)
    exact = codes[np.argsort(-counts, kind="stable")[: colors // 2]]
    rest = colors - len(exact)
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    cut = np.array(image.quantize(rest, method=Image.Quantize.MEDIANCUT).getpalette() or [])
    cut = cut[: 3 * rest].reshape(-1, 3)
    exact_rgb = np.stack([(exact >> 16) & 255, (exact >> 8) & 255, exact & 255], axis=1)
    return np.concatenate([exact_rgb, cut]).astype(np.uint8)


def _codes(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.int32)
    return (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]


class PaletteGifWriter(AbstractMovieWriter):
    """Write an animation as a looping GIF with one palette (no dithering); ``fps``
    frames per second (default 5, matplotlib's), ``colors`` palette entries (default
    :data:`COLORS`)."""

    def __init__(self, fps: int = 5, colors: int = COLORS, **kwargs: Any) -> None:
        super().__init__(fps=fps, **kwargs)
        self.colors = int(colors)

    @classmethod
    def isAvailable(cls) -> bool:  # noqa: N802 (matplotlib's name)
        return True

    def setup(self, fig: Any, outfile: Any, dpi: float | None = None) -> None:
        super().setup(fig, outfile, dpi=dpi)
        self._frames: list[Any] = []
        self._durations: list[int] = []
        self._palette = np.zeros((0, 3), dtype=np.uint8)
        # colour code -> palette index, filled as colours appear (-1: not looked up yet)
        self._index = np.full(1 << 24, -1, dtype=np.int16)
        self._last = b""

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        from PIL import Image

        buf = BytesIO()
        self.fig.savefig(buf, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        w, h = self.frame_size
        rgb = np.frombuffer(buf.getbuffer(), dtype=np.uint8).reshape(h, w, 4)[..., :3]
        if not len(self._palette):
            self._palette = palette_of(rgb, self.colors)
        codes = _codes(rgb)
        new = np.unique(codes[self._index[codes] < 0])
        if new.size:  # nearest palette colour of each colour not met before
            c = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=1)
            d = ((c[:, None, :].astype(float) - self._palette[None, :, :]) ** 2).sum(axis=2)
            self._index[new] = np.argmin(d, axis=1)
        pixels = self._index[codes].astype(np.uint8).tobytes()
        step = round(1000 / self.fps)
        if self._frames and pixels == self._last:
            self._durations[-1] += step  # a held frame: shown longer, not stored again
            return
        frame = Image.frombytes("P", (w, h), pixels)
        frame.putpalette(self._palette.tobytes())
        self._frames.append(frame)
        self._durations.append(step)
        self._last = pixels

    def finish(self) -> None:
        first, *rest = self._frames
        first.save(
            self.outfile,
            save_all=True,
            append_images=rest,
            duration=self._durations,
            loop=0,
            optimize=True,
        )
        self._frames, self._last = [], b""
