"""ECG signals as spectra: wavelet scalograms, FFT amplitude and phase, phase surrogates.

Inputs are batches ``(N, T)`` or ``(N, C, T)`` sampled at ``fs`` Hz; outputs keep the
leading axes and add frequency (Hz) and, for scalograms, time axes.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ecgkit.signal.checks import check_fs
from ecgkit.transforms.images import as_batch, check_image_size, paa_rows, row_blocks

__all__ = ["scalogram", "scalogram_frequencies", "fft_spectrum", "fft_features",
           "fft_frequencies", "phase_randomized", "Spectrum"]


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

    fs = check_fs(fs)
    rows, lead = as_batch(x, min_length=8)
    if fmax >= fs / 2:
        raise ValueError(f"fmax = {fmax} Hz must be below the Nyquist frequency {fs / 2} Hz")
    freqs = scalogram_frequencies(n_freqs, fmin, fmax)
    width = rows.shape[1] if n_times is None else check_image_size(n_times, rows.shape[1])
    if wavelet not in pywt.wavelist(kind="continuous") and not wavelet.startswith(
            ("cmor", "shan", "fbsp", "cgau")):
        raise ValueError(f"{wavelet!r} is not a PyWavelets continuous wavelet; see "
                         "pywt.wavelist(kind='continuous')")
    scales = pywt.frequency2scale(wavelet, freqs / fs)
    out = np.empty((len(rows), len(freqs), width), dtype=np.float32)
    for blk in row_blocks(len(rows), 256):
        coef, _ = pywt.cwt(rows[blk], scales, wavelet, sampling_period=1 / fs,
                           method="fft", axis=-1)           # (F, m, T) complex
        mag = np.abs(coef).transpose(1, 0, 2)                # (m, F, T)
        mag = paa_rows(mag.reshape(-1, mag.shape[-1]), width).reshape(len(mag), len(freqs),
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
    fs = check_fs(fs)
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
    The frequency resolution is ``fs / T`` with ``T`` samples, i.e. 1 / duration: 0.1 Hz
    for 10 s records. ``phase`` is in radians. Amplitude plus phase is the signal again
    (``numpy.fft.irfft``); the amplitude alone keeps periodicity (the heart rate) but has
    lost *where* things happen and in what order.

    Parameters
    ----------
    x : array (N, T) or (N, C, T) at ``fs`` Hz.
    fs : sampling rate in Hz.
    fmax : keep bins up to this frequency (Hz); default all up to ``fs / 2``.

    Returns
    -------
    :class:`Spectrum` with amplitude, phase: float32 (N, K) or (N, C, K); freqs (K,) Hz.
    """
    fs = check_fs(fs)
    rows, lead = as_batch(x)
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
    rows, lead = as_batch(x)
    n = rows.shape[1]
    coef = np.fft.rfft(rows, axis=1)
    phase = np.random.default_rng(seed).uniform(-np.pi, np.pi, coef.shape)
    new = np.abs(coef) * np.exp(1j * phase)
    new[:, 0] = coef[:, 0]
    if n % 2 == 0:
        new[:, -1] = coef[:, -1]
    out = np.fft.irfft(new, n=n, axis=1).astype(rows.dtype, copy=False)
    return out.reshape(*lead, n)
