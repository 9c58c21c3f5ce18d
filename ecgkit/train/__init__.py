"""One small training engine for every model of the course.

:func:`fit` trains a ``torch.nn.Module`` that returns logits, for multi-label tasks
(``BCEWithLogitsLoss``, optionally with :func:`pos_weight`) and single-label tasks
(``CrossEntropyLoss``, optionally with :func:`class_weights` or a sampler from
:func:`make_weighted_sampler`) alike: the loss and the validation metric are arguments.

What it does, in order, each epoch: train (AdamW, gradient clipping, optional mixed
precision and train-time augmentation), validate (loss + metric on the whole validation
set), step the learning-rate scheduler, keep the best weights by the monitored value,
write a checkpoint, stop early when the monitored value has not improved for
``patience`` epochs. At the end the best weights are loaded into the model (``restore_best=False``: the last).

Reproducibility: a run is a function of its seed on CPU (same seed -> identical
metrics), and a run resumed from its last checkpoint ends exactly as the uninterrupted
run would have, because the checkpoint holds every random state (Python, NumPy, torch,
CUDA, the data loader's generator) along with model, optimiser, scheduler, gradient
scaler, history and early-stopping state.

Multi-process: started with ``torchrun --nproc_per_node K``, :func:`fit` wraps the model
in ``DistributedDataParallel``, shards the data with ``DistributedSampler``, gathers the
validation predictions of all ranks before computing metrics (so every rank takes the
same early-stopping decisions) and only rank 0 prints and writes checkpoints.
"""
from __future__ import annotations

import math
import os
import random
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from ecgkit import config

__all__ = [
    "History", "fit", "predict", "sliding_window_predict", "random_crop", "RandomCrop",
    "class_weights", "pos_weight", "make_weighted_sampler", "count_parameters",
    "CHECKPOINT_NAME",
]

CHECKPOINT_NAME = "last.pt"


# ============================================================================ history
@dataclass
class History:
    """What :func:`fit` did, one record per epoch.

    Attributes
    ----------
    records : list of dict
        Per epoch: ``epoch`` (1-based), ``loss`` (mean training loss), ``val_loss``,
        ``val_<metric>`` for each validation metric, ``lr`` (of the epoch's last step),
        ``time_s`` (wall time of the epoch, validation included),
        ``train_samples_per_s`` (training examples per second of the training phase).
    monitor, mode : the monitored column and ``"min"`` or ``"max"``.
    best_epoch : int
        Epoch whose weights were restored into the model (0 if none was trained).
    best_score : float
        Monitored value at ``best_epoch``.
    stopped_early : bool
    best_state : dict
        State dict (CPU tensors) of the best epoch; already loaded into the model.
    """

    records: list = field(default_factory=list)
    monitor: str = "val_loss"
    mode: str = "min"
    best_epoch: int = 0
    best_score: float = float("nan")
    stopped_early: bool = False
    best_state: dict | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The records as a DataFrame indexed by epoch (what ``plot_history`` draws)."""
        return pd.DataFrame(self.records).set_index("epoch") if self.records else pd.DataFrame()

    def as_dict(self) -> dict:
        """Column -> list of per-epoch values (accepted by ``ecgkit.plot.plot_history``)."""
        return {c: self[c] for c in self.columns}

    def __getitem__(self, column: str) -> list:
        return [r.get(column) for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def columns(self) -> list[str]:
        return list(self.records[0]) if self.records else []

    @property
    def best(self) -> dict:
        """The record of the best epoch."""
        return next((r for r in self.records if r["epoch"] == self.best_epoch), {})


# ============================================================================ data
def _as_dataset(data, name: str) -> Dataset:
    """A Dataset from a Dataset or an ``(X, y)`` pair of arrays / tensors."""
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


def _dist_info() -> tuple[bool, int, int]:
    """(distributed?, rank, world size) from the torchrun environment."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return world > 1, int(os.environ.get("RANK", "0")), world


