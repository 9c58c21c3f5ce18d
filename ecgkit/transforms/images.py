"""ECG signals as images: PAA segments, relative position matrix, recurrence plot, GAF, MTF.

Each transform takes a batch ``(N, T)`` or ``(N, C, T)`` and returns one ``(S, S)`` image
per signal whose axes index PAA segments of time (:func:`paa_bounds`); the versions here
are vectorised NumPy, tested equal to ``pyts.image`` (RPM: Chen & Shi 2019, not in pyts).
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = [
    "paa_bounds", "paa", "relative_position_matrix", "recurrence_plot",
    "gramian_angular_field", "markov_transition_field",
]

_CHUNK = 2048  # signals per block: bounds the temporaries (a 64x64 float64 image is 32 kB)


# --------------------------------------------------------------------------- checks
def as_batch(x, name: str = "x", min_length: int = 2) -> tuple[np.ndarray, tuple]:
    """Validate a batch ``(N, T)`` or ``(N, C, T)``; return it as ``(M, T)`` rows and the
    leading shape (``(N,)`` or ``(N, C)``) to restore afterwards.

    Floating input keeps its precision (float32 or float64); anything else becomes
    float64.

    Parameters
    ----------
    x : array (N, T) or (N, C, T), finite numbers.
    name : what ``x`` is called in error messages.
    min_length : fewest samples T per signal.

    Returns
    -------
    rows : ndarray (M, T) with M = N or N * C.
    lead : tuple, the leading shape ``(N,)`` or ``(N, C)``.
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


def check_image_size(image_size, n_samples: int) -> int:
    """``image_size`` as an int in ``2..n_samples`` (samples per signal), else ValueError."""
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)):
        raise ValueError(f"image_size must be an integer, got {image_size!r}")
    if not 2 <= image_size <= n_samples:
        raise ValueError(f"image_size must be in 2..{n_samples} (samples per signal), "
                         f"got {image_size}")
    return int(image_size)


def row_blocks(n: int, size: int = _CHUNK):
    """Slices of at most ``size`` rows covering ``0..n``: bounds the memory of a batch."""
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


def paa_rows(rows: np.ndarray, size: int) -> np.ndarray:
    """PAA of ``(M, T)`` rows -> ``(M, size)``, same float dtype, by one matrix product.

    ``size`` is not checked (see :func:`paa`): 1..T.
    """
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
    rows, lead = as_batch(x, min_length=1)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer, got {size!r}")
    if not 1 <= size <= rows.shape[1]:
        raise ValueError(f"size must be in 1..{rows.shape[1]}, got {size}")
    return paa_rows(rows, int(size)).reshape(*lead, int(size))


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
    rows, lead = as_batch(x)
    size = check_image_size(image_size, rows.shape[1])
    std = rows.std(axis=1)
    flat = np.flatnonzero(std <= 1e-12 * np.maximum(1.0, np.abs(rows).max(axis=1)))
    if len(flat):
        raise ValueError(f"{len(flat)} flat signal(s) (zero standard deviation), e.g. rows "
                         f"{flat[:5].tolist()} of the flattened batch: RPM is undefined; "
                         "drop them or check the electrodes")
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in row_blocks(len(rows)):
        r = rows[blk]
        z = (r - r.mean(axis=1, keepdims=True)) / std[blk, None]
        p = paa_rows(z, size)
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
    rows, lead = as_batch(x)
    size = rows.shape[1] if image_size is None else check_image_size(image_size,
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
    for blk in row_blocks(len(rows), max(1, _CHUNK * 64 * 64 // (n_traj * n_traj))):
        dist = _distances(paa_rows(rows[blk], size), dimension, time_delay)
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
    rows, lead = as_batch(x)
    size = check_image_size(image_size, rows.shape[1])
    if method not in ("summation", "difference", "s", "d"):
        raise ValueError(f"method must be 'summation' or 'difference', got {method!r}")
    if sample_range is not None:
        a, b = sample_range
        if not -1 <= a < b <= 1:
            raise ValueError(f"sample_range must satisfy -1 <= a < b <= 1, got {sample_range}")
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in row_blocks(len(rows)):
        p = paa_rows(rows[blk].astype(np.float64), size)
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
    rows, lead = as_batch(x)
    size = check_image_size(image_size, rows.shape[1])
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if strategy not in ("quantile", "uniform", "normal"):
        raise ValueError(f"strategy must be 'quantile', 'uniform' or 'normal', got {strategy!r}")
    n_t = rows.shape[1]
    start, end = paa_bounds(n_t, size)
    segment = np.repeat(np.arange(size), end - start)       # segment of each sample
    out = np.empty((len(rows), size, size), dtype=np.float32)
    for blk in row_blocks(len(rows), 512):
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
