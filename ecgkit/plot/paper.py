"""ECG paper: the millimetre grid, the calibration pulse, the 12-lead page and strips.

Paper speed 25 mm/s and gain 10 mm/mV: one small (1 mm) square is 0.04 s x 0.1 mV, one
large (5 mm) square 0.2 s x 0.5 mV. :func:`paper_axes` and :func:`finish_paper` set up any
figure drawn in millimetres of paper (``ecgkit.explain`` draws attributions on them).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.transforms as mtransforms
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection

from ecgkit.data.ptbxl import LEADS
from ecgkit.signal.checks import check_fs

__all__ = ["MM_PER_INCH", "ROW_HEIGHT_MM", "CALIBRATION_MM", "draw_paper", "paper_axes",
           "finish_paper", "plot_ecg_paper", "plot_strip"]

MM_PER_INCH = 25.4
PAPER_MINOR = "#f6c9c9"   # 1 mm lines
PAPER_MAJOR = "#e27b7b"   # 5 mm lines
TRACE = "black"
ROW_HEIGHT_MM = 35.0      # vertical space per row of the 12-lead layout (+-1.75 mV)
CALIBRATION_MM = 10.0     # left margin holding the 1 mV calibration pulse


# --------------------------------------------------------------------------- helpers
def new_axes(ax, figsize: tuple[float, float]):
    """``(figure, ax)`` of the given ``ax``, or of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def finite_array(x, name: str, ndim: int) -> np.ndarray:
    """``x`` as float64 with ``ndim`` dimensions, non-empty and finite, else ValueError
    (naming ``name`` and the index of the first NaN/inf)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} has {int(bad.sum())} NaN/inf value(s), the first at index "
                         f"{first}")
    return arr.astype(np.float64, copy=False)


def draw_paper(ax, x0: float, x1: float, y0: float, y1: float, minor: tuple[float, float],
               major: tuple[float, float]) -> None:
    """ECG grid on ``ax`` over [x0, x1] x [y0, y1]; ``minor``/``major`` = (dx, dy) steps.

    The steps are in the units of the axes: (1, 1) and (5, 5) in mm of paper, or
    (0.04, 0.1) and (0.2, 0.5) in s and mV. Sets the axes limits to the grid.
    """
    for (dx, dy), color, width in ((minor, PAPER_MINOR, 0.4), (major, PAPER_MAJOR, 0.8)):
        xs = np.arange(np.ceil(x0 / dx - 1e-9), np.floor(x1 / dx + 1e-9) + 1) * dx
        ys = np.arange(np.ceil(y0 / dy - 1e-9), np.floor(y1 / dy + 1e-9) + 1) * dy
        segments = [[(x, y0), (x, y1)] for x in xs] + [[(x0, y), (x1, y)] for y in ys]
        ax.add_collection(LineCollection(segments, colors=color, linewidths=width,
                                         zorder=0))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)



def paper_axes(width: float, height: float, ax=None, margin: float = 6.0,
               top: float = 12.0):
    """Axes whose units are millimetres of ECG paper, gridded (1 mm and 5 mm squares).

    Parameters
    ----------
    width, height : size of the paper in mm; the axes span [0, width] x [0, height].
    ax : draw into this axes (its figure size is then left as it is); else a new figure
        whose size is in mm of paper (1 mm on screen at 100 % zoom is 1 mm of paper).
    margin : mm around the paper (left, right, bottom) of a new figure.
    top : mm above the paper (room for the title) of a new figure.

    Returns
    -------
    (Figure, Axes).
    """
    if ax is None:
        fig_w, fig_h = width + 2 * margin, height + (margin + top)
        fig = plt.figure(figsize=(fig_w / MM_PER_INCH, fig_h / MM_PER_INCH))
        ax = fig.add_axes([margin / fig_w, margin / fig_h, width / fig_w, height / fig_h])
    draw_paper(ax, 0.0, width, 0.0, height, (1.0, 1.0), (5.0, 5.0))
    return ax.figure, ax


def finish_paper(ax, width: float, height: float, note: str, note_size: float = 7,
                 title: str | None = None, title_size: float = 10) -> None:
    """Square millimetres, no ticks or frame, ``note`` under the right edge, ``title``.

    ``width`` and ``height`` (mm) restore the limits of :func:`paper_axes` (``imshow``
    may have moved them).
    """
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(width, -1.5, note, ha="right", va="top", fontsize=note_size)
    if title:
        ax.set_title(title, fontsize=title_size, loc="left")


# --------------------------------------------------------------------------- ECG paper
def plot_ecg_paper(signal, fs: float, leads=LEADS, title: str | None = None,
                   rhythm_lead: str = "II", speed: float = 25.0, gain: float = 10.0,
                   ax=None):
    """A 12-lead ECG as printed on ECG paper: 3 x 4 leads plus a rhythm strip.

    Columns show consecutive quarters of the record (I, II, III | aVR, aVL, aVF |
    V1-V3 | V4-V6; 2.5 s each for a 10 s record), as on a printed ECG; the bottom row is
    ``rhythm_lead`` over the whole record (at most the first 10 s). Each row starts with a
    1 mV calibration pulse. The figure size is in millimetres of paper, so that the grid
    squares are square and 1 mm on screen at 100 % zoom is 1 mm of paper.

    Parameters
    ----------
    signal : array (12, T) in mV, leads in the order of ``leads``.
    fs : sampling rate in Hz (PTB-XL: 100 or 500).
    leads : the 12 lead names, in the order of the rows of ``signal``.
    title : text above the paper.
    rhythm_lead : lead shown over the full length at the bottom.
    speed : paper speed in mm/s (25 standard, 50 for fast rhythms).
    gain : mm per mV (10 standard).
    ax : draw into this axes (its figure size is then left as it is).

    Returns
    -------
    Figure. The plot is not baseline-corrected: filter with
    :func:`ecgkit.signal.highpass` first if the baseline wanders.
    """
    arr, fs, leads = _check_page(signal, fs, leads, rhythm_lead)
    n = arr.shape[1]
    duration = n / fs
    width = CALIBRATION_MM + duration * speed
    height = 4 * ROW_HEIGHT_MM
    fig, ax = paper_axes(width, height, ax, margin=6.0, top=12.0)
    _draw_page(ax, arr, fs, leads, rhythm_lead, speed, gain)
    note = f"{speed:g} mm/s   {gain:g} mm/mV   fs = {fs:g} Hz   {duration:g} s"
    finish_paper(ax, width, height, note, note_size=7, title=title, title_size=10)
    return fig


def _check_page(signal, fs, leads, rhythm_lead) -> tuple[np.ndarray, float, tuple]:
    """The checked inputs of :func:`plot_ecg_paper`: ``(12, n)`` mV (at most 10 s), fs in
    Hz and the 12 lead names."""
    arr = finite_array(signal, "signal", 2)
    fs = check_fs(fs)
    leads = tuple(leads)
    if len(leads) != 12:
        raise ValueError(f"plot_ecg_paper draws the 3 x 4 layout of 12 leads, got "
                         f"{len(leads)} lead names")
    if arr.shape[0] != 12:
        hint = " (transpose it: wfdb returns (T, 12))" if arr.shape[1] == 12 else ""
        raise ValueError(f"signal must be shaped (12, T) = (leads, time), got "
                         f"{arr.shape}{hint}")
    if rhythm_lead not in leads:
        raise ValueError(f"rhythm_lead {rhythm_lead!r} is not one of the leads {leads}")
    n = min(arr.shape[1], int(round(10 * fs)))  # a printed page holds 10 s
    if n < 8:
        raise ValueError(f"signal has {arr.shape[1]} samples, too short to draw 4 columns")
    return arr[:, :n], fs, leads


def _draw_page(ax, arr, fs, leads, rhythm_lead, speed, gain) -> None:
    """The 3 x 4 leads and the rhythm strip of ``arr`` ``(12, n)`` mV, in mm of paper."""
    n = arr.shape[1]
    height = 4 * ROW_HEIGHT_MM
    t = np.arange(n) / fs
    x = CALIBRATION_MM + t * speed
    quarter = n // 4
    for row in range(4):
        baseline = height - (row + 0.5) * ROW_HEIGHT_MM
        _calibration_pulse(ax, baseline, gain, speed)
        if row < 3:
            for col in range(4):
                k = 3 * col + row
                stop = n if col == 3 else (col + 1) * quarter
                seg = slice(col * quarter, stop)
                ax.plot(x[seg], baseline + gain * arr[k, seg], color=TRACE, lw=0.7)
                _lead_label(ax, x[col * quarter], baseline, leads[k])
                if col:  # a short bar marks the lead change, as on printed ECGs
                    ax.plot([x[col * quarter]] * 2, [baseline - 4, baseline + 4],
                            color=TRACE, lw=0.9)
        else:
            k = leads.index(rhythm_lead)
            ax.plot(x, baseline + gain * arr[k], color=TRACE, lw=0.7)
            _lead_label(ax, x[0], baseline, rhythm_lead)


def _calibration_pulse(ax, baseline, gain, speed):
    """The 1 mV, 0.2 s rectangle printed at the start of each row."""
    w = 0.2 * speed
    x0 = (CALIBRATION_MM - w) / 2
    ax.plot([0.5, x0, x0, x0 + w, x0 + w, CALIBRATION_MM - 0.5],
            [baseline, baseline, baseline + gain, baseline + gain, baseline, baseline],
            color=TRACE, lw=0.7)


def _lead_label(ax, x, baseline, name):
    """The lead's name at the start of its segment of a row."""
    ax.text(x + 1.0, baseline + 0.4 * ROW_HEIGHT_MM, name, fontsize=8, fontweight="bold",
            va="top", gid="lead-label")