def _default_workers(device: torch.device, world: int, dataset=None) -> int:
    # Arrays already in memory (a TensorDataset) cost nothing to index: worker processes
    # would only add copying, and forking a process that runs threads (a CUDA one does)
    # risks deadlocks. A Dataset that reads or transforms per example gets a few workers
    # per process on a GPU machine, to keep the device fed.
    if device.type == "cpu" or isinstance(dataset, TensorDataset):
        return 0
    return max(1, min(8, (os.cpu_count() or 2) // world - 1))


# ============================================================================ augmentation
def random_crop(x: torch.Tensor, window: int, generator: torch.Generator | None = None
                ) -> torch.Tensor:
    """A random window of ``window`` samples from each signal of a batch.

    ``x``: ``(N, leads, T)`` -> ``(N, leads, window)``; each example gets its own start,
    drawn from ``generator`` (default: torch's global generator, which :func:`fit`
    seeds and checkpoints). The benchmark protocol trains on 2.5 s crops
    (``window=250`` at 100 Hz).
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
    """Train-time transform for :func:`fit`: ``RandomCrop(250)`` = random 2.5 s at 100 Hz."""

    def __init__(self, window: int):
        self.window = int(window)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return random_crop(x, self.window)

    def __repr__(self) -> str:
        return f"RandomCrop({self.window})"


# ============================================================================ weights
def _counts(y) -> tuple[np.ndarray, int]:
    """Positives per class and number of examples, from multi-hot (N, C) or labels (N,)."""
    y = np.asarray(y)
    if y.ndim == 2:
        return y.sum(axis=0).astype(np.float64), len(y)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return np.bincount(y).astype(np.float64), len(y)
    raise ValueError("y must be multi-hot (N, C) or integer labels (N,)")


def class_weights(y, kind: str = "inverse", n_classes: int | None = None) -> torch.Tensor:
    """Per-class loss weights ``(C,)``, e.g. for ``CrossEntropyLoss(weight=...)``.

    ``kind="inverse"``: ``N / (C * n_c)`` (1 for every class when balanced);
    ``kind="sqrt"``: its square root, a milder correction. ``y``: integer labels ``(N,)``
    or multi-hot ``(N, C)``. A class with no example gets weight 0 (it never occurs as a
    target, so the value does not change the loss) and a warning.
    """
    if kind not in ("inverse", "sqrt"):
        raise ValueError(f"kind must be 'inverse' or 'sqrt', got {kind!r}")
    counts, n = _counts(y)
    if n_classes is not None:
        if len(counts) > n_classes:
            raise ValueError(f"labels exceed n_classes={n_classes}")
        counts = np.pad(counts, (0, n_classes - len(counts)))
    absent = np.flatnonzero(counts == 0)
    if len(absent):
        warnings.warn(f"class index(es) {list(absent)} have no example; weight set to 0",
                      stacklevel=2)
    w = np.where(counts > 0, n / (len(counts) * np.maximum(counts, 1)), 0.0)
    return torch.tensor(np.sqrt(w) if kind == "sqrt" else w, dtype=torch.float32)


def pos_weight(y, kind: str = "ratio") -> torch.Tensor:
    """``pos_weight`` ``(C,)`` for ``BCEWithLogitsLoss`` from multi-hot labels ``(N, C)``.

    ``kind="ratio"``: ``n_neg / n_pos`` (the positives weigh as much as the negatives);
    ``kind="sqrt"``: its square root, the "square-root scaling" of source 001. On all
    17,441 PTB-XL training records (folds 1-8) ``sqrt`` gives NORM 1.14, MI 1.72,
    STTC 1.78, CD 1.86, HYP 2.69 (source 001 lists 1.14, 2.07, 1.81, 1.86, 2.93).
    A class with no positive gets 1 (with no positive the value cannot change the loss)
    and a warning.
    """
    if kind not in ("ratio", "sqrt"):
        raise ValueError(f"kind must be 'ratio' or 'sqrt', got {kind!r}")
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(f"pos_weight needs multi-hot labels (N, C), got shape {y.shape}")
    pos, n = _counts(y)
    absent = np.flatnonzero(pos == 0)
    if len(absent):
        warnings.warn(f"class index(es) {list(absent)} have no positive example; "
                      f"pos_weight set to 1", stacklevel=2)
    w = np.where(pos > 0, (n - pos) / np.maximum(pos, 1), 1.0)
    return torch.tensor(np.sqrt(w) if kind == "sqrt" else w, dtype=torch.float32)


def make_weighted_sampler(labels, num_samples: int | None = None, kind: str = "inverse",
                          generator: torch.Generator | None = None):
    """``WeightedRandomSampler`` that draws each class about equally often.

    ``labels``: integer class per example ``(N,)``. Each example weighs ``1 / n_class``
    (``kind="sqrt"``: ``1 / sqrt(n_class)``); ``num_samples`` draws per epoch (default N),
    with replacement. For single-label tasks such as MIT-BIH beats.
    """
    from torch.utils.data import WeightedRandomSampler

    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("labels must be a 1-D array of integer classes")
    if kind not in ("inverse", "sqrt"):
        raise ValueError(f"kind must be 'inverse' or 'sqrt', got {kind!r}")
    counts = np.bincount(labels).astype(np.float64)
    per_class = 1.0 / np.where(counts > 0, counts, np.inf)
    if kind == "sqrt":
        per_class = np.sqrt(per_class)
    weights = torch.as_tensor(per_class[labels], dtype=torch.double)
    return WeightedRandomSampler(weights, num_samples or len(labels), replacement=True,
                                 generator=generator)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# ============================================================================ prediction
def _activate(logits: torch.Tensor, activation: str | None) -> torch.Tensor:
    if activation == "sigmoid":
        return torch.sigmoid(logits)
    if activation == "softmax":
        return torch.softmax(logits, dim=-1)
    if activation is None:
        return logits
    raise ValueError(f"activation must be 'sigmoid', 'softmax' or None, got {activation!r}")


def _inputs_of(data) -> torch.Tensor | Dataset:
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        data = data[0]
    x = data if torch.is_tensor(data) else torch.as_tensor(np.asarray(data))
    if x.is_floating_point() and not torch.isfinite(x).all():
        raise ValueError("inputs contain NaN or inf")
    return x.float() if x.is_floating_point() else x


def _model_logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = model(x)
    return out[0] if isinstance(out, (tuple, list)) else out


@torch.no_grad()
def predict(model: nn.Module, data, batch_size: int = 256, device=None,
            activation: str | None = "sigmoid", amp: bool = False) -> np.ndarray:
    """Model outputs ``(N, C)`` as a float32 NumPy array, in eval mode.

    ``data``: inputs ``X`` (array or tensor ``(N, ...)``), an ``(X, y)`` pair or a Dataset
    yielding ``(x, y)``. ``activation``: ``"sigmoid"`` (multi-label probabilities),
    ``"softmax"`` (single-label probabilities) or None (logits). The model's train/eval
    mode is restored afterwards. ``device`` (default: where the model's weights are)
    moves the model there, and it stays there.
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
                logits = _model_logits(model, xb.to(device, non_blocking=True))
            outs.append(_activate(logits.float(), activation).cpu())
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("no examples to predict")
    return torch.cat(outs).numpy().astype(np.float32)


def window_starts(length: int, window: int, stride: int) -> list[int]:
    """Starts of sliding windows covering ``0..length``; the last one ends at ``length``."""
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

    ``X``: ``(N, leads, T)``. Windows of ``window`` samples every ``stride`` samples (the
    PTB-XL benchmark: 250 and 125 at 100 Hz, i.e. 2.5 s windows, stride 1.25 s; a last
    window is added so that the tail is covered); the activated outputs of a record's
    windows are reduced by ``"max"`` or ``"mean"``. Returns ``(N, C)`` float32.
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


# ============================================================================ checkpoints
def _rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)  # a crash mid-write never leaves a truncated checkpoint


def _cpu_state(model: nn.Module) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


# ============================================================================ fit
def _make_scheduler(name, optimizer, epochs, steps_per_epoch, lr, scheduler_patience, mode):
    if name is None:
        return None
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode=mode, factor=0.1, patience=scheduler_patience)
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    raise ValueError(f"scheduler must be 'plateau', 'onecycle' or None, got {name!r}")


def _metric_values(metric_fn, y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    if metric_fn is None:
        return {}
    value = metric_fn(y_true, y_pred)
    if isinstance(value, dict):
        return {f"val_{k}": float(v) for k, v in value.items()}
    name = getattr(metric_fn, "__name__", "metric")
    return {f"val_{name}": float(value)}


def _default_activation(loss_fn) -> str | None:
    if isinstance(loss_fn, nn.CrossEntropyLoss):
        return "softmax"
    if isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.MultiLabelSoftMarginLoss)):
        return "sigmoid"
    return None


