"""Where the live window's parts go: every rectangle sized in inches, then given to
matplotlib as fractions of the figure.

The controls take the room their text needs at the style's type size (a row per
optimizer, the bar of common controls, the key map) and the two plots take the rest,
so the window has no empty band whatever the number of optimizers, and the talk style's
larger type still fits.  Plain arithmetic, no matplotlib: tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]  # left, bottom, width, height: fractions of the figure

#: Figure size (inches) of the window in each style, at :data:`DPI`: paper 1400 x 900
#: pixels (fits a laptop screen), talk 16:9 at 1600 x 900 (a projector's shape; the
#: window manager scales it, and ``f`` makes it full screen).
FIGSIZES: dict[str, tuple[float, float]] = {"paper": (14.0, 9.0), "talk": (16.0, 9.0)}
DPI = 100

#: Type size of the controls against the paper window's, by style.  The talk style's
#: plots take its full 1.75x; its controls take 1.35x, so that the rows under the plots
#: leave the path panel a third more height (the view the room watches), while the
#: values on the sliders stay readable from the middle of a lecture room.
CONTROL_TYPE: dict[str, float] = {"paper": 1.0, "talk": 1.35}

#: In inches at paper type (10 pt); the styles multiply them by their type factors.
MARGIN = 0.15  # figure edge to anything
ROW = 0.36  # one optimizer's row of controls
BAR = 0.32  # the bar of common controls (steps, noise, play, reset)
TEXT_LINE = 0.3  # one line of 10 pt text with its leading
LABEL_GAP = 0.12  # a slider's label or value to its bar
VALUE = 0.62  # room for a slider's value text ("0.0001", "0.999")
SECOND_LABEL = 0.8  # room for the longest second hyperparameter's name ("momentum")
AXIS_ROOM = 0.6  # an axis's tick labels and label, below or left of a plot
TICK_OVERHANG = 0.25  # half the last x tick label, right of the loss panel
TITLE_ROOM = 0.7  # the figure's title and a plot's title above the plots
#: The controls take at most this share of the figure's height while their rows can
#: thin (to :data:`MIN_ROW`); the plots never get less than :data:`MIN_PLOTS` of it.
CONTROLS_SHARE = 0.42
MIN_ROW = 0.24  # a row still holds its 10 pt text
MIN_PLOTS = 0.3


@dataclass(frozen=True)
class Row:
    """One optimizer's controls: its check box, lr slider and second-setting slider."""

    box: Rect
    lr: Rect
    second: Rect


@dataclass(frozen=True)
class Geometry:
    """Every part of the window, as fractions of the figure; ``pad`` maps a slider's
    width in figure fraction to its label-to-bar gap in axes fraction (see :func:`pad`)."""

    path: Rect
    loss: Rect
    rows: tuple[Row, ...]
    steps: Rect
    noise: Rect
    play: Rect
    reset: Rect
    keymap_y: float
    width: float  # figure width, inches
    control_scale: float

    def pad(self, rect: Rect) -> float:
        """The gap between a slider's bar and its label or value, in the slider's axes
        fraction (matplotlib places them in axes fractions, which a narrow slider makes
        too small: the bar label touched its bar)."""
        return LABEL_GAP * self.control_scale / (rect[2] * self.width)


def geometry(
    n: int, size: tuple[float, float], plot_scale: float = 1.0, control_scale: float = 1.0
) -> Geometry:
    """The window's geometry for ``n`` optimizers on a figure of ``size`` inches, with the
    plots' text ``plot_scale`` times the paper size (the style's type factor: 1 for paper,
    1.75 for talk) and the controls' ``control_scale`` times (:data:`CONTROL_TYPE`).

    Raises:
        ValueError: ``n`` < 1, or too many rows of controls to leave the plots
            :data:`MIN_PLOTS` of the height.
    """
    if n < 1:
        raise ValueError("the live window needs at least one optimizer")
    W, H = size
    k, p = control_scale, plot_scale
    bar_y = MARGIN
    keymap_y = bar_y + BAR * k + 0.12 * k  # the key map's baseline, over the bar
    rows_bottom = keymap_y + TEXT_LINE * k
    row = max(MIN_ROW * k, min(ROW * k, (CONTROLS_SHARE * H - rows_bottom) / n))
    plots_bottom = rows_bottom + n * row + AXIS_ROOM * p
    plots_top = H - TITLE_ROOM * p
    if plots_top - plots_bottom < MIN_PLOTS * H:
        room = (plots_top - MIN_PLOTS * H - AXIS_ROOM * p - rows_bottom) / (MIN_ROW * k)
        raise ValueError(
            f"the window has room for the controls of {max(int(room), 0)} optimizers at "
            f"this type size; {n} given"
        )
    left = MARGIN + AXIS_ROOM * p * 1.25  # y tick labels and the y label
    gap = AXIS_ROOM * p * 1.6  # between the panels: the loss panel's y labels
    panel = (W - left - gap - MARGIN - TICK_OVERHANG * p) / 2.0

    def frac(x: float, y: float, w: float, h: float) -> Rect:
        return (x / W, y / H, w / W, h / H)

    path = frac(left, plots_bottom, panel, plots_top - plots_bottom)
    loss = frac(left + panel + gap, plots_bottom, panel, plots_top - plots_bottom)

    box_w = 0.13 * W
    lr_x = MARGIN + box_w + (0.3 + LABEL_GAP) * k  # "lr" and its gap
    second_room = (VALUE + SECOND_LABEL + 2 * LABEL_GAP) * k
    slider_w = (W - lr_x - second_room - VALUE * k - MARGIN) / 2.0
    second_x = lr_x + slider_w + second_room
    rows = []
    for i in range(n):
        y = rows_bottom + (n - 1 - i) * row  # the first optimizer on top, as the legend reads
        rows.append(
            Row(
                box=frac(MARGIN, y + 0.05 * row, box_w, 0.9 * row),
                lr=frac(lr_x, y + 0.2 * row, slider_w, 0.6 * row),
                second=frac(second_x, y + 0.2 * row, slider_w, 0.6 * row),
            )
        )
    bar_h = BAR * k
    steps_x = MARGIN + (0.55 + LABEL_GAP) * k  # "steps"
    steps_w = 0.24 * W
    noise_x = steps_x + steps_w + (VALUE + 0.6 + 2 * LABEL_GAP) * k  # its value, "noise"
    noise_w = 0.2 * W
    button_w = 0.9 * k
    return Geometry(
        path=path,
        loss=loss,
        rows=tuple(rows),
        steps=frac(steps_x, bar_y + 0.2 * bar_h, steps_w, 0.6 * bar_h),
        noise=frac(noise_x, bar_y + 0.2 * bar_h, noise_w, 0.6 * bar_h),
        play=frac(W - MARGIN - 2 * button_w - 0.2 * k, bar_y, button_w, bar_h),
        reset=frac(W - MARGIN - button_w, bar_y, button_w, bar_h),
        keymap_y=keymap_y / H,
        width=W,
        control_scale=k,
    )
