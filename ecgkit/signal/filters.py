"""Zero-phase Butterworth and notch filters, their design and response, and resampling.

Every function works along the **last axis** (time), so one function serves a single
lead ``(T,)``, a 12-lead record ``(12, T)`` and a batch ``(N, 12, T)``. Amplitudes are in
millivolts (mV), sampling rates ``fs`` in hertz (PTB-XL: 100 or 500 Hz; MIT-BIH: 360 Hz).

Filters are Butterworth (or IIR notch) filters in second-order sections, applied forward
and backward with :func:`scipy.signal.sosfiltfilt`: zero phase, so the P, QRS and T waves
stay where they are, and the magnitude response is the square of the single-pass one.
A float32 input gives a float32 output; any other real input gives float64.
"""
from __future__ import annotations

import math
from fractions import Fraction
from numbers import Real

import numpy as np
from scipy import signal as _sps

from ecgkit.signal.checks import check_fs, check_signal

__all__ = [
    "bandpass", "highpass", "lowpass", "notch", "resample",
    "design_bandpass", "design_highpass", "design_lowpass", "design_notch",
    "frequency_response", "min_signal_length",
]


def _check_cutoff(freq, fs: float, name: str) -> float:
    """A frequency strictly between 0 and the Nyquist frequency fs/2."""
    freq = float(freq)
    nyquist = fs / 2
    if not math.isfinite(freq) or freq <= 0:
        raise ValueError(f"{name} must be a positive frequency in Hz, got {freq}")
    if freq >= nyquist:
        raise ValueError(
            f"{name} = {freq} Hz is at or above the Nyquist frequency fs/2 = {nyquist} Hz "
            f"(fs = {fs} Hz). Is fs right? (PTB-XL is 100 or 500 Hz, MIT-BIH 360 Hz)")
    return freq


def _check_order(order) -> int:
    if (isinstance(order, bool) or not isinstance(order, (Real, np.integer))
            or int(order) != order or order < 1):
        raise ValueError(f"filter order must be a positive integer, got {order!r}")
    return int(order)


def min_signal_length(sos) -> int:
    """Fewest samples :func:`scipy.signal.sosfiltfilt` accepts for these sections.

    sosfiltfilt pads the signal by ``padlen`` samples at each end (odd extension) and
    needs ``T > padlen``; this is scipy's default ``padlen`` plus one.
    """
    sos = np.atleast_2d(sos)
    trailing_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    padlen = 3 * (2 * len(sos) + 1 - trailing_zeros)
    return padlen + 1


def _check_length(n_samples: int, min_length: int) -> None:
    if n_samples < min_length:
        raise ValueError(f"signal has {n_samples} samples along its last (time) axis, the "
                         f"filter needs more than {min_length - 1}; use a longer signal or "
                         "a lower order (is the time axis last?)")


def _filtfilt(sos, arr: np.ndarray) -> np.ndarray:
    _check_length(arr.shape[-1], min_signal_length(sos))
    out = _sps.sosfiltfilt(sos, arr, axis=-1)
    return out.astype(arr.dtype, copy=False)


# --------------------------------------------------------------------------- design
def design_bandpass(fs: float, low: float = 0.5, high: float = 40.0, order: int = 4):
    """Butterworth band-pass filter as second-order sections.

    Parameters
    ----------
    fs : sampling rate in Hz.
    low, high : pass-band edges in Hz (-3 dB points of one pass), ``0 < low < high < fs/2``.
    order : Butterworth order of each edge (the band-pass has 2 * order poles).

    Returns
    -------
    sos : ndarray (order, 6), for :func:`scipy.signal.sosfiltfilt` or
        :func:`frequency_response`.
    """
    fs = check_fs(fs)
    low = _check_cutoff(low, fs, "low cutoff")
    high = _check_cutoff(high, fs, "high cutoff")
    if low >= high:
        raise ValueError(f"band-pass needs low < high, got low = {low} Hz >= high = {high} Hz")
    return _sps.butter(_check_order(order), [low, high], btype="bandpass", fs=fs,
                       output="sos")


def design_highpass(fs: float, cutoff: float = 0.5, order: int = 4):
    """Butterworth high-pass filter (sos, shape (ceil(order/2), 6)); cutoff in Hz."""
    fs = check_fs(fs)
    cutoff = _check_cutoff(cutoff, fs, "cutoff")
    return _sps.butter(_check_order(order), cutoff, btype="highpass", fs=fs, output="sos")


def design_lowpass(fs: float, cutoff: float = 40.0, order: int = 4):
    """Butterworth low-pass filter (sos, shape (ceil(order/2), 6)); cutoff in Hz."""
    fs = check_fs(fs)
    cutoff = _check_cutoff(cutoff, fs, "cutoff")
    return _sps.butter(_check_order(order), cutoff, btype="lowpass", fs=fs, output="sos")


def design_notch(fs: float, freq: float = 50.0, quality: float = 30.0):
    """IIR notch at ``freq`` Hz (powerline: 50 Hz in Europe, 60 Hz in America) as sos.

    ``quality`` Q = freq / bandwidth(-3 dB); Q = 30 at 50 Hz removes about 48.3-51.7 Hz.
    """
    fs = check_fs(fs)
    freq = _check_cutoff(freq, fs, "notch frequency")
    if not (math.isfinite(float(quality)) and quality > 0):
        raise ValueError(f"notch quality factor must be positive, got {quality!r}")
    b, a = _sps.iirnotch(freq, float(quality), fs=fs)
    return _sps.tf2sos(b, a)


