"""From signal to image and spectrum: the 2D and frequency views of an ECG.

Every transform takes a batch of signals, ``(N, T)`` or ``(N, C, T)`` (records, leads,
time), checks it (finite, long enough) and returns one image or spectrum per signal:

===============================  ====================================  ==================
function                         output (for ``(N, T)`` input)          dtype
===============================  ====================================  ==================
:func:`relative_position_matrix`  ``(N, S, S)``, values in [0, 1]       float32
:func:`recurrence_plot`           ``(N, S', S')``, distances or 0/1     float32
:func:`gramian_angular_field`     ``(N, S, S)``, values in [-1, 1]      float32
:func:`markov_transition_field`   ``(N, S, S)``, probabilities          float32
:func:`scalogram`                 ``(N, F, W)``, CWT magnitude          float32
:func:`fft_features`              ``(N, K)``, log amplitude spectrum    float32
===============================  ====================================  ==================

With ``(N, C, T)`` input a lead axis is kept: ``(N, C, S, S)``, ``(N, C, F, W)``,
``(N, C, K)``. ``S`` is ``image_size``; the image axes index *segments* of the signal
cut by the piecewise aggregate approximation (:func:`paa`), so pixel ``(i, j)`` relates
segment ``i`` to segment ``j`` (:func:`paa_bounds` says which samples each covers, and
``ecgkit.explain.image_map_to_time`` maps an image back onto the time axis).

The recurrence plot, Gramian angular fields and Markov transition field are also in
``pyts`` (``pyts.image``); the versions here are vectorised NumPy, tested equal to pyts,
and avoid pyts' ~18 s import (numba compilation). ``pyts`` has no relative position
matrix; :func:`relative_position_matrix` implements Chen & Shi (2019).

:func:`cached_transform` stores images on disk (:func:`ecgkit.data.cache_dir`) so that
re-running a chapter does not recompute them; ``scripts/bench_transforms.py`` measures
the throughput of each transform.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

__all__ = [
    "paa_bounds", "paa", "relative_position_matrix", "recurrence_plot",
    "gramian_angular_field", "markov_transition_field", "scalogram",
    "scalogram_frequencies", "fft_spectrum", "fft_features", "fft_frequencies",
    "phase_randomized",
    "Spectrum", "TRANSFORMS", "cached_transform", "image_cache_dir", "preprocessed_splits",
]

_CHUNK = 2048  # signals per block: bounds the temporaries (a 64x64 float64 image is 32 kB)


# --------------------------------------------------------------------------- checks
def _as_batch(x, name: str = "x", min_length: int = 2) -> tuple[np.ndarray, tuple]:
    """Validate a batch ``(N, T)`` or ``(N, C, T)``; return it as ``(M, T)`` rows and the
    leading shape (``(N,)`` or ``(N, C)``) to restore afterwards.

    Floating input keeps its precision (float32 or float64); anything else becomes
    float64.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim not in (2, 3):
        hint = (" (one signal: pass x[None], shape (1, T))" if arr.ndim == 1 else "")
        raise ValueError(f"{name} must be a batch (N, T) or (N, C, T), got shape "
                         f"{arr.shape}{hint}")
    if arr.shape[0] == 0 or (arr.ndim == 3 and arr.shape[1] == 0):
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if arr.shape[-1] < min_length:
        raise ValueError(f"{name} has {arr.shape[-1]} samples per signal, at least "
                         f"{min_length} needed")
    if not np.issubdtype(arr.dtype, np.floating) or arr.dtype.itemsize > 8:
        arr = arr.astype(np.float64)
    elif arr.dtype.itemsize < 4:
        arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)).ravel()
        raise ValueError(f"{name} contains NaN or inf (signals at batch index "
                         f"{bad[:5].tolist()}{'...' if len(bad) > 5 else ''})")
    lead = arr.shape[:-1]
    return arr.reshape(-1, arr.shape[-1]), lead


def _check_image_size(image_size, n_samples: int) -> int:
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)):
        raise ValueError(f"image_size must be an integer, got {image_size!r}")
    if not 2 <= image_size <= n_samples:
        raise ValueError(f"image_size must be in 2..{n_samples} (samples per signal), "
                         f"got {image_size}")
    return int(image_size)


