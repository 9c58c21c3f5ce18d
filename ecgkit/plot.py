"""Figures of the course: ECG paper, strips, dataset statistics, filters, training curves.

Every function draws into a given ``ax`` (or creates a figure when none is given) and
returns the :class:`~matplotlib.figure.Figure`; none calls ``plt.show()`` and none picks a
backend, so the same code works in notebooks, scripts and tests.

ECG paper convention: paper speed 25 mm/s and gain 10 mm/mV, so one small (1 mm) square
is 0.04 s x 0.1 mV and one large (5 mm) square is 0.2 s x 0.5 mV.
"""
from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd

# Same tuple as ecgkit.data.LEADS (a test checks it); kept local so that plotting does not
# import the data module.
LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

__all__ = ["LEADS", "plot_ecg_paper", "plot_strip", "plot_class_distribution",
           "plot_cooccurrence", "plot_frequency_response",
           "plot_signal_comparison", "plot_history"]

MM_PER_INCH = 25.4
PAPER_MINOR = "#f6c9c9"   # 1 mm lines
PAPER_MAJOR = "#e27b7b"   # 5 mm lines
TRACE = "black"
ROW_HEIGHT_MM = 35.0      # vertical space per row of the 12-lead layout (+-1.75 mV)
CALIBRATION_MM = 10.0     # left margin holding the 1 mV calibration pulse


# --------------------------------------------------------------------------- helpers
def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def _finite_array(x, name: str, ndim: int) -> np.ndarray:
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


def _check_fs(fs) -> float:
    if (isinstance(fs, bool) or not isinstance(fs, (Real, np.integer, np.floating))
            or not np.isfinite(fs) or fs <= 0):
        raise ValueError(f"fs (sampling rate in Hz) must be a positive number, got {fs!r}")
    return float(fs)


def _draw_paper(ax, x0, x1, y0, y1, minor, major):
    """ECG grid on ``ax`` over [x0, x1] x [y0, y1]; ``minor``/``major`` = (dx, dy) steps."""
    from matplotlib.collections import LineCollection

    for (dx, dy), color, width in ((minor, PAPER_MINOR, 0.4), (major, PAPER_MAJOR, 0.8)):
        xs = np.arange(np.ceil(x0 / dx - 1e-9), np.floor(x1 / dx + 1e-9) + 1) * dx
        ys = np.arange(np.ceil(y0 / dy - 1e-9), np.floor(y1 / dy + 1e-9) + 1) * dy
        segments = [[(x, y0), (x, y1)] for x in xs] + [[(x0, y), (x1, y)] for y in ys]
        ax.add_collection(LineCollection(segments, colors=color, linewidths=width,
                                         zorder=0))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


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
    arr = _finite_array(signal, "signal", 2)
    fs = _check_fs(fs)
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
    arr = arr[:, :n]
    duration = n / fs
    width = CALIBRATION_MM + duration * speed
    height = 4 * ROW_HEIGHT_MM
    margin = 6.0  # mm around the paper, for the title and the speed/gain note
    if ax is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=((width + 2 * margin) / MM_PER_INCH,
                                  (height + 3 * margin) / MM_PER_INCH))
        ax = fig.add_axes([margin / (width + 2 * margin), margin / (height + 3 * margin),
                           width / (width + 2 * margin), height / (height + 3 * margin)])
    fig = ax.figure
    _draw_paper(ax, 0.0, width, 0.0, height, (1.0, 1.0), (5.0, 5.0))
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
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    note = f"{speed:g} mm/s   {gain:g} mm/mV   fs = {fs:g} Hz   {duration:g} s"
    ax.text(width, -1.5, note, ha="right", va="top", fontsize=7)
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    return fig


def _calibration_pulse(ax, baseline, gain, speed):
    """The 1 mV, 0.2 s rectangle printed at the start of each row."""
    w = 0.2 * speed
    x0 = (CALIBRATION_MM - w) / 2
    ax.plot([0.5, x0, x0, x0 + w, x0 + w, CALIBRATION_MM - 0.5],
            [baseline, baseline, baseline + gain, baseline + gain, baseline, baseline],
            color=TRACE, lw=0.7)