# --------------------------------------------------------------------------- strips
def plot_strip(signal_1d, fs: float, annotations=None, title: str | None = None, ax=None,
               paper: bool = True, colors: dict | None = None, markers: bool = True,
               t0: float = 0.0, speed: float = 25.0, gain: float = 10.0):
    """One lead over time, optionally with beat labels above the beats.

    Parameters
    ----------
    signal_1d : array (T,) in mV at ``fs`` Hz. Keep it to a few seconds on ECG paper.
    fs : sampling rate in Hz (MIT-BIH: 360).
    annotations : optional ``(samples, labels)``; ``samples`` are indices into
        ``signal_1d`` (subtract the start of the strip from record-level annotation
        samples), ``labels`` the text drawn above each beat (e.g. MIT-BIH symbols or AAMI
        classes).
    title : axes title.
    ax : draw into this axes.
    paper : draw the ECG grid (0.04 s / 0.1 mV and 0.2 s / 0.5 mV squares, kept square).
    colors : label -> colour of the beat markers; default one colour per label.
    markers : draw a coloured marker on the signal at each annotated sample.
    t0 : time (s) of the first sample, for the x axis.
    speed, gain : mm/s and mm/mV, which set the aspect of the paper grid.

    Returns
    -------
    Figure.
    """
    x = finite_array(signal_1d, "signal_1d", 1)
    fs = check_fs(fs)
    t = t0 + np.arange(len(x)) / fs
    duration = len(x) / fs
    fig, ax = new_axes(ax, (min(max(duration * speed / MM_PER_INCH, 4.0), 20.0), 3.0))
    ax.plot(t, x, color=TRACE, lw=0.8, zorder=2)
    lo, hi = float(x.min()), float(x.max())
    pad = 0.25 * max(hi - lo, 0.5)
    y0, y1 = lo - pad, hi + 1.5 * pad  # room above the trace for the labels
    if paper:
        draw_paper(ax, t[0], t[-1], y0, y1, (0.04, 0.1), (0.2, 0.5))
        ax.set_aspect(gain / speed)  # 1 s is `speed` mm, 1 mV is `gain` mm
    else:
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(y0, y1)
    if annotations is not None:
        _annotate_beats(ax, x, t, annotations, colors, markers)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mV")
    if title:
        ax.set_title(title)
    return fig


