"""Figures for heartbeat classification: beat galleries and class shapes.

(Confusion matrices: :func:`ecgkit.plot_metrics.plot_confusion_matrix`.)

Like :mod:`ecgkit.plot`, every function draws into a given ``ax`` (or a new figure),
returns the :class:`~matplotlib.figure.Figure` and never calls ``plt.show()``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["plot_beat_gallery", "plot_class_beats"]

AAMI_CLASSES = ("N", "S", "V", "F", "Q")  # same as ecgkit.data.AAMI_CLASSES


def plot_beat_gallery(windows, fs: float, titles=None, before: int | None = None,
                      ncols: int = 6, reference=None, fig=None):
    """Small multiples of beat windows (e.g. misclassified beats).

    Parameters
    ----------
    windows : (n, L) beats, any units (the y axes are not shared).
    fs : sampling rate of the windows in Hz (x axis in ms from the R peak).
    titles : n strings, one per beat (e.g. ``"232 S->N"``).
    before : index of the R peak in the window (drawn as a dotted line); default none.
    ncols : panels per row.
    reference : optional (n, L) beats drawn in grey behind each beat (e.g. the record's
        median beat).

    Returns
    -------
    Figure.
    """
    import matplotlib.pyplot as plt

    w = np.asarray(windows, dtype=float)
    if w.ndim != 2 or len(w) == 0:
        raise ValueError(f"windows must be a non-empty (n, L) array, got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError("windows contain NaN or inf")
    if titles is not None and len(titles) != len(w):
        raise ValueError(f"{len(titles)} titles for {len(w)} beats")
    if reference is not None and np.shape(reference) != w.shape:
        raise ValueError(f"reference must have the shape of windows {w.shape}")
    ncols = max(1, min(ncols, len(w)))
    nrows = int(np.ceil(len(w) / ncols))
    if fig is None:
        fig = plt.figure(figsize=(1.9 * ncols, 1.5 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    zero = before if before is not None else 0
    t_ms = (np.arange(w.shape[1]) - zero) / fs * 1000
    for k, ax in enumerate(axes.ravel()):
        if k >= len(w):
            ax.axis("off")
            continue
        if reference is not None:
            ax.plot(t_ms, reference[k], color="0.7", lw=0.8)
        ax.plot(t_ms, w[k], color="black", lw=0.8)
        if before is not None:
            ax.axvline(0, color="tab:red", ls=":", lw=0.6)
        ax.set_yticks([])
        ax.tick_params(labelsize=6)
        if titles is not None:
            ax.set_title(titles[k], fontsize=7)
    fig.supxlabel("ms from the R peak" if before is not None else "ms", fontsize=8)
    fig.tight_layout()
    return fig


def plot_class_beats(windows, labels, fs: float, classes=AAMI_CLASSES, before: int = 0,
                     n_examples: int = 30, seed: int = 0, fig=None):
    """One panel per class: a few example beats (thin) and the class median (thick).

    ``windows``: (n, L) beats; ``labels``: (n,) class names. Classes without beats get
    an empty panel saying so. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    w = np.asarray(windows, dtype=float)
    labels = np.asarray(labels)
    if w.ndim != 2 or labels.shape != (len(w),):
        raise ValueError(f"windows must be (n, L) and labels (n,), got {w.shape}, "
                         f"{labels.shape}")
    rng = np.random.default_rng(seed)
    if fig is None:
        fig = plt.figure(figsize=(2.4 * len(classes), 2.2))
    axes = fig.subplots(1, len(classes), sharey=True, squeeze=False)[0]
    t_ms = (np.arange(w.shape[1]) - before) / fs * 1000
    for ax, c in zip(axes, classes):
        idx = np.flatnonzero(labels == c)
        ax.set_title(f"{c} ({len(idx):,} beats)", fontsize=9)
        if len(idx) == 0:
            ax.text(0.5, 0.5, "none", transform=ax.transAxes, ha="center")
            continue
        pick = rng.choice(idx, min(n_examples, len(idx)), replace=False)
        ax.plot(t_ms, w[pick].T, color="tab:blue", lw=0.4, alpha=0.35)
        ax.plot(t_ms, np.median(w[idx], axis=0), color="black", lw=1.5)
        ax.set_xlabel("ms", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig
