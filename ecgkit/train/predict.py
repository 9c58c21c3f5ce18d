"""Predictions of a trained model: batches, activations, sliding windows, parameter counts.

:func:`predict` returns probabilities ``(N, C)`` as NumPy; :func:`sliding_window_predict`
is the PTB-XL benchmark's test protocol for models trained on crops.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

__all__ = ["activate", "model_logits", "predict", "window_starts", "sliding_window_predict",
           "count_parameters"]


def activate(logits: torch.Tensor, activation: str | None) -> torch.Tensor:
    """Logits ``(N, C)`` -> ``"sigmoid"`` or ``"softmax"`` probabilities, or unchanged (None)."""
    if activation == "sigmoid":
        return torch.sigmoid(logits)
    if activation == "softmax":
        return torch.softmax(logits, dim=-1)
    if activation is None:
        return logits
    raise ValueError(f"activation must be 'sigmoid', 'softmax' or None, got {activation!r}")


def model_logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The logits ``(N, C)`` of ``model(x)``: its output, or the first item of a tuple
    (models such as ProtoECGNet also return prototype similarities)."""
    out = model(x)
    return out[0] if isinstance(out, (tuple, list)) else out


def _inputs_of(data) -> torch.Tensor | Dataset:
    """The inputs of ``data`` (``X``, ``(X, y)`` or a Dataset) as a tensor or a Dataset."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        data = data[0]
    x = data if torch.is_tensor(data) else torch.as_tensor(np.asarray(data))
    if x.is_floating_point() and not torch.isfinite(x).all():
        raise ValueError("inputs contain NaN or inf")
    return x.float() if x.is_floating_point() else x


@torch.no_grad()
def predict(model: nn.Module, data, batch_size: int = 256, device=None,
            activation: str | None = "sigmoid", amp: bool = False) -> np.ndarray:
    """Model outputs as a float32 NumPy array, in eval mode.

    The model's train/eval mode is restored afterwards.

    Parameters
    ----------
    model : nn.Module returning logits ``(N, C)`` (or a tuple whose first item they are)
    data : inputs ``X`` (array or tensor ``(N, ...)``), an ``(X, y)`` pair or a Dataset
        yielding ``(x, y)``.
    batch_size : int
    device : torch device or str, optional
        Default: where the model's weights are. The model is moved there and stays there.
    activation : ``"sigmoid"``, ``"softmax"`` or None
        Multi-label probabilities, single-label probabilities, or logits.
    amp : bool
        float16 autocast (CUDA only).

    Returns
    -------
    float32 array ``(N, C)``
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(device)  # inputs and weights on one device, whichever the caller named
    was_training = model.training
    model.eval()
    inputs = _inputs_of(data)
    if isinstance(inputs, Dataset):
        batches = (b[0] for b in DataLoader(inputs, batch_size=batch_size, shuffle=False))
    else:
        batches = inputs.split(batch_size)
    outs = []
    try:
        for xb in batches:
            with torch.autocast(device.type, enabled=amp and device.type == "cuda"):
                logits = model_logits(model, xb.to(device, non_blocking=True))
            outs.append(activate(logits.float(), activation).cpu())
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("no examples to predict")
    return torch.cat(outs).numpy().astype(np.float32)


def window_starts(length: int, window: int, stride: int) -> list[int]:
    """Starts of sliding windows covering ``0..length``; the last one ends at ``length``.

    E.g. ``window_starts(100, 40, 25) == [0, 25, 50, 60]``.
    """
    if not 0 < window <= length:
        raise ValueError(f"window {window} must be in 1..{length} (signal length)")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:  # cover the tail too
        starts.append(length - window)
    return starts


@torch.no_grad()
def sliding_window_predict(model: nn.Module, X, window: int, stride: int,
                           reduce: str = "max", batch_size: int = 256, device=None,
                           activation: str | None = "sigmoid") -> np.ndarray:
    """Predict on sliding windows and aggregate per record: the benchmark's test protocol.

    Parameters
    ----------
    model, batch_size, device, activation : as in :func:`predict`.
    X : array ``(N, leads, T)``
    window, stride : int
        Windows of ``window`` samples every ``stride`` samples (the PTB-XL benchmark: 250
        and 125 at 100 Hz, i.e. 2.5 s windows, stride 1.25 s); a last window is added so
        that the tail is covered (:func:`window_starts`).
    reduce : ``"max"`` or ``"mean"``
        How the activated outputs of a record's windows are combined.

    Returns
    -------
    float32 array ``(N, C)``
    """
    if reduce not in ("max", "mean"):
        raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
    x = _inputs_of(X)
    if isinstance(x, Dataset) or x.dim() != 3:
        raise ValueError("X must be an array (N, leads, T)")
    starts = window_starts(x.shape[-1], window, stride)
    # (N, W, leads, window) -> (N*W, leads, window), record-major
    windows = torch.stack([x[..., s:s + window] for s in starts], dim=1)
    flat = windows.reshape(-1, x.shape[1], window)
    out = predict(model, flat, batch_size, device, activation)
    out = out.reshape(len(x), len(starts), -1)
    return (out.max(axis=1) if reduce == "max" else out.mean(axis=1)).astype(np.float32)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters of ``model``: the trainable ones (default) or all."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