def _lead_label(ax, x, baseline, name):
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
    x = _finite_array(signal_1d, "signal_1d", 1)
    fs = _check_fs(fs)
    t = t0 + np.arange(len(x)) / fs
    duration = len(x) / fs
    fig, ax = _new_axes(ax, (min(max(duration * speed / MM_PER_INCH, 4.0), 20.0), 3.0))
    ax.plot(t, x, color=TRACE, lw=0.8, zorder=2)
    lo, hi = float(x.min()), float(x.max())
    pad = 0.25 * max(hi - lo, 0.5)
    y0, y1 = lo - pad, hi + 1.5 * pad  # room above the trace for the labels
    if paper:
        _draw_paper(ax, t[0], t[-1], y0, y1, (0.04, 0.1), (0.2, 0.5))
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
    import matplotlib.transforms as mtransforms
    from matplotlib import colormaps

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


# --------------------------------------------------------------------------- datasets
def plot_class_distribution(counts, ax=None, title: str | None = None):
    """Bar chart of class counts, each bar labelled with its count and percentage.

    ``counts``: pandas Series (class -> count) or dict. Percentages are of the sum of the
    counts (for multi-label data that is the number of labels, not of records; say so in
    the title). Returns the Figure.
    """
    counts = pd.Series(counts)
    if counts.empty:
        raise ValueError("counts is empty: nothing to plot")
    if not pd.api.types.is_numeric_dtype(counts) or counts.isna().any() or (counts < 0).any():
        raise ValueError(f"counts must be non-negative numbers, got {counts.to_dict()}")
    total = counts.sum()
    fig, ax = _new_axes(ax, (max(4.0, 0.8 * len(counts) + 1.5), 3.5))
    bars = ax.bar([str(i) for i in counts.index], counts.to_numpy(), color="tab:blue")
    share = counts / total * 100 if total > 0 else counts * 0.0
    ax.bar_label(bars, labels=[f"{c:,.0f}\n({p:.1f}%)" for c, p in zip(counts, share)],
                 fontsize=8, padding=2)
    ax.set_ylim(0, counts.max() * 1.2 if counts.max() > 0 else 1)
    ax.set_ylabel("count")
    ax.set_title(title or f"{total:,.0f} in total")
    return fig


def plot_cooccurrence(matrix_df, ax=None, normalize: str | None = None,
                      title: str | None = None):
    """Annotated heatmap of a class co-occurrence matrix (see :func:`ecgkit.data.label_cooccurrence`).

    ``normalize=None`` shows counts; ``normalize="row"`` shows P(column | row), each entry
    divided by its row's diagonal (the number of records of the row class). Returns the
    Figure.
    """
    import seaborn as sns

    m = pd.DataFrame(matrix_df)
    if m.shape[0] != m.shape[1] or list(m.index) != list(m.columns):
        raise ValueError(f"matrix_df must be square with the same classes on rows and "
                         f"columns, got shape {m.shape}")
    values = m.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("matrix_df must hold non-negative finite counts")
    if normalize not in (None, "row"):
        raise ValueError(f"normalize must be None or 'row', got {normalize!r}")
    fmt = "d" if np.allclose(values, np.round(values)) else ".2f"
    shown = m.round().astype(int) if fmt == "d" else m
    if normalize == "row":
        diag = np.diag(values)
        if (values > diag[:, None] + 1e-9).any():
            raise ValueError("row normalisation needs class counts on the diagonal "
                             "(an entry exceeds its row's diagonal); pass Y.T @ Y")
        with np.errstate(invalid="ignore", divide="ignore"):
            shown = pd.DataFrame(values / diag[:, None], index=m.index, columns=m.columns)
        fmt = ".2f"
    n = len(m)
    fig, ax = _new_axes(ax, (1.0 + 0.7 * n, 0.6 + 0.6 * n))
    sns.heatmap(shown, annot=True, fmt=fmt, cmap="Blues", square=True, ax=ax,
                cbar_kws={"label": "P(column | row)" if normalize else "records"},
                vmin=0, vmax=1 if normalize else None, annot_kws={"fontsize": 8})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title or ("P(column | row)" if normalize else "co-occurrence (records)"))
    return fig


