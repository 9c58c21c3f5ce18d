"""Explanations of spectrum models (chapter 10): which frequency bands move the predictions.

:func:`band_occlusion` replaces one band of an FFT spectrum ``(N, leads, K)`` at a time
and measures how much each class probability changes.
"""
from __future__ import annotations

import numpy as np
from torch import nn

from ecgkit.explain.attributions import as_input
from ecgkit.train import predict

__all__ = ["band_occlusion"]


def band_occlusion(model: nn.Module, spectra, freqs, band_hz: float = 2.0, fill=None,
                   batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Occlusion by frequency band for a model on spectra ``(N, leads, K)``.

    Each band of ``band_hz`` Hz is replaced, in every lead, by ``fill`` (default: the
    mean over ``spectra`` of each bin and lead, i.e. "an average record's spectrum
    there"), and the change of the sigmoid outputs is averaged over the records.

    Parameters
    ----------
    model : returns logits ``(N, C)`` from spectra.
    spectra : ``(N, leads, K)`` model inputs (e.g. ``fft_features``).
    freqs : ``(K,)`` frequency of each bin in Hz (``fft_frequencies``).
    band_hz : band width in Hz.
    fill : ``(leads, K)`` replacement values, optional.

    Returns
    -------
    centres : ``(B,)`` band centres in Hz.
    effect : ``(B, C)`` mean absolute change of each class probability when the band is
        occluded (0: the model ignores the band).
    """
    x = as_input(spectra, "spectra", ndim=3).numpy()
    freqs = np.asarray(freqs, dtype=np.float64)
    if freqs.shape != (x.shape[-1],):
        raise ValueError(f"freqs must have one value per bin ({x.shape[-1]}), got {freqs.shape}")
    if band_hz <= 0:
        raise ValueError(f"band_hz must be positive, got {band_hz}")
    fill = x.mean(axis=0) if fill is None else np.asarray(fill, dtype=np.float32)
    if fill.shape != x.shape[1:]:
        raise ValueError(f"fill must have shape {x.shape[1:]}, got {fill.shape}")
    edges = np.arange(freqs[0], freqs[-1] + band_hz, band_hz)
    base = predict(model, x, batch_size=batch_size)
    centres, effects = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_band = (freqs >= lo) & (freqs < hi)
        if not in_band.any():
            continue
        occluded = x.copy()
        occluded[:, :, in_band] = fill[:, in_band]
        effects.append(np.abs(predict(model, occluded, batch_size=batch_size) - base).mean(0))
        centres.append((lo + hi) / 2)
    return np.asarray(centres), np.asarray(effects)
