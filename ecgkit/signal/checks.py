"""Input checks shared by every module: check_fs (a sampling rate) and check_signal (an array).

Each raises ``ValueError`` with a message that names the argument, what was wrong and,
where it can, how to fix it; they return the value in the form the caller computes with.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["check_fs", "check_signal"]


def check_fs(fs, name: str = "fs", minimum: float | None = None) -> float:
    """A sampling rate in Hz as a positive, finite float.

    Parameters
    ----------
    fs : the rate to check: a real number (a bool or a string is refused).
    name : the argument's name, for the message (``"fs"``, ``"fs_out"`` ...).
    minimum : optional lowest acceptable rate in Hz (e.g. 50 Hz for an uploaded ECG,
        below which the QRS complex is not captured).

    Returns
    -------
    float, ``fs`` in Hz.
    """
    if isinstance(fs, bool) or not isinstance(fs, (Real, np.integer, np.floating)):
        raise ValueError(f"{name} (sampling rate in Hz) must be a number, got {fs!r}")
    fs = float(fs)
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"{name} (sampling rate in Hz) must be positive and finite, "
                         f"got {fs}")
    if minimum is not None and fs < minimum:
        raise ValueError(f"{name}: sampling rate {fs:g} Hz is too low for an ECG: the QRS "
                         f"complex needs at least {minimum:g} Hz (PTB-XL: 100 or 500 Hz, "
                         "MIT-BIH 360 Hz)")
    return fs


def _check_shape(arr: np.ndarray, name: str, ndim: int | None) -> None:
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a time axis: got a 0-d scalar, expected shape "
                         "(T,), (12, T) or (N, 12, T)")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    # A free layout only needs samples on the time axis (an empty batch is fine); a
    # fixed one, e.g. (leads, samples), needs every axis filled.
    if arr.shape[-1] == 0 or (ndim is not None and arr.size == 0):
        raise ValueError(f"{name} is empty: shape {arr.shape} has no samples on the last "
                         "(time) axis" if arr.shape[-1] == 0 else
                         f"{name} is empty (shape {arr.shape})")


def check_signal(x, name: str = "signal", ndim: int | None = None, dtype=None,
                 max_abs: float | None = None) -> np.ndarray:
    """A signal (time on the last axis) as a real, finite float array.

    Parameters
    ----------
    x : array-like, e.g. ``(T,)``, ``(12, T)`` or ``(N, 12, T)`` in mV.
    name : the argument's name, for the message.
    ndim : None accepts any number of dimensions from 1; an integer demands exactly
        that many.
    dtype : None keeps float32 and turns everything else into float64; a dtype
        (``np.float32``, ``np.float64``) converts to it.
    max_abs : optional largest plausible ``|x|`` in mV (a surface ECG stays within
        +-20 mV; larger values mean microvolts or ADC units).

    Returns
    -------
    ndarray of the same shape, float32 or float64 as ``dtype`` says.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype} "
                         f"(from {type(x).__name__})")
    _check_shape(arr, name, ndim)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        n_nan, n_inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
        raise ValueError(f"{name} contains {n_nan} NaN and {n_inf} inf value(s) of "
                         f"{arr.size}; the first at index {first}. Remove, fill or "
                         "interpolate them first")
    if max_abs is not None and arr.size:
        peak = float(np.abs(arr).max())
        if peak > max_abs:
            raise ValueError(f"{name}: values reach {peak:.4g}, far beyond a surface ECG "
                             f"(|x| < {max_abs:g} mV); is it in microvolts or ADC units? "
                             "Convert it to millivolts")
    return arr
