"""Attribution maps drawn on the ECG: under one lead (:func:`plot_on_trace`) or over all
leads on ECG paper (:func:`plot_attribution_on_paper`, on :mod:`ecgkit.plot.paper`'s axes).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ecgkit.data.ptbxl import LEADS
from ecgkit.plot.paper import finish_paper, paper_axes

__all__ = ["plot_on_trace", "plot_attribution_on_paper"]


def plot_on_trace(signal, fs: float, time_map, ax=None, title: str | None = None,
                  label: str = "attribution", cmap: str = "Reds"):
    """Draw one lead with a time map (importance per sample) under it.

    The map is min-max scaled to [0, 1] (darkest where it is largest, white where it is
    smallest: a relative picture within this record) and shown as coloured bands behind
    the trace. Pass positive evidence (e.g. Grad-CAM, or clipped SHAP values).

    Parameters
    ----------
    signal : ``(T,)`` one lead, at ``fs`` Hz.
    fs : sampling rate in Hz.
    time_map : ``(T,)`` importance per sample (e.g. from
        :func:`ecgkit.explain.image_map_to_time`).
    ax : matplotlib axes, optional.

    Returns
    -------
    matplotlib Figure.
    """
    y = np.asarray(signal, dtype=np.float64)
    m = np.asarray(time_map, dtype=np.float64)
    if y.ndim != 1 or m.shape != y.shape:
        raise ValueError(f"signal and time_map must both be (T,), got {y.shape} and {m.shape}")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 2.6))
    else:
        fig = ax.figure
    t = np.arange(len(y)) / fs
    span = m.max() - m.min()
    weight = (m - m.min()) / span if span > 0 else np.zeros_like(m)
    lo, hi = y.min(), y.max()
    pad = 0.1 * (hi - lo + 1e-9)
    ax.imshow(weight[None, :], aspect="auto", cmap=cmap, vmin=0, vmax=1, alpha=0.6,
              extent=(t[0], t[-1] + 1 / fs, lo - pad, hi + pad), origin="lower")
    ax.plot(t, y, color="black", lw=0.8)
    ax.set_xlim(t[0], t[-1] + 1 / fs)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(title or f"{label} on the trace (darker = more)")
    return fig


def plot_attribution_on_paper(signal, attribution, fs: float = 100.0, leads=None,
                              title: str | None = None, signed: bool | None = None,
                              ax=None, row_mm: float = 20.0, cmap: str | None = None):
    """Draw a 12-lead ECG on ECG paper with an attribution map over it.

    Each lead gets one row over the whole record (25 mm/s, 10 mm/mV): the trace in
    black over a coloured band whose intensity is the attribution of each sample. One
    colour scale serves all leads (the largest absolute value over the whole map), so
    leads can be compared.

    Parameters
    ----------
    signal : ``(L, T)`` in mV (plot the raw or band-passed signal, not the
        standardised input: doctors read millivolts).
    attribution : ``(L, T)``, e.g. one class of :func:`ecgkit.explain.explain`.
    fs : Hz.
    leads : the L lead names (default the 12 of ``ecgkit.data.LEADS``).
    signed : draw negative values in blue and positive in red (default: when the map
        has negative values); unsigned maps use white-to-red.
    row_mm : height of one row in mm of paper (20 mm = +-1 mV).

    Returns
    -------
    matplotlib Figure.
    """
    y, a, leads = _check_attribution(signal, attribution, fs, leads)
    n_leads, t = y.shape
    speed, gain = 25.0, 10.0
    width, height = t / fs * speed, n_leads * row_mm
    if signed is None:
        signed = bool((a < 0).any())
    scale = np.abs(a).max() or 1.0
    weight = a / scale
    cmap = cmap or ("RdBu_r" if signed else "Reds")
    fig, ax = paper_axes(width, height, ax, margin=8.0, top=12.0)
    x = np.arange(t) / fs * speed
    for row in range(n_leads):
        top = height - row * row_mm
        ax.imshow(weight[row][None, :], aspect="auto", cmap=cmap,
                  vmin=-1 if signed else 0, vmax=1, alpha=0.55, zorder=1,
                  extent=(0, width, top - row_mm, top), interpolation="nearest")
        baseline = top - row_mm / 2
        ax.plot(x, baseline + gain * np.clip(y[row], -row_mm / gain / 2 * 0.98,
                                             row_mm / gain / 2 * 0.98),
                color="black", lw=0.6, zorder=2)
        ax.text(1.0, top - 2.0, leads[row], fontsize=7, va="top", zorder=3,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5, alpha=0.8))
    note = (f"{speed:g} mm/s   {gain:g} mm/mV   fs = {fs:g} Hz   "
            f"colour: attribution / max |attribution| (max = {scale:.3g})")
    finish_paper(ax, width, height, note, note_size=6, title=title, title_size=9)
    return fig


def _check_attribution(signal, attribution, fs, leads) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The checked inputs of :func:`plot_attribution_on_paper`: signal and attribution
    float64 ``(L, T)`` and the L lead names."""
    y = np.asarray(signal, dtype=np.float64)
    a = np.asarray(attribution, dtype=np.float64)
    if y.ndim != 2 or a.shape != y.shape:
        raise ValueError(f"signal and attribution must both be (L, T), got {y.shape} and "
                         f"{a.shape}")
    if not (np.isfinite(y).all() and np.isfinite(a).all()):
        raise ValueError("signal or attribution contains NaN or inf")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    leads = tuple(LEADS if leads is None else leads)
    if len(leads) != y.shape[0]:
        raise ValueError(f"{len(leads)} lead names for {y.shape[0]} rows")
    return y, a, leads