def _annotate_beats(ax, x, t, annotations, colors, markers):
    """Beat labels above the strip (and markers on the trace) from ``(samples, labels)``."""
    try:
        samples, labels = annotations
    except (TypeError, ValueError):
        raise ValueError("annotations must be a pair (samples, labels)") from None
    samples = np.asarray(samples)
    labels = np.asarray(labels).astype(str)
    if samples.ndim != 1 or samples.shape != labels.shape:
        raise ValueError(f"annotation samples and labels must be 1-D of equal length, got "
                         f"{samples.shape} and {labels.shape}")
    if samples.dtype.kind not in "iu":
        raise ValueError(f"annotation samples must be integer sample indices, got "
                         f"dtype {samples.dtype}")
    outside = (samples < 0) | (samples >= len(x))
    if outside.any():
        raise ValueError(f"{int(outside.sum())} annotation sample(s) lie outside the strip "
                         f"[0, {len(x)}), e.g. {int(samples[outside][0])}; give indices "
                         "relative to the start of signal_1d")
    classes = list(dict.fromkeys(labels))
    palette = colormaps["tab10"]
    colors = {**{c: palette(i % 10) for i, c in enumerate(classes)}, **(colors or {})}
    above = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for s, lab in zip(samples, labels):
        ax.text(t[s], 0.97, lab, transform=above, ha="center", va="top", fontsize=8,
                color=colors[lab], gid="beat-label")
    if markers:
        for c in classes:
            sel = samples[labels == c]
            ax.scatter(t[sel], x[sel], s=14, color=colors[c], zorder=3, label=c)
        ax.legend(loc="lower right", fontsize=7, ncol=len(classes), framealpha=0.8)
