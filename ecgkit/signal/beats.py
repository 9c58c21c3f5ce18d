"""Heartbeats as arrays: RR features, beat windows, normalisation, R-peak detection.

Pure functions of arrays (no files): :mod:`ecgkit.data.beat_table` applies them to the
MIT-BIH records, :mod:`ecgkit.app.beat_analysis` to an uploaded ECG.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import wfdb.processing as wp

__all__ = [
    "RR_FEATURES", "RR_ABS_FEATURES", "LOCAL_BEATS", "rr_features",
    "beat_windows", "normalize_beats", "record_median_beats", "pack_beats", "detect_r_peaks",
]

RR_FEATURES = ("pre_rr", "post_rr", "local_rr", "pre_over_local", "post_over_pre")
RR_ABS_FEATURES = ("pre_rr_s", "post_rr_s", "local_rr_s")
LOCAL_BEATS = 10  # beats averaged for the local RR (about 10 s at 60 bpm)
def rr_features(r_peaks, fs: float, local_beats: int = LOCAL_BEATS
                ) -> tuple[np.ndarray, np.ndarray]:
    """RR-interval features of every beat of one record.

    Parameters
    ----------
    r_peaks : (n,) increasing sample indices of *all* beats of the record (n >= 3).
    fs : sampling rate of ``r_peaks`` in Hz.
    local_beats : the local RR is the mean pre-RR of this many beats up to and
        including the current one (causal: usable while recording).

    Returns
    -------
    rr : float32 (n, 5), in :data:`RR_FEATURES` order: pre-RR, post-RR and local RR
        divided by the record's mean RR, then pre-RR / local RR (how premature the
        beat is) and post-RR / pre-RR (the compensatory pause after an ectopic beat).
        Dividing by the patient's own mean is what lets RR features generalise from
        one patient to another: a "short" interval means something different at 50 and
        at 120 beats per minute.
    rr_abs : float32 (n, 3), pre-RR, post-RR and local RR in seconds.

    The first beat has no pre-RR and the last no post-RR; they take their neighbour's.
    """
    r_peaks = np.asarray(r_peaks, dtype=np.int64)
    if r_peaks.ndim != 1 or len(r_peaks) < 3:
        raise ValueError(f"need a 1-d array of at least 3 R peaks, got shape {r_peaks.shape}")
    diffs = np.diff(r_peaks)
    if (diffs <= 0).any():
        raise ValueError("r_peaks must be strictly increasing sample indices")
    rr = diffs / float(fs)
    pre = np.concatenate([[rr[0]], rr])
    post = np.concatenate([rr, [rr[-1]]])
    # Causal moving average of the pre-RR over up to local_beats beats.
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    idx = np.arange(len(pre))
    start = np.maximum(0, idx + 1 - local_beats)
    local = (csum[idx + 1] - csum[start]) / (idx + 1 - start)
    mean_rr = rr.mean()
    out = np.stack([pre / mean_rr, post / mean_rr, local / mean_rr, pre / local,
                    post / pre], axis=1)
    return out.astype(np.float32), np.stack([pre, post, local], axis=1).astype(np.float32)


def beat_windows(signal, r_peaks, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a window around each R peak of a single-lead signal.

    Parameters
    ----------
    signal : (T,) array, one lead.
    r_peaks : (n,) sample indices of R peaks.
    before, after : samples kept before and after the peak (window length before + after).

    Returns
    -------
    windows : float32 (m, before + after), for the peaks whose window fits in the signal
    kept : bool (n,), which peaks were kept (edge beats are dropped).
    """
    signal = np.asarray(signal)
    if signal.ndim != 1:
        raise ValueError(f"signal must be one lead (T,), got shape {signal.shape}")
    if before < 0 or after <= 0:
        raise ValueError(f"before must be >= 0 and after > 0, got {before}, {after}")
    r_peaks = np.asarray(r_peaks, dtype=np.int64)
    kept = (r_peaks - before >= 0) & (r_peaks + after <= len(signal))
    starts = r_peaks[kept] - before
    idx = starts[:, None] + np.arange(before + after)[None, :]
    return signal[idx].astype(np.float32), kept