def fit(model: nn.Module, train_data, val_data, *, loss_fn: Callable,
        metric_fn: Callable | None = None, monitor: str = "val_loss", mode: str | None = None,
        epochs: int = 10, batch_size: int = 64, lr: float = 1e-3, weight_decay: float = 1e-2,
        scheduler: str | None = "plateau", scheduler_patience: int = 3,
        patience: int | None = 5, grad_clip: float | None = 1.0, device=None,
        amp: bool | None = None, sampler=None, num_workers: int | None = None,
        checkpoint_dir=None, resume: bool = False, seed: int = 0, progress: bool = True,
        transform: Callable | None = None, val_window: tuple[int, int] | None = None,
        activation: str | None = "auto", max_epochs_this_call: int | None = None,
        callbacks: Iterable[Callable] = (), restore_best: bool = True,
        verbose: bool = True) -> History:
    """Train ``model`` and return its :class:`History`; the best weights end up in ``model``.

    Parameters
    ----------
    model : nn.Module
        Returns logits (or a tuple whose first item is the logits).
    train_data, val_data : Dataset yielding ``(x, y)``, or ``(X, y)`` arrays
        E.g. ``(X_train, y_train)`` with X float32 ``(N, 12, T)``; ``y`` multi-hot float
        ``(N, C)`` for BCE or integer ``(N,)`` for cross-entropy.
    loss_fn : callable ``(logits, y) -> scalar``
        ``nn.BCEWithLogitsLoss(pos_weight=pos_weight(y_train))`` for multi-label,
        ``nn.CrossEntropyLoss(weight=class_weights(y_train))`` for single-label.
        Hook for composite losses: if ``loss_fn.needs_model`` is true, training calls
        ``loss_fn(logits, y, model=model, extras=outputs[1:])`` (the model's further
        outputs when it returns a tuple); validation still calls ``loss_fn(logits, y)``
        (e.g. :class:`ecgkit.models.protoecgnet.PrototypeLoss` then returns its BCE).
        To freeze parameters, set ``requires_grad=False`` before calling: AdamW skips
        parameters without gradient (no update, no weight decay).
    metric_fn : callable ``(y_true, y_pred) -> float or dict``, optional
        Computed on the whole validation set (NumPy arrays; ``y_pred`` after
        ``activation``), recorded as ``val_<name>``, e.g. ``ecgkit.metrics.macro_auroc``.
    monitor, mode : str
        Column deciding the best epoch, early stopping and the plateau scheduler:
        ``"val_loss"`` (default) or a metric, with or without the ``val_`` prefix.
        ``mode`` defaults to ``"min"`` for losses and ``"max"`` for metrics.
    epochs, batch_size, lr, weight_decay :
        AdamW with this learning rate and decoupled weight decay.
    scheduler : ``"plateau"`` (ReduceLROnPlateau on ``monitor``, factor 0.1, patience
        ``scheduler_patience``), ``"onecycle"`` (one-cycle to ``lr``, stepped per batch)
        or None.
    patience : int or None
        Stop after this many epochs without improvement of ``monitor``; None: never.
    grad_clip : float or None
        Clip the global gradient norm to this value.
    device : torch device or str, optional
        Default :func:`ecgkit.config.get_device` (printed).
    amp : bool, optional
        Mixed precision; default True on CUDA (float16 autocast + GradScaler), False
        elsewhere (``amp=True`` on CPU uses bfloat16 autocast, no scaler).
    sampler : torch Sampler, optional
        E.g. :func:`make_weighted_sampler`; replaces shuffling. Not with several processes.
    num_workers : int, optional
        DataLoader workers; default 0 on CPU and for ``(X, y)`` arrays (in memory), a few
        per GPU process for a Dataset of your own.
    checkpoint_dir : path, optional
        Write ``last.pt`` there after every epoch (atomically).
    resume : bool
        Continue from ``checkpoint_dir/last.pt`` if it exists; the run then ends exactly
        as the uninterrupted run with the same seed.
    seed : int
        Seeds Python, NumPy, torch and the loader's shuffling.
    progress : bool
        A tqdm bar per epoch (rank 0 only).
    transform : callable, optional
        Train-time augmentation applied to each input batch ``(B, leads, T)`` on the CPU,
        e.g. :class:`RandomCrop` (``RandomCrop(250)``: random 2.5 s windows).
    val_window : (window, stride), optional
        Validate on sliding windows, taking per record the maximum over windows of the
        logits (equivalently of sigmoid probabilities): the benchmark protocol for models
        trained on crops. The validation loss is then computed on these aggregated logits.
    activation : ``"auto"``, ``"sigmoid"``, ``"softmax"`` or None
        Applied to the logits before ``metric_fn``; ``"auto"`` picks sigmoid for
        BCEWithLogitsLoss and softmax for CrossEntropyLoss, else None.
    max_epochs_this_call : int, optional
        Train at most this many epochs in this call, then return (checkpoint kept, best
        weights not restored): to split a long run over several sessions with ``resume``.
    restore_best : bool
        Load the best epoch's weights into ``model`` at the end (default); False leaves
        those of the last epoch (a fixed budget; ``History.best_epoch`` is still recorded).
    callbacks : iterable of callables ``(record, model) -> None``
        Called after each epoch's checkpoint; an exception raised here interrupts ``fit``.
    verbose : bool
        Print the device and one line per epoch (rank 0 only).

    Returns
    -------
    History
    """
    distributed, rank, world = _dist_info()
    is_main = rank == 0
    # --- arguments
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if val_data is None:
        raise ValueError("val_data is required (early stopping and model selection use it)")
    if not monitor.startswith("val_") and monitor != "loss":
        monitor = f"val_{monitor}"
    mode = mode or ("min" if monitor.endswith("loss") else "max")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    if monitor != "val_loss" and metric_fn is None:
        raise ValueError(f"monitor={monitor!r} needs a metric_fn")
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir")
    if sampler is not None and distributed:
        raise ValueError("a custom sampler cannot be combined with several processes; "
                         "use class weights in the loss instead")
    if activation == "auto":
        activation = _default_activation(loss_fn)
    # --- device and process group
    if distributed:
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            device = torch.device("cuda", local)
    device = torch.device(device) if device is not None else config.get_device()
    amp = (device.type == "cuda") if amp is None else bool(amp)
    amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick kernels
    config.seed_everything(seed)
    # --- data
    train_ds, val_ds = _as_dataset(train_data, "train_data"), _as_dataset(val_data, "val_data")
    if num_workers is None:
        num_workers = _default_workers(device, world, train_ds)
    loader_gen = torch.Generator().manual_seed(seed)
    common = dict(num_workers=num_workers, pin_memory=device.type == "cuda")
    if distributed:
        from torch.utils.data.distributed import DistributedSampler

        train_sampler = DistributedSampler(train_ds, world, rank, shuffle=True, seed=seed)
        val_sampler = DistributedSampler(val_ds, world, rank, shuffle=False)
        train_loader = DataLoader(train_ds, batch_size, sampler=train_sampler, **common)
    else:
        train_sampler, val_sampler = sampler, None
        train_loader = DataLoader(train_ds, batch_size, shuffle=sampler is None,
                                  sampler=sampler, generator=loader_gen, **common)
    val_loader = DataLoader(val_ds, batch_size, shuffle=False, sampler=val_sampler, **common)
    # --- model, optimiser, scheduler
    model.to(device)
    if isinstance(loss_fn, nn.Module):
        loss_fn.to(device)  # weight / pos_weight buffers follow the model
    net = model
    if distributed:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda"
                                      else None)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = _make_scheduler(scheduler, optimizer, epochs, len(train_loader), lr,
                            scheduler_patience, mode)
    scaler = torch.amp.GradScaler("cuda", enabled=amp and device.type == "cuda")
    history = History(monitor=monitor, mode=mode)
    best_state, bad_epochs, start_epoch = None, 0, 0
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if ckpt_path is not None and is_main:
        ckpt_path.parent.mkdir(parents=True, exist_ok=True)
    # --- resume
    if resume and ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if sched is not None and ckpt["scheduler"] is not None:
            sched.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        _set_rng_state(ckpt["rng"][rank] if isinstance(ckpt["rng"], list) else ckpt["rng"])
        loader_gen.set_state(ckpt["loader_generator"])
        history = ckpt["history"]
        best_state, bad_epochs = history.best_state, ckpt["bad_epochs"]
        start_epoch = ckpt["epoch"]
        if verbose and is_main:
            print(f"fit: resumed from {ckpt_path} after epoch {start_epoch}")
        if history.stopped_early:
            start_epoch = epochs  # the run had already finished
    if verbose and is_main and start_epoch < epochs:
        print(f"fit: device={device}, amp={amp}, world_size={world}, workers={num_workers}, "
              f"{len(train_ds)} train / {len(val_ds)} val examples, "
              f"{count_parameters(model):,} parameters")
    # --- epochs
    stop_at = epochs if max_epochs_this_call is None else min(epochs, start_epoch
                                                             + max_epochs_this_call)
    for epoch in range(start_epoch, stop_at):
        t0 = time.perf_counter()
        if distributed:
            train_sampler.set_epoch(epoch)
        t_train = time.perf_counter()
        train_loss, n_seen, last_lr = _train_one_epoch(
            net, train_loader, loss_fn, optimizer, sched if scheduler == "onecycle" else None,
            scaler, device, amp, amp_dtype, grad_clip, transform,
            progress and is_main, f"epoch {epoch + 1}/{epochs}")
        train_time = time.perf_counter() - t_train
        val_loss, y_true, y_pred = _validate(net, val_loader, loss_fn, device, amp, amp_dtype,
                                             val_window, activation, distributed,
                                             len(val_ds))
        record = {"epoch": epoch + 1, "loss": train_loss, "val_loss": val_loss}
        record.update(_metric_values(metric_fn, y_true, y_pred))
        if monitor not in record:
            raise ValueError(f"monitor {monitor!r} is not among the recorded values "
                             f"{sorted(record)}")
        score = record[monitor]
        if scheduler == "plateau":
            sched.step(score)
        record["lr"] = last_lr
        record["time_s"] = time.perf_counter() - t0
        record["train_samples_per_s"] = n_seen / train_time
        history.records.append(record)
        improved = (history.best_epoch == 0 or (not math.isnan(score) and (
            score < history.best_score if mode == "min" else score > history.best_score)))
        if improved:
            history.best_epoch, history.best_score = epoch + 1, score
            best_state, bad_epochs = _cpu_state(model), 0
        else:
            bad_epochs += 1
        history.stopped_early = patience is not None and bad_epochs >= patience
        history.best_state = best_state
        if verbose and is_main:
            print("  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                   for k, v in record.items()))
        if ckpt_path is not None:
            rng = _rng_state()
            if distributed:
                import torch.distributed as dist

                states = [None] * world
                dist.all_gather_object(states, rng)
                rng = states
            if is_main:
                _atomic_save({"epoch": epoch + 1, "model": _cpu_state(model),
                              "optimizer": optimizer.state_dict(),
                              "scheduler": sched.state_dict() if sched is not None else None,
                              "scaler": scaler.state_dict(), "rng": rng,
                              "loader_generator": loader_gen.get_state(),
                              "history": history, "bad_epochs": bad_epochs,
                              "seed": seed}, ckpt_path)
            if distributed:
                dist.barrier()  # no rank reads a checkpoint before it is complete
        for callback in callbacks:
            callback(record, model)
        if history.stopped_early:
            if verbose and is_main:
                print(f"fit: early stop after epoch {epoch + 1}; best epoch "
                      f"{history.best_epoch} ({monitor}={history.best_score:.4g})")
            break
    finished = history.stopped_early or (history.records and history.records[-1]["epoch"]
                                         >= epochs)
    if finished and best_state is not None and restore_best:
        model.load_state_dict(best_state)
    return history


def _training_loss(loss_fn, out, y, net) -> torch.Tensor:
    """``loss_fn(logits, y)``; or, when ``loss_fn.needs_model`` is true (a loss with terms
    on parameters or intermediate outputs, e.g. prototype losses),
    ``loss_fn(logits, y, model=<unwrapped model>, extras=<outputs after the logits>)``."""
    logits = (out[0] if isinstance(out, (tuple, list)) else out).float()
    if getattr(loss_fn, "needs_model", False):
        extras = tuple(out[1:]) if isinstance(out, (tuple, list)) else ()
        return loss_fn(logits, y, model=getattr(net, "module", net), extras=extras)
    return loss_fn(logits, y)


def _train_one_epoch(net, loader, loss_fn, optimizer, batch_scheduler, scaler, device, amp,
                     amp_dtype, grad_clip, transform, progress, desc) -> tuple[float, int, float]:
    """One pass over the training data: (mean loss, examples seen, lr of the last step)."""
    from tqdm.auto import tqdm

    net.train()
    total, n_seen = 0.0, 0
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress)
    for xb, yb in bar:
        if transform is not None:
            xb = transform(xb)
        xb = xb.to(device, non_blocking=True)
        yb = yb.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp):
            out = net(xb)
        loss = _training_loss(loss_fn, out, yb, net)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite training loss ({loss.item()}); lower lr or "
                                     "check the inputs for NaN")
        scaler.scale(loss).backward()
        if grad_clip is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
        last_lr = optimizer.param_groups[0]["lr"]
        if batch_scheduler is not None:
            batch_scheduler.step()
        total += loss.item() * len(xb)
        n_seen += len(xb)
        bar.set_postfix(loss=f"{total / n_seen:.4f}")
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        t = torch.tensor([total, n_seen], dtype=torch.float64, device=device)
        torch.distributed.all_reduce(t)
        total, n_seen = t[0].item(), int(t[1].item())
    return total / n_seen, n_seen, last_lr