def frequency_response(sos, fs: float, n: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude response of a filter **as applied by sosfiltfilt** (zero phase).

    Filtering forward then backward multiplies the spectrum by ``H`` and by its complex
    conjugate, so the returned ``gain`` is ``|H(f)|**2`` of one pass: at a -3 dB cutoff of
    the Butterworth design the zero-phase gain is 0.5 (-6 dB). In decibels the gain is
    ``20 * log10(gain)``.

    Parameters
    ----------
    sos : second-order sections (n_sections, 6), e.g. from :func:`design_bandpass`.
    fs : sampling rate in Hz.
    n : number of frequencies, evenly spaced from 0 to fs/2 (excluded).

    Returns
    -------
    freqs_hz : (n,) frequencies in Hz.
    gain : (n,) amplitude gain of the zero-phase filter (1 = unchanged), ``|H|**2``.
    """
    fs = check_fs(fs)
    if int(n) != n or n < 2:
        raise ValueError(f"n (number of frequencies) must be an integer >= 2, got {n!r}")
    freqs, h = _sps.sosfreqz(np.atleast_2d(sos), worN=int(n), fs=fs)
    return freqs, np.abs(h) ** 2


# --------------------------------------------------------------------------- filters
def bandpass(x, fs: float, low: float = 0.5, high: float = 40.0, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth band-pass along the last axis.

    The usual ECG clean-up: ``low`` = 0.5 Hz removes baseline wander (breathing,
    movement), ``high`` = 40 Hz removes muscle noise and powerline interference.

    Parameters
    ----------
    x : array (..., T) in mV, sampled at ``fs`` Hz.
    fs : sampling rate in Hz (``high`` must stay below fs/2).
    low, high : pass-band edges in Hz.
    order : Butterworth order.

    Returns
    -------
    ndarray (..., T), same dtype as a float32 input, else float64.
    """
    arr, fs = check_signal(x), check_fs(fs)
    return _filtfilt(design_bandpass(fs, low, high, order), arr)


def highpass(x, fs: float, cutoff: float = 0.5, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth high-pass along the last axis: removes baseline wander.

    Parameters
    ----------
    x : array (..., T) in mV at ``fs`` Hz.
    fs : sampling rate in Hz.
    cutoff : Hz; 0.5 Hz, a monitoring and machine-learning convention, keeps the ST
        segment nearly intact; diagnostic ECGs use 0.05 Hz, or 0.67 Hz with zero phase
        (AHA recommendations, Kligfield et al. 2007).
    order : Butterworth order.

    Returns
    -------
    ndarray (..., T), float32 for float32 input, else float64; its mean is near 0.
    """
    arr, fs = check_signal(x), check_fs(fs)
    return _filtfilt(design_highpass(fs, cutoff, order), arr)


def lowpass(x, fs: float, cutoff: float = 40.0, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass along the last axis (muscle noise, powerline).

    ``x``: (..., T) in mV at ``fs`` Hz; ``cutoff`` in Hz, below fs/2. Returns (..., T).
    """
    arr, fs = check_signal(x), check_fs(fs)
    return _filtfilt(design_lowpass(fs, cutoff, order), arr)


def notch(x, fs: float, freq: float = 50.0, quality: float = 30.0) -> np.ndarray:
    """Zero-phase notch filter at the powerline frequency (50 or 60 Hz).

    ``x``: (..., T) in mV at ``fs`` Hz; ``freq`` must be below fs/2, so a 50 Hz notch
    needs fs > 100 Hz (at PTB-XL's 100 Hz, 50 Hz *is* the Nyquist frequency and the
    low-pass of :func:`bandpass` already removes it). Returns (..., T).
    """
    arr, fs = check_signal(x), check_fs(fs)
    return _filtfilt(design_notch(fs, freq, quality), arr)


def resample(x, fs_in: float, fs_out: float) -> np.ndarray:
    """Change the sampling rate along the last axis by a rational factor.

    Uses :func:`scipy.signal.resample_poly` (polyphase filtering with an anti-aliasing
    low-pass), with ``fs_out / fs_in`` written as a fraction ``up / down``; e.g. MIT-BIH
    360 Hz -> 100 Hz is up = 5, down = 18.

    Parameters
    ----------
    x : array (..., T) in mV at ``fs_in`` Hz.
    fs_in, fs_out : sampling rates in Hz.

    Returns
    -------
    ndarray (..., ceil(T * fs_out / fs_in)), float32 for float32 input, else float64.
    """
    arr, fs_in = check_signal(x), check_fs(fs_in, "fs_in")
    fs_out = check_fs(fs_out, "fs_out")
    ratio = Fraction(fs_out).limit_denominator(10**6) / Fraction(fs_in).limit_denominator(10**6)
    if ratio.numerator > 10**4 or ratio.denominator > 10**4:
        raise ValueError(f"fs_out / fs_in = {fs_out} / {fs_in} is not a simple fraction "
                         f"({ratio}); round the rates to whole Hz")
    if ratio == 1:
        return arr.copy()
    out = _sps.resample_poly(arr, ratio.numerator, ratio.denominator, axis=-1)
    return out.astype(arr.dtype, copy=False)
