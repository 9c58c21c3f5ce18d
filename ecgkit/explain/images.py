"""Explanations of image models (chapter 9), brought back onto the time axis of the ECG.

Image transforms (RPM, recurrence plot, GAF; the columns of a scalogram) index their axes
by PAA segments of time: :func:`image_map_to_time` turns a heat map over the image into
one value per sample, and :func:`image_model_attribution` does so for an image model.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from ecgkit.transforms.images import paa_bounds

__all__ = ["image_map_to_time", "image_model_attribution"]


def image_map_to_time(heatmap, n_samples: int, axes: str = "both") -> np.ndarray:
    """Project a heat map over an image of PAA segments back onto the time axis.

    Image transforms such as the relative position matrix index both image axes by the
    same PAA segments of the signal (:func:`ecgkit.transforms.paa_bounds`): pixel
    ``(i, j)`` relates segment ``i`` to segment ``j``. The importance of segment ``k`` is
    then the mean of row ``k`` and column ``k`` (``axes="both"``); for a scalogram only
    the columns are time (rows are frequencies), so it is the mean of column ``k``
    (``axes="columns"``). Every sample of segment ``k`` gets that value.

    Parameters
    ----------
    heatmap : array ``(S, S)`` / ``(N, S, S)`` for ``"both"``, or ``(F, W)`` /
        ``(N, F, W)`` for ``"columns"``.
    n_samples : length T of the signal the image was made from (W <= T).
    axes : ``"both"`` or ``"columns"``.

    Returns
    -------
    float64 ``(T,)`` or ``(N, T)``.
    """
    h = np.asarray(heatmap, dtype=np.float64)
    if h.ndim not in (2, 3):
        raise ValueError(f"heatmap must be (S, S) or (N, S, S), got shape {h.shape}")
    if not np.isfinite(h).all():
        raise ValueError("heatmap contains NaN or inf")
    if axes == "both":
        if h.shape[-1] != h.shape[-2]:
            raise ValueError(f"axes='both' needs a square map (both axes are time), got "
                             f"{h.shape[-2:]}; use axes='columns' for a scalogram")
        per_segment = (h.mean(axis=-1) + h.mean(axis=-2)) / 2
    elif axes == "columns":
        per_segment = h.mean(axis=-2)
    else:
        raise ValueError(f"axes must be 'both' or 'columns', got {axes!r}")
    width = h.shape[-1]
    if not 1 <= width <= n_samples:
        raise ValueError(f"the map has {width} time segments, more than n_samples={n_samples}")
    start, end = paa_bounds(int(n_samples), width)
    return np.repeat(per_segment, end - start, axis=-1)



def image_model_attribution(model: nn.Module, x: torch.Tensor,
                            image_maps: Callable[[nn.Module, torch.Tensor], np.ndarray]
                            ) -> np.ndarray:
    """Attribution of an image model of one lead, on the signal's (lead, time) axes.

    1. the imaged lead of ``x`` becomes images ``(N, 1, S, S)`` (``model.to_image``);
    2. ``image_maps(model.image_model, images)`` attributes the image model's output to
       its pixels, ``(N, S, S)`` (Grad-CAM, integrated gradients, SHAP, ...);
    3. :func:`image_map_to_time` brings each map back onto the time axis of the imaged
       lead; the other leads, which the model never reads, get 0.

    Parameters
    ----------
    model : :class:`ecgkit.models.SignalToImageModel` (``image_model``, ``lead``,
        ``to_image``).
    x : ``(N, L, T)`` standardised signals.
    image_maps : the attribution on the images, as above.

    Returns
    -------
    float32 ``(N, L, T)``.
    """
    n, n_leads, t = x.shape
    images = model.to_image(x).to(next(model.image_model.parameters()).device)
    maps = image_maps(model.image_model, images)
    out = np.zeros((n, n_leads, t), dtype=np.float32)
    out[:, model.lead] = image_map_to_time(maps, t, axes="both")
    return out
