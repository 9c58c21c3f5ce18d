"""Standardisation of ECGs and the one PTB-XL preprocessing of the course (band-pass, then per-lead z-score).

:func:`zscore` standardises each record on its own; :class:`LeadStandardizer` learns one
mean and standard deviation per lead on the training set. :func:`fit_preprocessing` and
:func:`preprocess` are the one preprocessing every PTB-XL model of the course sees.
"""
from __future__ import annotations

import numpy as np

from ecgkit.signal.checks import check_signal
from ecgkit.signal.filters import bandpass

__all__ = ["zscore", "LeadStandardizer", "BAND_HZ", "fit_preprocessing", "preprocess"]

# Pass band of the course's PTB-XL preprocessing in Hz: 0.5 Hz removes baseline wander,
# 40 Hz muscle noise and powerline interference.
BAND_HZ = (0.5, 40.0)

def zscore(x, axis: int = -1, eps: float = 1e-8) -> np.ndarray:
    """Standardise each record and lead on its own: ``(x - mean) / (std + eps)``.

    With the default ``axis=-1`` every lead of every record gets mean 0 and standard
    deviation 1 over time (amplitude information across records is lost; compare
    :class:`LeadStandardizer`, which keeps it). ``x``: (..., T) in mV. Returns same shape,
    float32 for float32 input, else float64; a flat lead becomes 0.
    """
    arr = check_signal(x)
    mean = arr.mean(axis=axis, keepdims=True)
    std = arr.std(axis=axis, keepdims=True)
    return ((arr - mean) / (std + eps)).astype(arr.dtype, copy=False)


class LeadStandardizer:
    """Per-lead standardisation with statistics learnt on the training set only.

    ``fit(X_train)`` stores, for each lead, the mean and standard deviation over all
    training records and all time samples; ``transform(X)`` subtracts and divides by them.
    Fitting on training data only keeps test information out of the model.

    Attributes
    ----------
    mean_, std_ : float64 (C,), in mV, set by :meth:`fit`.
    n_leads_ : C.
    """

    def __init__(self, eps: float = 1e-8):
        self.eps = eps

    @staticmethod
    def _check_batch(X, what: str) -> np.ndarray:
        arr = check_signal(X)
        if arr.ndim != 3:
            raise ValueError(f"{what} expects X shaped (N, C, T) = (records, leads, time), "
                             f"got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError(f"{what} got no records: X has shape {arr.shape}")
        return arr

    def fit(self, X) -> "LeadStandardizer":
        """Learn per-lead mean and std from ``X`` (N, C, T) in mV (the training set)."""
        arr = self._check_batch(X, "fit")
        n_leads = arr.shape[1]
        mean, std = np.empty(n_leads), np.empty(n_leads)
        # One lead at a time in float64: accurate on float32 data without copying
        # the whole (possibly memory-mapped) array to float64.
        for c in range(n_leads):
            lead = arr[:, c, :].astype(np.float64)
            mean[c], std[c] = lead.mean(), lead.std()
        self.mean_, self.std_, self.n_leads_ = mean, np.maximum(std, self.eps), n_leads
        return self

    def transform(self, X) -> np.ndarray:
        """Standardise ``X`` (N, C, T) with the fitted statistics; same shape and dtype
        rule as the filters (float32 stays float32)."""
        if not hasattr(self, "mean_"):
            raise ValueError("this LeadStandardizer is not fitted yet: call fit(X_train) "
                             "before transform")
        arr = self._check_batch(X, "transform")
        if arr.shape[1] != self.n_leads_:
            raise ValueError(f"X has {arr.shape[1]} leads but the standardizer was fitted "
                             f"on {self.n_leads_}; expected shape (N, {self.n_leads_}, T)")
        mean = self.mean_.astype(arr.dtype)[None, :, None]
        std = self.std_.astype(arr.dtype)[None, :, None]
        return (arr - mean) / std

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X) -> np.ndarray:
        """Back to mV: ``X * std_ + mean_``."""
        if not hasattr(self, "mean_"):
            raise ValueError("this LeadStandardizer is not fitted yet: call fit(X_train) first")
        arr = self._check_batch(X, "inverse_transform")
        if arr.shape[1] != self.n_leads_:
            raise ValueError(f"X has {arr.shape[1]} leads, the standardizer {self.n_leads_}")
        return arr * self.std_.astype(arr.dtype)[None, :, None] + \
            self.mean_.astype(arr.dtype)[None, :, None]

    def __repr__(self) -> str:
        state = f"fitted on {self.n_leads_} leads" if hasattr(self, "mean_") else "not fitted"
        return f"LeadStandardizer({state})"


# --------------------------------------------------------------------------- PTB-XL
def fit_preprocessing(x_train, fs: float, low: float = BAND_HZ[0],
                      high: float = BAND_HZ[1]) -> LeadStandardizer:
    """The standardiser of the course's PTB-XL preprocessing, fitted on training data.

    Parameters
    ----------
    x_train : (N, 12, T) raw training signals in mV at ``fs`` Hz.
    fs : sampling rate in Hz.
    low, high : pass band of the zero-phase Butterworth band-pass in Hz.

    Returns
    -------
    :class:`LeadStandardizer` fitted on ``bandpass(x_train, fs, low, high)``.
    """
    return LeadStandardizer().fit(bandpass(x_train, fs, low, high))


def preprocess(x, scaler: LeadStandardizer, fs: float, low: float = BAND_HZ[0],
               high: float = BAND_HZ[1]) -> np.ndarray:
    """The course's PTB-XL preprocessing: band-pass, then the fitted per-lead z-score.

    Parameters
    ----------
    x : (N, C, T) raw signals in mV at ``fs`` Hz.
    scaler : from :func:`fit_preprocessing` (fitted on the training split only).
    fs : sampling rate in Hz.
    low, high : pass band in Hz; the same as the scaler was fitted with.

    Returns
    -------
    float32 (N, C, T), unitless (standardised).
    """
    return scaler.transform(bandpass(x, fs, low, high)).astype(np.float32)