# --------------------------------------------------------------------------- normalisation
def normalize_beats(windows, method: str = "zscore", eps: float = 1e-6) -> np.ndarray:
    """Normalise each beat window on its own.

    Parameters
    ----------
    windows : (n, L) beats in mV.
    method : ``"zscore"`` (subtract the window's mean, divide by its standard
        deviation: shape only, amplitude dropped), ``"center"`` (subtract the mean only;
        mV kept), or ``"none"``.

    Returns
    -------
    float32 (n, L).
    """
    w = np.asarray(windows, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"windows must be (n_beats, L), got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError("windows contain NaN or inf")
    if method == "none":
        return w.copy()
    centred = w - w.mean(axis=1, keepdims=True)
    if method == "center":
        return centred
    if method == "zscore":
        return centred / (w.std(axis=1, keepdims=True) + eps)
    raise ValueError(f"unknown normalisation {method!r}; use 'zscore', 'center' or 'none'")


# --------------------------------------------------------------------------- inputs
def record_median_beats(windows, records) -> np.ndarray:
    """Each beat's record median beat: the sample-wise median of all windows of its record.

    Parameters
    ----------
    windows : (n, L) beats (normalised or not).
    records : (n,) record name of each beat.

    Returns
    -------
    float32 (n, L): row i is the median beat of ``records[i]``.

    In most records the median beat is the patient's normal beat (even record 232,
    where S beats are the majority, has S beats of normal shape). Given next to a beat,
    it lets a model ask "how does this beat differ from this patient's usual one?", a
    question that transfers between patients better than "what does this beat look
    like?". It uses no labels, only the record's own signal, like the mean RR.
    """
    w = np.asarray(windows, dtype=np.float32)
    records = np.asarray(records)
    if w.ndim != 2 or records.shape != (len(w),):
        raise ValueError(f"windows must be (n, L) and records (n,), got {w.shape} and "
                         f"{records.shape}")
    out = np.empty_like(w)
    for r in np.unique(records):
        m = records == r
        out[m] = np.median(w[m], axis=0)
    return out


def pack_beats(windows, rr=None, extra_channels=None) -> np.ndarray:
    """Build the input array of :class:`ecgkit.models.cnnlstm.CNNLSTM`.

    Parameters
    ----------
    windows : (N, L) normalised beats.
    rr : (N, n_rr) RR features, or None.
    extra_channels : (N, k, L) further per-beat channels (e.g. the record's median beat),
        or None.

    Returns
    -------
    float32 (N, 1 + k, L + n_rr): channel 0 is the beat; with RR features, the last
    ``n_rr`` time steps of channel 0 hold them (0 in the other channels). One array,
    because :func:`ecgkit.train.fit` feeds a model one tensor.
    """
    w = np.asarray(windows, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"windows must be (N, L), got shape {w.shape}")
    x = w[:, None, :]
    if extra_channels is not None:
        extra = np.asarray(extra_channels, dtype=np.float32)
        if extra.ndim != 3 or extra.shape[0] != len(w) or extra.shape[2] != w.shape[1]:
            raise ValueError(f"extra_channels must be (N={len(w)}, k, L={w.shape[1]}), "
                             f"got {extra.shape}")
        x = np.concatenate([x, extra], axis=1)
    if rr is not None:
        rr = np.asarray(rr, dtype=np.float32)
        if rr.ndim != 2 or len(rr) != len(w):
            raise ValueError(f"rr must be (N={len(w)}, n_rr), got shape {rr.shape}")
        tail = np.zeros((len(w), x.shape[1], rr.shape[1]), dtype=np.float32)
        tail[:, 0, :] = rr
        x = np.concatenate([x, tail], axis=2)
    if not np.isfinite(x).all():
        raise ValueError("inputs contain NaN or inf")
    return np.ascontiguousarray(x)


# --------------------------------------------------------------------------- detection
def detect_r_peaks(signal, fs: float, refine: bool = True) -> np.ndarray:
    """R peaks of a single-lead ECG with wfdb's XQRS detector.

    Parameters
    ----------
    signal : (T,) one lead in mV (MLII for MIT-BIH), at least 10 s.
    fs : sampling rate in Hz.
    refine : move each detection to the largest absolute deflection within 50 ms
        (XQRS marks the QRS, not always its peak; annotations sit on the peak).

    Returns
    -------
    int64 (n,), increasing sample indices.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"signal must be one lead (T,), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("signal contains NaN or inf")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    if len(x) < 10 * fs:
        raise ValueError(f"signal has {len(x)} samples = {len(x) / fs:.1f} s; XQRS needs "
                         "at least 10 s to learn its thresholds")
    xqrs = wp.XQRS(sig=x, fs=fs)
    xqrs.detect(verbose=False)
    peaks = np.asarray(xqrs.qrs_inds, dtype=np.int64)
    if refine and len(peaks):
        radius = int(round(0.05 * fs))
        peaks = np.asarray(wp.correct_peaks(x, peaks, search_radius=radius,
                                            smooth_window_size=max(3, radius),
                                            peak_dir="compare"), dtype=np.int64)
        peaks = np.unique(peaks[peaks >= 0])
    return peaks
