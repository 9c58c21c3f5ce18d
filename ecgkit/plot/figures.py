"""Figures of the course besides ECG paper: datasets, filters, training curves,
evaluation (ROC curves, confusion matrices), heartbeats and model diagrams.

Every function draws into a given ``ax`` (or creates a figure) and returns the
:class:`~matplotlib.figure.Figure`; none calls ``plt.show()`` or picks a backend.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import FancyBboxPatch

from ecgkit import metrics
from ecgkit.data.mitbih import AAMI_CLASSES
from ecgkit.plot.paper import finite_array, new_axes
from ecgkit.signal.checks import check_fs

__all__ = ["plot_class_distribution", "plot_cooccurrence", "plot_frequency_response",
           "plot_signal_comparison", "plot_history", "plot_roc_curves",
           "plot_confusion_matrices", "plot_confusion_matrix", "plot_beat_gallery",
           "plot_class_beats", "plot_radar", "plot_block_diagram"]


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
    fig, ax = new_axes(ax, (max(4.0, 0.8 * len(counts) + 1.5), 3.5))
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
    """Annotated heatmap of a class co-occurrence matrix (:func:`ecgkit.data.label_cooccurrence`).

    ``normalize=None`` shows counts; ``normalize="row"`` shows P(column | row), each entry
    divided by its row's diagonal (the number of records of the row class). Returns the
    Figure.
    """
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
    fig, ax = new_axes(ax, (1.0 + 0.7 * n, 0.6 + 0.6 * n))
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
    f = finite_array(freqs, "freqs", 1)
    fs = check_fs(fs)
    if not gains_dict:
        raise ValueError("gains_dict is empty: give at least one name -> gain curve")
    if f.min() < 0 or f.max() > fs / 2 + 1e-9:
        raise ValueError(f"freqs must lie in [0, fs/2] = [0, {fs / 2}] Hz")
    fig, ax = new_axes(ax, (6.0, 3.5))
    for name, gain in gains_dict.items():
        g = np.abs(finite_array(gain, f"gain of {name!r}", 1))
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
    t = finite_array(t, "t", 1)
    before = finite_array(before, "before", 1)
    after = finite_array(after, "after", 1)
    if not (t.shape == before.shape == after.shape):
        raise ValueError(f"t, before and after must have the same length, got "
                         f"{t.shape}, {before.shape}, {after.shape}")
    fig, ax = new_axes(ax, (8.0, 3.0))
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
    """The panel of a history column: ``"val_loss"`` -> ``"loss"``."""
    for prefix in ("train_", "val_", "valid_", "test_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def plot_history(history, metrics=None, fig=None):
    """Training curves: one panel per metric, train and validation together.

    Parameters
    ----------
    history : :class:`ecgkit.train.History`, dict of lists (e.g. ``{"loss": [...],
        "val_loss": [...], "val_auc": [...], "lr": [...]}``), a list of per-epoch dicts (a
        benchmark JSON's ``"history"``) or DataFrame with one row per epoch; an ``epoch`` column, if
        present, is the x axis (else 1, 2, ...). Columns ``train_x``/``val_x``/``x`` share
        the panel ``x``; ``lr`` is drawn on a log scale.
    metrics : panel names to draw (e.g. ``["loss", "auc"]``); default all.
    fig : draw into this Figure (cleared first).

    Returns
    -------
    Figure with one axes per panel.
    """
    if hasattr(history, "to_frame"):          # ecgkit.train.History
        history = history.to_frame().reset_index()
    df = pd.DataFrame(history)
    # bookkeeping columns, not curves
    df = df.drop(columns=[c for c in ("time_s", "train_samples_per_s") if c in df])
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


# --------------------------------------------------------------------------- evaluation
def plot_roc_curves(y_true, y_score, classes=None, ax=None, title: str | None = None):
    """One ROC curve per class with its AUROC in the legend; undefined classes listed.

    A class without positives or negatives in this split has no curve; the legend says
    so instead of drawing nothing silently.
    """
    y_true, y_score = metrics.as_multilabel(y_true, y_score)
    names = metrics.class_names(classes, y_true.shape[1])
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.8, 4.5))
    else:
        fig = ax.figure
    defined = metrics.defined_classes(y_true)
    for c, name in enumerate(names):
        if not defined[c]:
            ax.plot([], [], " ", label=f"{name}: undefined (no pos. or neg.)")
            continue
        fpr, tpr = metrics.roc_curve(y_true[:, c], y_score[:, c])
        ax.plot(fpr, tpr, lw=1.5,
                label=f"{name}: AUROC {metrics.binary_auroc(y_true[:, c], y_score[:, c]):.3f}")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=0.8)
    ax.set(xlabel="false-positive rate (1 - specificity)",
           ylabel="true-positive rate (sensitivity)", xlim=(0, 1), ylim=(0, 1.01))
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_confusion_matrices(y_true, y_score, classes=None, thresholds=0.5, fig=None):
    """A 2x2 confusion matrix per class of a multi-label result.

    ``thresholds``: scalar or one per class (e.g. from :func:`ecgkit.metrics.tune_thresholds`);
    predicted positive where ``y_score >= threshold``. Rows: true 0/1; columns:
    predicted 0/1 (TN FP / FN TP).
    """
    y_true, y_score = metrics.as_multilabel(y_true, y_score)
    names = metrics.class_names(classes, y_true.shape[1])
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (len(names),))
    n = len(names)
    if fig is None:
        fig = plt.figure(figsize=(2.6 * n, 2.8))
    else:
        fig.clear()
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, c, name in zip(axes, range(n), names):
        pred = (y_score[:, c] >= thr[c]).astype(int)
        cm = metrics.confusion_matrix(y_true[:, c].astype(int), pred, 2)
        ax.imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center",
                    color="white" if v > cm.max() / 2 else "black")
        ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["0", "1"], yticklabels=["0", "1"],
               xlabel="predicted", title=f"{name} (t={thr[c]:.2f})")
        if c == 0:
            ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, classes=None, normalize: bool = False, ax=None,
                          title: str | None = None):
    """Single-label confusion matrix (rows true, columns predicted).

    ``normalize=True`` divides each row by its count (row = sensitivity per class);
    the counts stay printed in the cells either way.
    """
    n = None if classes is None else len(classes)
    cm = metrics.confusion_matrix(y_true, y_pred, n)
    names = metrics.class_names(classes, len(cm))
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(cm), 0.8 + 0.7 * len(cm)))
    else:
        fig = ax.figure
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    for (i, j), v in np.ndenumerate(cm):
        text = f"{shown[i, j]:.2f}\n({v})" if normalize else str(v)
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if shown[i, j] > shown.max() / 2 else "black")
    ax.set(xticks=range(len(cm)), yticks=range(len(cm)), xticklabels=names,
           yticklabels=names, xlabel="predicted", ylabel="true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    if title:
        ax.set_title(title)
    return fig


# --------------------------------------------------------------------------- heartbeats
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


# --------------------------------------------------------------------------- models
def plot_radar(values, ax=None, title: str | None = None, fill: bool = True):
    """Radar (spider) chart: one closed polygon per row of ``values`` over its columns.

    Parameters
    ----------
    values : DataFrame ``(series, axes)``, e.g. mean lead attention per class (rows:
        classes, columns: the 12 leads). Values must be finite.
    ax : a polar Axes to draw into (default: a new figure).
    fill : shade each polygon lightly.

    Returns
    -------
    Figure.
    """
    df = pd.DataFrame(values)
    if df.empty or df.shape[1] < 3:
        raise ValueError(f"a radar chart needs at least 3 columns (axes), got {df.shape[1]}")
    arr = df.to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        raise ValueError("values contain NaN or inf")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5.5), subplot_kw={"projection": "polar"})
    else:
        fig = ax.figure
    angles = np.linspace(0, 2 * np.pi, df.shape[1], endpoint=False)
    closed = np.append(angles, angles[0])
    for name, row in zip(df.index, arr):
        ax.plot(closed, np.append(row, row[0]), lw=1.5, label=str(name))
        if fill:
            ax.fill(closed, np.append(row, row[0]), alpha=0.08)
    ax.set_xticks(angles)
    ax.set_xticklabels([str(c) for c in df.columns])
    ax.set_ylim(0, max(float(arr.max()) * 1.1, 1e-12))
    ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=8)
    if title:
        ax.set_title(title, pad=18)
    return fig


def plot_block_diagram(blocks, ax=None, title: str | None = None):
    """A model drawn as boxes from left to right, joined by arrows.

    Parameters
    ----------
    blocks : sequence of ``(name, detail)`` strings, e.g. ``("Residual block 1",
        "1 -> 32 ch, k7, s2\n(N*12, 32, 500)")``; the detail (shapes, sizes) is printed
        under the name.
    ax : Axes to draw into (default: a new figure sized to the number of blocks).

    Returns
    -------
    Figure.
    """
    blocks = [(str(name), str(detail)) for name, detail in blocks]
    if not blocks:
        raise ValueError("blocks is empty: nothing to draw")

    n = len(blocks)
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2.3 * n, 18.0), 2.6))
    else:
        fig = ax.figure
    width, gap = 1.0, 0.35
    for k, (name, detail) in enumerate(blocks):
        x = k * (width + gap)
        ax.add_patch(FancyBboxPatch((x, 0.0), width, 1.0, boxstyle="round,pad=0.02",
                                    facecolor="#e8f0fb", edgecolor="#3b6ea5"))
        ax.text(x + width / 2, 0.78, name, ha="center", va="center", fontsize=9,
                fontweight="bold", wrap=True)
        ax.text(x + width / 2, 0.38, detail, ha="center", va="center", fontsize=7.5)
        if k < n - 1:
            ax.annotate("", xy=(x + width + gap - 0.03, 0.5), xytext=(x + width + 0.03, 0.5),
                        arrowprops={"arrowstyle": "->", "color": "#3b6ea5"})
    ax.set_xlim(-0.1, n * (width + gap) - gap + 0.1)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig
