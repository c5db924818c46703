"""The live window: contours with every optimizer's path, loss curves, and controls.

Every artist is made once; a control recomputes only what it changed (one optimizer
for its own sliders, all of them for the start, steps and noise) and moves the data
of the existing lines, so the contours are computed once per window.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.experiments.run import run as run_experiment
from optcompare.live import controls
from optcompare.live.blit import Blitter, slider_parts
from optcompare.live.layout import CONTROL_TYPE, FIGSIZES, Rect, geometry
from optcompare.live.panels import draw_static, fit_loss_limits, stack_reasons
from optcompare.plotting.colors import inks
from optcompare.plotting.endings import exit_point
from optcompare.plotting.restyle import scale_artists
from optcompare.plotting.scale import loss_gap
from optcompare.plotting.style import Style, current_style, problem_title
from optcompare.problem import make_problem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Run

#: Figure size (inches) of the paper window and its snapshot: 1400 x 900 pixels at DPI.
FIGSIZE = FIGSIZES["paper"]

KEYMAP = (
    "keys: space play/pause · r reset · c print the run command · f full screen"
    " · h show/hide this map"
)


class Live:
    """The live comparison window; :func:`optcompare.live.live` builds one.

    Attributes:
        figure: the matplotlib figure holding everything.
        runs: the current run of each optimizer, in the order given.
        start, steps, noise: the current start point, step count and gradient noise.
    """

    def __init__(
        self,
        figure: Figure,
        optimizers: Sequence[str],
        problem: str,
        steps: int = 200,
        start: Sequence[float] | None = None,
        seed: int = 0,
        colors: dict[str, str] | None = None,
        echo: Callable[[str], None] = print,
        style: Style | None = None,
    ) -> None:
        from optcompare.optimizers import OPTIMIZERS

        self.figure = figure
        self.look = style or current_style()
        self.problem = make_problem(problem)
        if self.problem.dim != 2:
            raise ValueError(
                f"live draws paths over the contours of a 2-D problem; "
                f"{self.problem.spec} has {self.problem.dim} "
                f"coordinate{'s' if self.problem.dim != 1 else ''}"
            )
        self.base_problem = problem
        # the title names the problem without its noise: the noise slider's value follows it
        self.name = problem_title(make_problem(controls.with_noise(problem, 0.0)))
        self.seed = seed
        self.echo = echo
        self.entries = [controls.entry(t, self._defaults(t, OPTIMIZERS)) for t in optimizers]
        self._initial = (
            [(e.lr, e.second_value, e.visible) for e in self.entries],
            tuple(float(v) for v in (start or self.problem.start()[:2])),
            int(steps),
            self.problem.noise,
        )
        self.start = self._initial[1]
        self.steps = int(steps)
        self.noise = self.problem.noise
        self.shown = self.steps  # steps drawn; play grows it to steps
        self.playing = False
        self._quiet = False  # set while reset moves the sliders
        self.ink = inks([(str(i), e.name) for i, e in enumerate(self.entries)], colors)
        self.runs: list[Run] = [self._compute(e) for e in self.entries]
        self._layout()
        self._refresh_all()

    # -- computing -------------------------------------------------------------
    def _defaults(self, spec: str, registry: Any) -> dict[str, Any]:
        """The optimizer's own defaults, with those worked out from the problem (the
        variance-reduced methods' lr = c / L_max) as one step of ``run`` works them out:
        that step also refuses, in one line, a problem the optimizer cannot run on."""
        params = registry.get(spec.partition(":")[0].strip().lower()).params
        defaults = {p.name: p.default for p in params}
        if any(v is None for v in defaults.values()):
            first = run_experiment([spec], self.base_problem, steps=1, seed=self.seed).runs[0]
            defaults.update({k: first.hyperparameters[k] for k, v in defaults.items() if v is None})
        return defaults

    def problem_spec(self) -> str:
        return controls.with_noise(self.base_problem, self.noise)

    def _compute(self, e: controls.Entry) -> Run:
        result = run_experiment(
            [e.spec()], self.problem_spec(), steps=self.steps, start=self.start, seed=self.seed
        )
        return result.runs[0]

    def recompute(self, i: int | None = None) -> None:
        """Rerun optimizer ``i`` (None: every one) with the current settings and redraw."""
        if self._quiet:
            return
        for k in range(len(self.entries)) if i is None else [i]:
            self.runs[k] = self._compute(self.entries[k])
        self.shown = self.steps
        self._refresh_all()

    def command(self) -> str:
        """The ``optcompare run`` command that reproduces the current view."""
        return controls.run_command(
            self.entries, self.problem_spec(), self.steps, self.start, self.seed
        )

    # -- drawing -----------------------------------------------------------------
    def _layout(self) -> None:
        from matplotlib.text import Text
        from matplotlib.widgets import Button, CheckButtons, Slider

        fig = self.figure
        size = (float(fig.get_size_inches()[0]), float(fig.get_size_inches()[1]))
        small = CONTROL_TYPE.get(self.look.name, 1.0)
        at = geometry(len(self.entries), size, self.look.text, small)
        self._controls: list[Any] = []  # axes and figure texts at the controls' type size
        self.ax_path = fig.add_axes(at.path)
        self.ax_loss = fig.add_axes(at.loss)
        self.start_marker, self.log_loss = draw_static(self.ax_path, self.ax_loss, self.problem)

        def slider(rect: Rect, label: str, lo: float, hi: float, **kw: Any) -> Slider:
            s = Slider(fig.add_axes(rect), label, lo, hi, valfmt="%.3g", **kw)
            self._controls.append(s.ax)
            s.label.set_x(-at.pad(rect))
            s.valtext.set_x(1.0 + at.pad(rect))
            return s

        self.lines: list[dict[str, Any]] = []
        self.widgets: list[dict[str, Any]] = []
        for i, (e, row) in enumerate(zip(self.entries, at.rows, strict=True)):
            ink = self.ink[str(i)]
            (path,) = self.ax_path.plot([], [], color=ink.color, ls=ink.linestyle, lw=1.8, zorder=3)
            (head,) = self.ax_path.plot(
                [], [], ls="none", marker="o", ms=8, color=ink.color, mec="black", zorder=5
            )
            # a diverged run's reason, in a box inside the path panel (see _place_reasons)
            why = self.ax_path.text(
                0.01, 0.01, "", transform=self.ax_path.transAxes, fontsize=9, color=ink.color,
                ha="left", va="bottom", zorder=6,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": ink.color, "alpha": 0.9},
            )  # fmt: skip
            (loss,) = self.ax_loss.plot([], [], color=ink.color, ls=ink.linestyle, lw=2.0)
            (tip,) = self.ax_loss.plot([], [], ls="none", marker="o", ms=6, color=ink.color)
            self.lines.append({"path": path, "head": head, "why": why, "loss": loss, "tip": tip})
            box = CheckButtons(fig.add_axes(row.box, frame_on=False), [e.name], [e.visible])
            self._controls.append(box.ax)
            box.labels[0].set_color(ink.color)
            box.labels[0].set_fontsize(11)
            lo, hi = controls.lr_range(e.lr)
            lr = slider(row.lr, "lr", lo, hi, valinit=float(np.log10(e.lr)), color=ink.color)
            lr.valtext.set_text(f"{e.lr:.3g}")
            box.on_clicked(functools.partial(self._toggle_clicked, i))
            lr.on_changed(functools.partial(self._set_lr, i))
            parts: dict[str, Any] = {"box": box, "lr": lr}
            if e.second is not None and e.second_value is not None:
                k = e.second
                second = slider(row.second, k.name, k.low, k.high, valinit=e.second_value)
                second.poly.set_color(ink.color)
                second.on_changed(functools.partial(self._set_second, i))
                parts["second"] = second
            self.widgets.append(parts)
        top = max(2000, self.steps)
        self.steps_slider = slider(at.steps, "steps", 1, top, valinit=self.steps, valstep=1)
        self.steps_slider.valfmt = "%d"  # 1914, not 1.91e+03
        self.steps_slider.valtext.set_text(f"{self.steps:d}")
        self.steps_slider.on_changed(self._set_steps)
        lo, hi = controls.NOISE_RANGE[0], max(controls.NOISE_RANGE[1], self.noise)
        self.noise_slider = slider(at.noise, "noise", lo, hi, valinit=self.noise)
        self.noise_slider.on_changed(self._set_noise)
        self.play_button = Button(fig.add_axes(at.play), "play")
        self.play_button.on_clicked(lambda _e: self.toggle_play())
        self.reset_button = Button(fig.add_axes(at.reset), "reset")
        self.reset_button.on_clicked(lambda _e: self.reset())
        self.keymap = fig.text(0.5, at.keymap_y, KEYMAP, ha="center", fontsize=10, color="0.3")
        self._controls += [self.play_button.ax, self.reset_button.ax, self.keymap]
        self.title = fig.suptitle("", fontsize=13)
        if self.look.figsize is not None:
            # the geometry above left room for the larger type
            scale_artists(fig, self.look)
            for c in self._controls:  # back from the plots' type size to the controls'
                for t in c.findobj(Text):
                    t.set_fontsize(t.get_fontsize() * small / self.look.text)
        sliders = [w[k] for w in self.widgets for k in ("lr", "second") if k in w]
        sliders += [self.steps_slider, self.noise_slider]
        for s in sliders:
            s.drawon = False  # the blitter draws them with the lines
        moving = [a for art in self.lines for a in art.values()] + [self.start_marker]
        self.blit = Blitter(
            fig, [*moving, self.title, *(a for s in sliders for a in slider_parts(s))]
        )
        fig.canvas.mpl_connect("button_press_event", self._on_click)
        fig.canvas.mpl_connect("key_press_event", self._on_key)
        manager = getattr(fig.canvas, "manager", None)
        if manager is not None:
            manager.set_window_title(f"optcompare live: {self.name}")
        if manager is not None and getattr(manager, "key_press_handler_id", None):
            # the toolbar's keys (r, h, c, s...) would clash with the window's own
            fig.canvas.mpl_disconnect(manager.key_press_handler_id)

    def loss_of(self, run: Run) -> np.ndarray:
        """The plotted loss of ``run``: what every loss figure draws (loss - f* floored,
        when f* is known: :func:`optcompare.plotting.scale.loss_gap`)."""
        return loss_gap(run.loss, self.problem.f_star)

    def _refresh(self, i: int) -> None:
        run, art, e = self.runs[i], self.lines[i], self.entries[i]
        k = min(self.shown, len(run.loss) - 1)
        xy = run.x[: k + 1, :2]
        ok = np.all(np.isfinite(xy), axis=1)
        art["path"].set_data(xy[ok, 0], xy[ok, 1])
        y = self.loss_of(run)[: k + 1]
        fin = np.isfinite(y)
        art["loss"].set_data(np.arange(k + 1)[fin], y[fin])
        last = int(np.flatnonzero(ok)[-1]) if ok.any() else None
        gone = run.diverged_at is not None and run.diverged_at <= k
        if last is not None:
            art["head"].set_data(xy[last : last + 1, 0], xy[last : last + 1, 1])
            art["tip"].set_data([last], y[last : last + 1])
        art["head"].set_marker("X" if gone else "o")
        art["head"].set_clip_on(not gone)  # an X on the panel's edge is drawn whole
        art["tip"].set_marker("X" if gone else "o")
        if gone and last is not None:
            # the X where the drawn line leaves the view, when it runs beyond it
            view = (self.ax_path.get_xlim(), self.ax_path.get_ylim())
            at = exit_point(xy[ok], view)
            art["head"].set_data([at[0]], [at[1]])
            art["why"].set_text(
                f"{e.name} diverged at step {run.diverged_at}: {run.diverged_reason}"
            )
        else:
            art["why"].set_text("")
        for a in art.values():
            a.set_visible(e.visible)

    def _place_reasons(self) -> None:
        shown = [a["why"] for a, e in zip(self.lines, self.entries, strict=True) if e.visible]
        stack_reasons(self.ax_path, shown)

    def _refresh_all(self, full: bool = False) -> None:
        for i in range(len(self.entries)):
            self._refresh(i)
        self._place_reasons()
        self.start_marker.set_data([self.start[0]], [self.start[1]])
        moved = self._loss_limits()
        self._retitle(full or moved)

    def _retitle(self, full: bool = False) -> None:
        """Title the figure and show it: blitted unless ``full`` (something still moved)."""
        noise = f", noise {self.noise:g}" if self.noise else ""
        self.title.set_text(
            f"{self.name}{noise}: step {self.shown} of {self.steps} "
            f"from ({self.start[0]:.3g}, {self.start[1]:.3g}), seed {self.seed}"
        )
        self.blit.update(full)

    def _loss_limits(self) -> bool:
        """Fit the loss panel's limits to the shown runs; whether they changed."""
        pairs = zip(self.runs, self.entries, strict=True)
        shown = [(r, self.loss_of(r)) for r, e in pairs if e.visible]
        return fit_loss_limits(self.ax_loss, shown, self.log_loss, self.steps)

    # -- events --------------------------------------------------------------------
    def _set_lr(self, i: int, v: float) -> None:
        # three digits: the lr the window runs is the one the printed command gives
        self.entries[i].lr = float(f"{10.0**v:.3g}")
        self.widgets[i]["lr"].valtext.set_text(f"{self.entries[i].lr:.3g}")
        self.recompute(i)

    def _set_second(self, i: int, v: float) -> None:
        self.entries[i].second_value = float(v)
        self.recompute(i)

    def _toggle_clicked(self, i: int, _label: str | None) -> None:
        self._toggle(i)

    def _toggle(self, i: int) -> None:
        self.entries[i].visible = not self.entries[i].visible
        self._refresh_all(full=True)

    def _set_steps(self, v: float) -> None:
        self.steps = int(v)
        self.recompute()

    def _set_noise(self, v: float) -> None:
        self.noise = float(v)
        self.recompute()

    def set_start(self, x: float, y: float) -> None:
        """Start every optimizer at (x, y) and rerun them all."""
        self.start = (float(x), float(y))
        self.recompute()

    def _on_click(self, event: Any) -> None:
        toolbar = getattr(self.figure.canvas, "toolbar", None)
        if event.inaxes is not self.ax_path or event.button != 1 or getattr(toolbar, "mode", ""):
            return  # a zoom or pan of the toolbar is not a new start
        # to a thousandth of the view: the printed command stays short and still
        # reproduces the window's runs exactly, since they start at the rounded point
        spans = (np.ptp(self.ax_path.get_xlim()), np.ptp(self.ax_path.get_ylim()))
        x, y = (
            round(v, max(0, -math.floor(math.log10(d / 1000))))
            for v, d in zip((event.xdata, event.ydata), spans, strict=True)
        )
        self.set_start(x, y)

    def _on_key(self, event: Any) -> None:
        if event.key == " ":
            self.toggle_play()
        elif event.key == "r":
            self.reset()
        elif event.key == "c":
            self.echo(self.command())
        elif event.key == "f":
            manager = getattr(self.figure.canvas, "manager", None)
            if manager is not None:
                manager.full_screen_toggle()
        elif event.key == "h":
            self.keymap.set_visible(not self.keymap.get_visible())
            self.figure.canvas.draw_idle()

    def toggle_play(self) -> None:
        """Start growing the paths from step 0, or pause them where they are."""
        if not hasattr(self, "_timer"):
            self._timer = self.figure.canvas.new_timer(interval=40)
            self._timer.add_callback(self.advance)
        self.playing = not self.playing
        if self.playing:
            if self.shown >= self.steps:
                self.shown = 0
            self._timer.start()
        else:
            self._timer.stop()
        self.play_button.label.set_text("pause" if self.playing else "play")
        self.figure.canvas.draw_idle()

    def advance(self) -> None:
        """One tick of play: about 1/150 of the steps further (at least one step)."""
        self.shown = min(self.steps, self.shown + max(1, self.steps // 150))
        if self.shown >= self.steps and self.playing:
            self.toggle_play()
        for i in range(len(self.entries)):
            self._refresh(i)
        self._place_reasons()
        self._retitle()

    def reset(self) -> None:
        """Every control back to where the window opened, and every optimizer rerun."""
        settings, start, steps, noise = self._initial
        self._quiet = True
        try:
            for e, w, (lr, second, visible) in zip(
                self.entries, self.widgets, settings, strict=True
            ):
                w["lr"].set_val(float(np.log10(lr)))
                if "second" in w:
                    w["second"].set_val(second)
                if e.visible != visible:
                    w["box"].set_active(0)
                e.lr, e.second_value, e.visible = lr, second, visible
            self.steps_slider.set_val(steps)
            self.noise_slider.set_val(noise)
        finally:
            self._quiet = False
        self.start, self.steps, self.noise = start, steps, noise
        if self.playing:
            self.toggle_play()
        self.recompute()