def _check_fs(fs) -> float:
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz, got {fs}")
    return fs


def _blocks(n: int, size: int = _CHUNK):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


# --------------------------------------------------------------------------- PAA
def paa_bounds(n_samples: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample ranges of the ``size`` segments of the piecewise aggregate approximation.

    Segment ``k`` covers samples ``start[k] <= t < end[k]``; the bounds are
    ``linspace(0, n_samples, size + 1)`` truncated to integers (pyts' non-overlapping
    segmentation), so segments differ in length by at most one sample when ``size`` does
    not divide ``n_samples`` (1000 samples into 64 segments: 15 or 16 samples each).

    Returns
    -------
    start, end : int64 (size,)
    """
    if not 1 <= size <= n_samples:
        raise ValueError(f"size must be in 1..{n_samples}, got {size}")
    bounds = np.linspace(0, n_samples, size + 1).astype(np.int64)
    return bounds[:-1], bounds[1:]


def _paa_rows(rows: np.ndarray, size: int) -> np.ndarray:
    """PAA of ``(M, T)`` rows -> ``(M, size)``, same float dtype, by one matrix product."""
    n = rows.shape[1]
    if size == n:
        return rows
    start, end = paa_bounds(n, size)
    weights = np.zeros((n, size), dtype=rows.dtype)
    for k, (a, b) in enumerate(zip(start, end)):
        weights[a:b, k] = 1.0 / (b - a)
    return rows @ weights


def paa(x, size: int) -> np.ndarray:
    """Piecewise aggregate approximation: the mean of each of ``size`` segments.

    Parameters
    ----------
    x : array (N, T) or (N, C, T)
    size : number of segments, 1..T (see :func:`paa_bounds`).

    Returns
    -------
    ndarray (N, size) or (N, C, size); float32 for float32 input, else float64. Equal to
    ``pyts.approximation.PiecewiseAggregateApproximation(window_size=None,
    output_size=size, overlapping=False)``.
    """
    rows, lead = _as_batch(x, min_length=1)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer, got {size!r}")
    if not 1 <= size <= rows.shape[1]:
        raise ValueError(f"size must be in 1..{rows.shape[1]}, got {size}")
    return _paa_rows(rows, int(size)).reshape(*lead, int(size))


# --------------------------------------------------------------------------- images
def relative_position_matrix(x, image_size: int = 64) -> np.ndarray:
    """Relative position matrix (RPM) images (Chen & Shi 2019), the input of document 000.

    For each signal:

    1. z-normalise: ``z = (x - mean(x)) / std(x)``;
    2. reduce to ``image_size`` values by PAA: ``p = paa(z, image_size)``;
    3. pairwise differences ``M[i, j] = p[j] - p[i]``;
    4. min-max scale the matrix to [0, 1]: ``F = (M - min M) / (max M - min M)``
       (the paper scales to grey levels 0-255; [0, 1] suits a network).

    Steps 1 and 4 make the image blind to the signal's offset and amplitude: RPM(a x + b)
    = RPM(x) for a > 0. The diagonal is 0.5 (no difference), and ``F[j, i] = 1 - F[i, j]``.

    Parameters
    ----------
    x : array (N, T) or (N, C, T), e.g. Lead II at 100 Hz (T = 1000).
    image_size : side S of the image, 2..T.

    Returns
    -------
    float32 (N, S, S) or (N, C, S, S), values in [0, 1].

    Raises
    ------
    ValueError for a flat signal (zero standard deviation): its RPM is undefined (a lead
    that was off, or a padding row), and no image would be honest.
    """
    rows, lead = _as_batch(x)
    size = _check_image_size(image_size, rows.shape[1])
    std = rows.std(axis=1)
    flat = np.flatnonzero(std <= 1e-12 * np.maximum(1.0, np.abs(rows).max(axis=1)))
    if len(flat):
        raise ValueError(f"{len(flat)} flat signal(s) (zero standard deviation), e.g. rows "
                         f"{flat[:5].tolist()} of the flattened batch: RPM is undefined; "
                         "drop them or check the electrodes")
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in _blocks(len(rows)):
        r = rows[blk]
        z = (r - r.mean(axis=1, keepdims=True)) / std[blk, None]
        p = _paa_rows(z, size)
        # min M = -(max p - min p) and max M = max p - min p, so the min-max scaling is
        # F[i, j] = (p[j] - p[i]) / (2 R) + 1/2 with R = max p - min p: no pass over M
        half_range = 2 * (p.max(axis=1, keepdims=True) - p.min(axis=1, keepdims=True))
        q = (p / half_range).astype(np.float32)
        np.subtract(q[:, None, :], q[:, :, None], out=out[blk])   # M[i, j] = p[j] - p[i]
        out[blk] += 0.5
    return out.reshape(*lead, size, size)


def _distances(p: np.ndarray, dimension: int, time_delay: int) -> np.ndarray:
    """Euclidean distances between the delay-embedded trajectories of each row of ``p``."""
    n_traj = p.shape[1] - (dimension - 1) * time_delay
    if dimension == 1:
        dist = np.subtract(p[:, :, None], p[:, None, :])
        return np.abs(dist, out=dist)
    acc = np.zeros((p.shape[0], n_traj, n_traj), dtype=p.dtype)
    for d in range(dimension):
        coord = p[:, d * time_delay: d * time_delay + n_traj]
        acc += (coord[:, :, None] - coord[:, None, :]) ** 2
    return np.sqrt(acc)


def recurrence_plot(x, image_size: int | None = 64, dimension: int = 1, time_delay: int = 1,
                    threshold: float | str | None = None, percentage: float = 10
                    ) -> np.ndarray:
    """Recurrence plots: distances between the states of a signal at every pair of times.

    Each signal is first reduced to ``image_size`` values by :func:`paa` (``None``: kept
    at full length, a T x T image). The states are the delay vectors
    ``s_i = (p_i, p_{i+tau}, ..., p_{i+(m-1)tau})`` (``m = dimension``,
    ``tau = time_delay``) and ``R[i, j] = ||s_i - s_j||``. With a ``threshold`` the plot
    is binarised, ``R[i, j] = 1`` where the distance is below it: a float (in the units of
    ``x``), ``"point"`` (the ``percentage``-th percentile of each plot's distances) or
    ``"distance"`` (``percentage`` % of each plot's largest distance).

    Equal to ``pyts.image.RecurrencePlot(dimension, time_delay, threshold, percentage)``
    applied to ``paa(x, image_size)``.

    Parameters
    ----------
    x : array (N, T) or (N, C, T)
    image_size : int or None
        PAA length before the plot; None keeps all T samples.
    dimension, time_delay : int >= 1, the delay embedding.
    threshold : None, float > 0, ``"point"`` or ``"distance"``.
    percentage : float in [0, 100], used by the ``"point"`` and ``"distance"`` thresholds.

    Returns
    -------
    float32 (N, S', S') or (N, C, S', S') with ``S' = S - (dimension - 1) * time_delay``:
    distances (unthresholded, units of ``x``) or 0/1.
    """
    rows, lead = _as_batch(x)
    size = rows.shape[1] if image_size is None else _check_image_size(image_size,
                                                                      rows.shape[1])
    for name, value in (("dimension", dimension), ("time_delay", time_delay)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    n_traj = size - (dimension - 1) * time_delay
    if n_traj < 1:
        raise ValueError(f"dimension {dimension} x time_delay {time_delay} leaves no "
                         f"trajectory in {size} values; lower them")
    if threshold is not None and threshold not in ("point", "distance"):
        if isinstance(threshold, str) or not threshold > 0:
            raise ValueError(f"threshold must be None, a float > 0, 'point' or 'distance', "
                             f"got {threshold!r}")
    if not 0 <= percentage <= 100:
        raise ValueError(f"percentage must be in [0, 100], got {percentage}")
    out = np.empty((len(rows), n_traj, n_traj), dtype=np.float32)
    for blk in _blocks(len(rows), max(1, _CHUNK * 64 * 64 // (n_traj * n_traj))):
        dist = _distances(_paa_rows(rows[blk], size), dimension, time_delay)
        if threshold == "point":
            eps = np.percentile(dist.reshape(len(dist), -1), percentage, axis=1)
            dist = dist < eps[:, None, None]
        elif threshold == "distance":
            dist = dist < (percentage / 100 * dist.max(axis=(1, 2)))[:, None, None]
        elif threshold is not None:
            dist = dist < threshold
        out[blk] = dist
    return out.reshape(*lead, n_traj, n_traj)


def gramian_angular_field(x, image_size: int = 64, method: str = "summation",
                          sample_range: tuple[float, float] | None = (-1.0, 1.0)
                          ) -> np.ndarray:
    """Gramian angular fields (Wang & Oates 2015): the signal as angles, pairwise.

    Each signal is reduced by :func:`paa`, min-max scaled to ``sample_range`` (a flat
    signal maps to its lower end, as scikit-learn's ``MinMaxScaler`` does) and read as
    angles ``phi = arccos(p)``. The summation field is ``cos(phi_i + phi_j)``, the
    difference field ``sin(phi_i - phi_j)``. The GASF diagonal, ``cos(2 phi_i) =
    2 p_i^2 - 1``, keeps the (scaled) signal; the amplitude in mV is lost by the scaling.

    Equal to ``pyts.image.GramianAngularField(image_size, sample_range, method)``.

    Parameters
    ----------
    x : array (N, T) or (N, C, T)
    image_size : side S, 2..T.
    method : ``"summation"`` (GASF) or ``"difference"`` (GADF); ``"s"``/``"d"`` too.
    sample_range : (a, b) with -1 <= a < b <= 1, or None when ``x`` already lies in
        [-1, 1] (then it is not rescaled).

    Returns
    -------
    float32 (N, S, S) or (N, C, S, S), values in [-1, 1].
    """
    rows, lead = _as_batch(x)
    size = _check_image_size(image_size, rows.shape[1])
    if method not in ("summation", "difference", "s", "d"):
        raise ValueError(f"method must be 'summation' or 'difference', got {method!r}")
    if sample_range is not None:
        a, b = sample_range
        if not -1 <= a < b <= 1:
            raise ValueError(f"sample_range must satisfy -1 <= a < b <= 1, got {sample_range}")
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in _blocks(len(rows)):
        p = _paa_rows(rows[blk].astype(np.float64), size)
        if sample_range is None:
            if p.min() < -1 or p.max() > 1:
                raise ValueError("with sample_range=None every value must lie in [-1, 1]")
            cos = p
        else:
            lo, hi = p.min(axis=1, keepdims=True), p.max(axis=1, keepdims=True)
            span = np.where(hi - lo == 0, 1.0, hi - lo)
            cos = (p - lo) / span * (b - a) + a
        sin = np.sqrt(np.clip(1 - cos ** 2, 0, 1)).astype(np.float32)
        cos = cos.astype(np.float32)
        if method in ("summation", "s"):     # cos(phi_i + phi_j)
            np.multiply(cos[:, :, None], cos[:, None, :], out=out[blk])
            out[blk] -= sin[:, :, None] * sin[:, None, :]
        else:                                # sin(phi_i - phi_j)
            np.multiply(sin[:, :, None], cos[:, None, :], out=out[blk])
            out[blk] -= cos[:, :, None] * sin[:, None, :]
    return out.reshape(*lead, size, size)


def _bin_edges(rows: np.ndarray, n_bins: int, strategy: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-row inner bin edges ``(M, n_bins - 1)`` and which of them count (pyts drops
    repeated quantiles, so a run of equal edges counts once)."""
    if strategy == "quantile":
        edges = np.percentile(rows, np.linspace(0, 100, n_bins + 1)[1:-1], axis=1).T
        keep = np.c_[~np.isclose(0, np.diff(edges, axis=1), rtol=0, atol=1e-8),
                     np.ones((len(rows), 1), dtype=bool)]
    elif strategy == "uniform":
        lo, hi = rows.min(axis=1, keepdims=True), rows.max(axis=1, keepdims=True)
        edges = lo + (hi - lo) * np.linspace(0, 1, n_bins + 1)[1:-1]
        keep = np.ones_like(edges, dtype=bool)
    else:  # "normal": fixed edges of a standard normal
        from scipy.special import ndtri

        edges = np.broadcast_to(ndtri(np.linspace(0, 1, n_bins + 1)[1:-1]),
                                (len(rows), n_bins - 1))
        keep = np.ones_like(edges, dtype=bool)
    return edges, keep


def markov_transition_field(x, image_size: int = 64, n_bins: int = 8,
                            strategy: str = "quantile") -> np.ndarray:
    """Markov transition fields (Wang & Oates 2015): how likely the signal moves between
    the amplitude levels it has at two times.

    Each signal's samples are put in ``n_bins`` amplitude bins (``strategy``:
    ``"quantile"`` - equal counts, ``"uniform"`` - equal widths, ``"normal"`` - standard
    normal quantiles); ``W[k, l]`` is the fraction of the steps out of bin ``k`` that go
    to bin ``l`` (the signal's first-order Markov transition matrix). The full field is
    ``W[bin(t), bin(s)]`` for every pair of samples; the image averages it over the
    ``image_size`` PAA segments, computed as ``P W P^T`` with ``P[a, k]`` the share of
    segment ``a``'s samples in bin ``k``, without building the T x T field.

    Equal to ``pyts.image.MarkovTransitionField(image_size, n_bins, strategy)``.

    Parameters
    ----------
    x : array (N, T) or (N, C, T)
    image_size : side S, 2..T.
    n_bins : int >= 2.
    strategy : ``"quantile"``, ``"uniform"`` or ``"normal"``.

    Returns
    -------
    float32 (N, S, S) or (N, C, S, S), values in [0, 1] (transition probabilities).
    """
    rows, lead = _as_batch(x)
    size = _check_image_size(image_size, rows.shape[1])
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if strategy not in ("quantile", "uniform", "normal"):
        raise ValueError(f"strategy must be 'quantile', 'uniform' or 'normal', got {strategy!r}")
    n_t = rows.shape[1]
    start, end = paa_bounds(n_t, size)
    segment = np.repeat(np.arange(size), end - start)       # segment of each sample
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in _blocks(len(rows), 512):
        r = rows[blk].astype(np.float64)
        m = len(r)
        edges, keep = _bin_edges(r, n_bins, strategy)
        # bin = number of (kept) edges strictly below the value: searchsorted(side="left")
        binned = ((r[:, :, None] > edges[:, None, :]) & keep[:, None, :]).sum(axis=2)
        codes = (np.arange(m)[:, None] * n_bins + binned[:, :-1]) * n_bins + binned[:, 1:]
        counts = np.bincount(codes.ravel(), minlength=m * n_bins * n_bins)
        trans = counts.reshape(m, n_bins, n_bins).astype(np.float64)
        totals = trans.sum(axis=2, keepdims=True)
        trans /= np.where(totals == 0, 1, totals)
        # share[a, k]: fraction of segment a's samples that fall in bin k
        seg_codes = (np.arange(m)[:, None] * size + segment[None, :]) * n_bins + binned
        share = np.bincount(seg_codes.ravel(), minlength=m * size * n_bins)
        share = share.reshape(m, size, n_bins) / (end - start)[None, :, None]
        out[blk] = share @ trans @ share.transpose(0, 2, 1)
    return out.reshape(*lead, size, size)


# --------------------------------------------------------------------------- scalogram
def scalogram_frequencies(n_freqs: int = 32, fmin: float = 0.5, fmax: float = 40.0
                          ) -> np.ndarray:
    """Centre frequencies (Hz) of the scalogram rows: ``n_freqs`` values log-spaced from
    ``fmin`` to ``fmax``, increasing (row 0 is the lowest frequency)."""
    if not 0 < fmin < fmax:
        raise ValueError(f"need 0 < fmin < fmax, got fmin={fmin}, fmax={fmax}")
    if n_freqs < 2:
        raise ValueError(f"n_freqs must be >= 2, got {n_freqs}")
    return np.geomspace(fmin, fmax, int(n_freqs))


def scalogram(x, fs: float, n_freqs: int = 32, fmin: float = 0.5, fmax: float = 40.0,
              n_times: int | None = 64, wavelet: str = "cmor1.5-1.0", log: bool = True
              ) -> np.ndarray:
    """Wavelet scalograms: the magnitude of the continuous wavelet transform (CWT).

    The CWT (PyWavelets, FFT method) correlates the signal with the wavelet stretched to
    each centre frequency of :func:`scalogram_frequencies`; its magnitude says how much of
    that frequency is present around each time. The complex Morlet wavelet
    (``"cmor1.5-1.0"``: bandwidth 1.5, centre frequency 1.0) gives a smooth envelope. The
    time axis is then averaged over ``n_times`` PAA segments (:func:`paa_bounds`), and
    optionally compressed with ``log1p``.

    Edge effects: near the start and end of the record, the low-frequency rows mix in the
    zero padding of the wavelet (the *cone of influence*, about one period of the row's
    frequency): 2 s at 0.5 Hz, 25 ms at 40 Hz.

    Parameters
    ----------
    x : array (N, T) or (N, C, T) at ``fs`` Hz (band-passed: the rows span 0.5-40 Hz).
    fs : sampling rate in Hz; ``fmax`` must be below the Nyquist frequency ``fs / 2``.
    n_freqs, fmin, fmax : the rows (Hz), see :func:`scalogram_frequencies`.
    n_times : columns (PAA segments of time); None keeps all T samples.
    wavelet : a PyWavelets continuous wavelet name.
    log : return ``log1p(|CWT|)`` instead of ``|CWT|``.

    Returns
    -------
    float32 (N, F, W) or (N, C, F, W): F = ``n_freqs`` rows (low to high frequency),
    W = ``n_times`` columns (early to late).
    """
    import pywt

    fs = _check_fs(fs)
    rows, lead = _as_batch(x, min_length=8)
    if fmax >= fs / 2:
        raise ValueError(f"fmax = {fmax} Hz must be below the Nyquist frequency {fs / 2} Hz")
    freqs = scalogram_frequencies(n_freqs, fmin, fmax)
    width = rows.shape[1] if n_times is None else _check_image_size(n_times, rows.shape[1])
    if wavelet not in pywt.wavelist(kind="continuous") and not wavelet.startswith(
            ("cmor", "shan", "fbsp", "cgau")):
        raise ValueError(f"{wavelet!r} is not a PyWavelets continuous wavelet; see "
                         "pywt.wavelist(kind='continuous')")
    scales = pywt.frequency2scale(wavelet, freqs / fs)
    out = np.empty((len(rows), len(freqs), width), dtype=np.float32)
    for blk in _blocks(len(rows), 256):
        coef, _ = pywt.cwt(rows[blk], scales, wavelet, sampling_period=1 / fs,
                           method="fft", axis=-1)           # (F, m, T) complex
        mag = np.abs(coef).transpose(1, 0, 2)                # (m, F, T)
        mag = _paa_rows(mag.reshape(-1, mag.shape[-1]), width).reshape(len(mag), len(freqs),
                                                                        width)
        out[blk] = np.log1p(mag) if log else mag
    return out.reshape(*lead, len(freqs), width)


# --------------------------------------------------------------------------- FFT
class Spectrum(NamedTuple):
    """One-sided spectrum: ``amplitude`` and ``phase`` (..., K), ``freqs`` (K,) in Hz."""

    amplitude: np.ndarray
    phase: np.ndarray
    freqs: np.ndarray


def fft_frequencies(n_samples: int, fs: float, fmax: float | None = None) -> np.ndarray:
    """Frequencies (Hz) of the one-sided FFT bins of ``n_samples`` samples at ``fs`` Hz,
    ``0, fs/T, 2 fs/T, ...`` up to ``fmax`` (default the Nyquist frequency ``fs / 2``)."""
    fs = _check_fs(fs)
    freqs = np.fft.rfftfreq(int(n_samples), d=1 / fs)
    if fmax is not None:
        if not 0 < fmax <= fs / 2:
            raise ValueError(f"fmax must be in (0, {fs / 2}] Hz, got {fmax}")
        freqs = freqs[freqs <= fmax + 1e-9]
    return freqs


def fft_spectrum(x, fs: float, fmax: float | None = None) -> Spectrum:
    """Amplitude and phase spectrum of each signal (``numpy.fft.rfft``).

    ``amplitude`` is scaled so that a sine of amplitude A mV at a bin frequency reads A
    (``2 |X_k| / T``; the 0 Hz and Nyquist bins ``|X_k| / T``), in the units of ``x``.
    The frequency resolution is ``fs / T``: 0.1 Hz for 10 s records. ``phase`` is in
    radians. Amplitude plus phase is the signal again (``numpy.fft.irfft``); the
    amplitude alone has lost *when* things happen.

    Parameters
    ----------
    x : array (N, T) or (N, C, T) at ``fs`` Hz.
    fs : sampling rate in Hz.
    fmax : keep bins up to this frequency (Hz); default all up to ``fs / 2``.

    Returns
    -------
    :class:`Spectrum` with amplitude, phase: float32 (N, K) or (N, C, K); freqs (K,) Hz.
    """
    fs = _check_fs(fs)
    rows, lead = _as_batch(x)
    n = rows.shape[1]
    freqs = fft_frequencies(n, fs, fmax)
    coef = np.fft.rfft(rows, axis=1)[:, :len(freqs)]
    amplitude = np.abs(coef) / n
    inner = np.ones(len(freqs), dtype=bool)
    inner[0] = False
    if n % 2 == 0 and len(freqs) == n // 2 + 1:
        inner[-1] = False  # the Nyquist bin has no mirror image
    amplitude[:, inner] *= 2
    shape = (*lead, len(freqs))
    return Spectrum(amplitude.astype(np.float32).reshape(shape),
                    np.angle(coef).astype(np.float32).reshape(shape), freqs)


def fft_features(x, fs: float, fmax: float | None = 40.0, log: bool = True) -> np.ndarray:
    """FFT amplitude features for a model: ``log1p`` of :func:`fft_spectrum`'s amplitude
    up to ``fmax`` Hz (default 40 Hz, the band-pass edge; 401 bins for 10 s records).

    Returns float32 (N, K) or (N, C, K); bin k is at ``k * fs / T`` Hz
    (:func:`fft_frequencies`).
    """
    amplitude = fft_spectrum(x, fs, fmax).amplitude
    return np.log1p(amplitude) if log else amplitude


def phase_randomized(x, seed: int = 0) -> np.ndarray:
    """Surrogate signals: the same amplitude spectrum as ``x``, random phases.

    Each bin's Fourier coefficient keeps its magnitude and gets a phase drawn uniformly
    from [-pi, pi) (the 0 Hz and Nyquist bins, which are real, are kept), so
    :func:`fft_spectrum`'s amplitude is unchanged while the waves are scattered in time.
    A model that reads only the amplitude spectrum cannot tell the two apart.

    Parameters
    ----------
    x : array (N, T) or (N, C, T).
    seed : for the phases (one independent draw per signal).

    Returns
    -------
    ndarray, the shape of ``x``; float32 for float32 input, else float64.
    """
    rows, lead = _as_batch(x)
    n = rows.shape[1]
    coef = np.fft.rfft(rows, axis=1)
    phase = np.random.default_rng(seed).uniform(-np.pi, np.pi, coef.shape)
    new = np.abs(coef) * np.exp(1j * phase)
    new[:, 0] = coef[:, 0]
    if n % 2 == 0:
        new[:, -1] = coef[:, -1]
    out = np.fft.irfft(new, n=n, axis=1).astype(rows.dtype, copy=False)
    return out.reshape(*lead, n)


# --------------------------------------------------------------------------- inputs
def preprocessed_splits(task, leads=None, low: float = 0.5, high: float = 40.0
                        ) -> dict[str, np.ndarray]:
    """The course's preprocessing of a PTB-XL task, split by split, before any transform.

    ``ecgkit.signal.bandpass`` (``low``-``high`` Hz, zero phase), then one
    ``ecgkit.signal.LeadStandardizer`` fitted on the training split only and applied to
    all three; then the chosen leads.

    Parameters
    ----------
    task : :class:`ecgkit.data.PTBXLTask` (``X_train``, ``X_val``, ``X_test`` raw mV,
        sampled at ``task.rate`` Hz).
    leads : None (all 12), or lead names in :data:`ecgkit.data.LEADS`, e.g. ``("II",)``.

    Returns
    -------
    dict ``{"train", "val", "test"}`` -> float32 ``(N, n_leads, T)``, unitless
    (standardised).
    """
    from ecgkit import data, signal

    names = data.LEADS if leads is None else tuple(leads)
    unknown = [lead for lead in names if lead not in data.LEADS]
    if unknown:
        raise ValueError(f"unknown lead(s) {unknown}; choose from {data.LEADS}")
    idx = [data.LEADS.index(lead) for lead in names]
    filtered = {split: signal.bandpass(getattr(task, f"X_{split}"), task.rate, low, high)
                for split in ("train", "val", "test")}
    scaler = signal.LeadStandardizer().fit(filtered["train"])
    return {split: scaler.transform(x)[:, idx].astype(np.float32)
            for split, x in filtered.items()}


# --------------------------------------------------------------------------- cache
TRANSFORMS: dict[str, Callable] = {
    "rpm": relative_position_matrix,
    "recurrence": recurrence_plot,
    "gaf": gramian_angular_field,
    "mtf": markov_transition_field,
    "scalogram": scalogram,
    "fft": fft_features,
}


def image_cache_dir() -> Path:
    """Folder of cached images: ``<ecgkit.data.cache_dir()>/images``."""
    from ecgkit.data import cache_dir

    return cache_dir() / "images"


def _cache_key(transform: str, X: np.ndarray, ids, params: dict) -> str:
    ids_hash = hashlib.sha256(",".join(map(str, list(ids))).encode()).hexdigest()[:16] \
        if ids is not None else "none"
    # The content hash keys the preprocessing too: other filters -> other images.
    content = hashlib.sha256(np.ascontiguousarray(X).view(np.uint8)).hexdigest()[:16]
    desc = json.dumps({"transform": transform, "params": params, "ids": ids_hash,
                       "shape": list(X.shape), "dtype": str(X.dtype), "content": content},
                      sort_keys=True, default=str)
    return hashlib.sha256(desc.encode()).hexdigest()[:20]


def cached_transform(transform: str, X, ids=None, *, cache: bool = True,
                     verbose: bool = False, **params) -> np.ndarray:
    """``TRANSFORMS[transform](X, **params)``, stored on disk and reused next time.

    The cache file is keyed by the transform, its parameters, a hash of the ``ids`` (e.g.
    the ecg_ids of the rows) and a hash of ``X``'s content, so different preprocessing
    never returns stale images. Files are written atomically (temporary file, then
    ``os.replace``), so an interrupted run never leaves a truncated one.

    Parameters
    ----------
    transform : a key of :data:`TRANSFORMS` (``"rpm"``, ``"recurrence"``, ``"gaf"``,
        ``"mtf"``, ``"scalogram"``, ``"fft"``).
    X : array (N, T) or (N, C, T), the transform's input.
    ids : sequence of N identifiers, optional (part of the key and of the file's record).
    cache : False computes without reading or writing the cache.
    verbose : print whether the images came from the cache, and how long it took.
    **params : the transform's keyword arguments (e.g. ``image_size=64``, ``fs=100``).

    Returns
    -------
    The transform's output (float32).
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}; choose one of {sorted(TRANSFORMS)}")
    X = np.asarray(X)
    if ids is not None and len(ids) != len(X):
        raise ValueError(f"{len(ids)} ids for {len(X)} signals")
    fn = TRANSFORMS[transform]
    t0 = time.perf_counter()
    if not cache:
        return fn(X, **params)
    target = image_cache_dir() / f"{transform}_{_cache_key(transform, X, ids, params)}.npy"
    if target.is_file():
        out = np.load(target)
        if verbose:
            print(f"{transform}: {out.shape} loaded from cache in "
                  f"{time.perf_counter() - t0:.2f} s ({target.name})")
        return out
    out = fn(X, **params)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, out)
    os.replace(tmp, target)
    if verbose:
        print(f"{transform}: {out.shape} computed in {time.perf_counter() - t0:.2f} s, "
              f"cached as {target.name}")
    return out
