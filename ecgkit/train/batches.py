"""What :func:`ecgkit.train.fit` feeds the model: datasets, data loaders, random crops.

``fit`` accepts a torch ``Dataset`` or an ``(X, y)`` pair of arrays (:func:`as_dataset`),
batches them with :func:`make_loaders` and augments training batches with a transform
such as :class:`RandomCrop`.
"""
from __future__ import annotations

import os

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset
from torch.utils.data.distributed import DistributedSampler

__all__ = ["as_dataset", "default_workers", "make_loaders", "random_crop", "RandomCrop"]


def as_dataset(data, name: str) -> Dataset:
    """A Dataset from a Dataset or an ``(X, y)`` pair of arrays or tensors.

    Parameters
    ----------
    data : Dataset yielding ``(x, y)``, or ``(X, y)``
        ``X`` ``(N, ...)`` (floating point is cast to float32 and must be finite), ``y``
        ``(N, ...)`` (floating point is cast to float32, integers are kept).
    name : str
        How error messages call ``data`` (``"train_data"``, ``"val_data"``).

    Returns
    -------
    Dataset
        ``data`` itself, or a ``TensorDataset(X, y)``.
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = (torch.as_tensor(np.asarray(a)) if not torch.is_tensor(a) else a for a in data)
        if len(X) != len(y):
            raise ValueError(f"{name}: X has {len(X)} examples but y has {len(y)}")
        if len(X) == 0:
            raise ValueError(f"{name} is empty")
        if X.is_floating_point():
            if not torch.isfinite(X).all():
                raise ValueError(f"{name}: X contains NaN or inf")
            X = X.float()
        if y.is_floating_point():
            y = y.float()
        return TensorDataset(X, y)
    raise ValueError(f"{name} must be a torch Dataset or an (X, y) pair, got {type(data)!r}")


def default_workers(device: torch.device, world: int, dataset=None) -> int:
    """DataLoader worker processes per training process.

    Parameters
    ----------
    device : where the model trains.
    world : number of training processes on the machine.
    dataset : the training Dataset.

    Returns
    -------
    int
        0 on CPU and for in-memory arrays (a ``TensorDataset``), else a few per process.
    """
    # Arrays already in memory cost nothing to index: worker processes would only add
    # copying, and forking a process that runs threads (a CUDA one does) risks deadlocks.
    # A Dataset that reads or transforms per example gets a few workers per process on a
    # GPU machine, to keep the device fed.
    if device.type == "cpu" or isinstance(dataset, TensorDataset):
        return 0
    return max(1, min(8, (os.cpu_count() or 2) // world - 1))


def make_loaders(train_data, val_data, batch_size: int, *, seed: int, device: torch.device,
                 sampler=None, num_workers: int | None = None, rank: int = 0, world: int = 1
                 ) -> tuple[DataLoader, DataLoader, torch.Generator]:
    """The training and validation loaders of :func:`ecgkit.train.fit`.

    Parameters
    ----------
    train_data, val_data : Dataset or ``(X, y)`` (see :func:`as_dataset`)
    batch_size : int
    seed : int
        Seeds the generator that shuffles the training data (``DistributedSampler``'s
        seed with several processes).
    device : where the model trains (pinned memory on CUDA, default workers).
    sampler : torch Sampler, optional
        Replaces shuffling (one process only).
    num_workers : int, optional
        Default :func:`default_workers`.
    rank, world : int
        This process and the number of processes; with ``world > 1`` each rank gets its
        share through ``DistributedSampler`` (validation in order, not shuffled).

    Returns
    -------
    train_loader, val_loader : DataLoader
    generator : torch.Generator
        The training loader's shuffling, to checkpoint (unused with several processes).
    """
    train_ds, val_ds = as_dataset(train_data, "train_data"), as_dataset(val_data, "val_data")
    if num_workers is None:
        num_workers = default_workers(device, world, train_ds)
    generator = torch.Generator().manual_seed(seed)
    common = dict(num_workers=num_workers, pin_memory=device.type == "cuda")
    if world > 1:
        train_sampler = DistributedSampler(train_ds, world, rank, shuffle=True, seed=seed)
        val_sampler = DistributedSampler(val_ds, world, rank, shuffle=False)
        train_loader = DataLoader(train_ds, batch_size, sampler=train_sampler, **common)
    else:
        val_sampler = None
        train_loader = DataLoader(train_ds, batch_size, shuffle=sampler is None,
                                  sampler=sampler, generator=generator, **common)
    val_loader = DataLoader(val_ds, batch_size, shuffle=False, sampler=val_sampler, **common)
    return train_loader, val_loader, generator


def random_crop(x: torch.Tensor, window: int, generator: torch.Generator | None = None
                ) -> torch.Tensor:
    """A random window of ``window`` samples from each signal of a batch.

    The benchmark protocol trains on 2.5 s crops (``window=250`` at 100 Hz).

    Parameters
    ----------
    x : tensor ``(N, leads, T)``
    window : int
        Crop length in samples, ``1 <= window <= T``.
    generator : torch.Generator, optional
        Draws each example's start (default: torch's global generator, which
        :func:`ecgkit.train.fit` seeds and checkpoints).

    Returns
    -------
    tensor ``(N, leads, window)``
    """
    if x.dim() != 3:
        raise ValueError(f"expected (N, leads, T), got shape {tuple(x.shape)}")
    n, _, t = x.shape
    if not 0 < window <= t:
        raise ValueError(f"window {window} must be in 1..{t} (signal length)")
    starts = torch.randint(0, t - window + 1, (n,), generator=generator)
    idx = starts[:, None] + torch.arange(window)                  # (N, window)
    return torch.gather(x, 2, idx[:, None, :].expand(-1, x.shape[1], -1).to(x.device))


class RandomCrop:
    """Train-time transform for :func:`ecgkit.train.fit`: a random window per example.

    ``RandomCrop(250)``: random 2.5 s at 100 Hz; ``(N, leads, T) -> (N, leads, 250)``.
    """

    def __init__(self, window: int):
        self.window = int(window)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return random_crop(x, self.window)

    def __repr__(self) -> str:
        return f"RandomCrop({self.window})"