# --------------------------------------------------------------------------- filters
def plot_frequency_response(freqs, gains_dict: dict, fs: float, ax=None,
                            floor_db: float = -80.0):
    """Gain in dB of several filters against frequency (0 to fs/2).

    ``freqs``: (n,) Hz; ``gains_dict``: name -> (n,) amplitude gain (e.g. the ``gain`` of
    :func:`ecgkit.signal.frequency_response`, i.e. ``|H|**2`` of a zero-phase filter),
    plotted as ``20 * log10(gain)`` and clipped at ``floor_db``. Returns the Figure.
    """
    f = _finite_array(freqs, "freqs", 1)
    fs = _check_fs(fs)
    if not gains_dict:
        raise ValueError("gains_dict is empty: give at least one name -> gain curve")
    if f.min() < 0 or f.max() > fs / 2 + 1e-9:
        raise ValueError(f"freqs must lie in [0, fs/2] = [0, {fs / 2}] Hz")
    fig, ax = _new_axes(ax, (6.0, 3.5))
    for name, gain in gains_dict.items():
        g = np.abs(_finite_array(gain, f"gain of {name!r}", 1))
        if g.shape != f.shape:
            raise ValueError(f"gain of {name!r} has shape {g.shape}, freqs {f.shape}")
        ax.plot(f, np.maximum(20 * np.log10(np.maximum(g, 1e-300)), floor_db), label=name)
    ax.axhline(-6.02, color="grey", lw=0.8, ls="--", label="-6 dB (gain 0.5)")
    ax.set_xlim(0, fs / 2)
    ax.set_ylim(floor_db, 5)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("gain (dB)")
    ax.set_title(f"zero-phase frequency response, fs = {fs:g} Hz")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_signal_comparison(t, before, after, labels=("raw", "filtered"), ax=None,
                           title: str | None = None):
    """Overlay a signal before and after processing; ``t`` (T,) in s, signals (T,) in mV.

    Returns the Figure.
    """
    t = _finite_array(t, "t", 1)
    before = _finite_array(before, "before", 1)
    after = _finite_array(after, "after", 1)
    if not (t.shape == before.shape == after.shape):
        raise ValueError(f"t, before and after must have the same length, got "
                         f"{t.shape}, {before.shape}, {after.shape}")
    fig, ax = _new_axes(ax, (8.0, 3.0))
    ax.plot(t, before, color="tab:grey", lw=0.9, label=labels[0])
    ax.plot(t, after, color="tab:red", lw=0.9, label=labels[1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mV")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


# --------------------------------------------------------------------------- training
def _metric_base(name: str) -> str:
    for prefix in ("train_", "val_", "valid_", "test_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def plot_history(history, metrics=None, fig=None):
    """Training curves: one panel per metric, train and validation together.

    Parameters
    ----------
    history : dict of lists (e.g. ``{"loss": [...], "val_loss": [...], "val_auc": [...],
        "lr": [...]}``) or DataFrame with one row per epoch; an ``epoch`` column, if
        present, is the x axis (else 1, 2, ...). Columns ``train_x``/``val_x``/``x`` share
        the panel ``x``; ``lr`` is drawn on a log scale.
    metrics : panel names to draw (e.g. ``["loss", "auc"]``); default all.
    fig : draw into this Figure (cleared first).

    Returns
    -------
    Figure with one axes per panel.
    """
    df = pd.DataFrame(history)
    if df.empty:
        raise ValueError("history is empty: no epochs to plot")
    epochs = df.pop("epoch").to_numpy() if "epoch" in df else np.arange(1, len(df) + 1)
    groups: dict[str, list[str]] = {}
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            groups.setdefault(_metric_base(str(col)), []).append(col)
    order = sorted(groups, key=lambda g: (g != "loss", g == "lr"))
    if metrics is not None:
        unknown = [m for m in metrics if m not in groups]
        if unknown:
            raise ValueError(f"metric(s) {unknown} not in history; available: {order}")
        order = list(metrics)
    if not order:
        raise ValueError("history has no numeric columns to plot")
    import matplotlib.pyplot as plt

    n = len(order)
    if fig is None:
        fig = plt.figure(figsize=(min(4.0 * n, 16.0), 3.2))
    else:
        fig.clear()
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, group in zip(axes, order):
        for col in groups[group]:
            ax.plot(epochs, df[col].to_numpy(dtype=float), marker="o", ms=3, label=col)
        if group == "lr":
            ax.set_yscale("log")
        ax.set_title(group)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