@torch.no_grad()
def _validate(net, loader, loss_fn, device, amp, amp_dtype, val_window, activation,
              distributed, n_examples) -> tuple[float, np.ndarray, np.ndarray]:
    """Validation loss and (labels, activated predictions) over the whole validation set."""
    net.eval()
    logits_all, y_all = [], []
    for xb, yb in loader:
        xb = xb.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp):
            if val_window is None:
                logits = _model_logits(net, xb)
            else:
                window, stride = val_window
                starts = window_starts(xb.shape[-1], window, stride)
                wins = torch.stack([xb[..., s:s + window] for s in starts], dim=1)
                out = _model_logits(net, wins.reshape(-1, xb.shape[1], window))
                logits = out.reshape(len(xb), len(starts), -1).amax(dim=1)
        logits_all.append(logits.float())
        y_all.append(yb.to(device))
    logits, y = torch.cat(logits_all), torch.cat(y_all)
    if distributed:
        logits, y = _gather_in_order(logits, n_examples), _gather_in_order(y, n_examples)
    loss = float(loss_fn(logits, y).item())
    return loss, y.cpu().numpy(), _activate(logits, activation).cpu().numpy()


def _gather_in_order(t: torch.Tensor, n: int) -> torch.Tensor:
    """Undo DistributedSampler(shuffle=False) sharding: rank r holds examples r, r+W, ..."""
    import torch.distributed as dist

    world = dist.get_world_size()
    parts = [torch.empty_like(t) for _ in range(world)]
    dist.all_gather(parts, t.contiguous())
    return torch.stack(parts, dim=1).reshape(-1, *t.shape[1:])[:n]


def load_checkpoint(checkpoint_dir) -> dict:
    """The last checkpoint written by :func:`fit` (model weights under ``"model"``)."""
    path = Path(checkpoint_dir) / CHECKPOINT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location="cpu", weights_only=False)
