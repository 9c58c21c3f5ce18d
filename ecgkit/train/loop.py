"""The training loop: :func:`fit` with its settings :class:`FitConfig`, one epoch at a time.

Each epoch of :func:`fit`: :func:`train_one_epoch`, :func:`validate`, a scheduler step,
keep the best weights, checkpoint, stop early. On CPU a run is a function of its seed, and
a resumed run ends exactly as the uninterrupted one would have.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ecgkit.config import get_device, seed_everything
from ecgkit.train.batches import make_loaders
from ecgkit.train.checkpoint import (CHECKPOINT_NAME, atomic_save, cpu_state,
                                     load_checkpoint, rng_state, set_rng_state)
from ecgkit.train.distributed import (barrier, dist_info, gather_in_order, gather_objects,
                                      start_process_group, sum_over_ranks, wrap_ddp)
from ecgkit.train.predict import activate, count_parameters, model_logits, window_starts

__all__ = ["History", "FitConfig", "fit", "train_one_epoch", "validate"]


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


# ============================================================================ settings
@dataclass
class FitConfig:
    """The settings of :func:`fit`; ``fit(..., lr=3e-3)`` builds one from its keywords.

    Attributes
    ----------
    loss_fn : callable ``(logits, y) -> scalar`` (required)
        ``nn.BCEWithLogitsLoss(pos_weight=pos_weight(y_train))`` for multi-label,
        ``nn.CrossEntropyLoss(weight=class_weights(y_train))`` for single-label. If
        ``loss_fn.needs_model`` is true, training calls ``loss_fn(logits, y, model=model,
        extras=outputs[1:])`` (a model returning a tuple); validation still calls
        ``loss_fn(logits, y)`` (e.g. ``ecgkit.models.protoecgnet.PrototypeLoss``). To
        freeze parameters set ``requires_grad=False``: AdamW skips them.
    metric_fn : callable ``(y_true, y_pred) -> float or dict``, optional
        On the whole validation set (NumPy; ``y_pred`` after ``activation``), recorded
        as ``val_<name>``, e.g. ``ecgkit.metrics.macro_auroc``.
    monitor, mode : str
        Column deciding the best epoch, early stopping and the plateau scheduler:
        ``"val_loss"`` or a metric, with or without ``val_``; ``mode`` defaults to
        ``"min"`` for losses and ``"max"`` for metrics.
    epochs, batch_size, lr, weight_decay :
        AdamW with this learning rate and decoupled weight decay.
    scheduler : ``"plateau"``, ``"onecycle"`` or None
        ReduceLROnPlateau on ``monitor`` (factor 0.1, ``scheduler_patience`` epochs), or
        one-cycle to ``lr`` stepped per batch.
    patience : int or None
        Stop after this many epochs without improvement; None: never.
    grad_clip : float or None
        Clip the global gradient norm to this value.
    device : torch device or str, optional
        Default :func:`ecgkit.config.get_device`.
    amp : bool, optional
        Mixed precision; default True on CUDA (float16 + GradScaler), False elsewhere
        (``amp=True`` on CPU: bfloat16 autocast, no scaler).
    sampler : torch Sampler, optional
        E.g. :func:`~ecgkit.train.make_weighted_sampler`; replaces shuffling. One process.
    num_workers : int, optional
        DataLoader workers; default 0 on CPU and for in-memory arrays, a few per GPU
        process for a Dataset of your own.
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
        Augmentation of each training batch ``(B, leads, T)`` on the CPU, e.g.
        ``RandomCrop(250)`` (random 2.5 s windows).
    val_window : (window, stride), optional
        Validate on sliding windows, per record the maximum of the logits over windows
        (the benchmark protocol for models trained on crops); the validation loss is
        computed on these aggregated logits.
    activation : ``"auto"``, ``"sigmoid"``, ``"softmax"`` or None
        Applied before ``metric_fn``; ``"auto"``: sigmoid for BCEWithLogitsLoss, softmax
        for CrossEntropyLoss, else None.
    max_epochs_this_call : int, optional
        Train at most this many epochs, then return (checkpoint kept, best weights not
        restored): a long run split over several sessions with ``resume``.
    callbacks : iterable of callables ``(record, model) -> None``
        Called after each epoch's checkpoint; an exception here interrupts ``fit``.
    restore_best : bool
        Load the best epoch's weights into the model at the end; False keeps the last.
    verbose : bool
        Print the device and one line per epoch (rank 0 only).
    """

    loss_fn: Callable
    metric_fn: Callable | None = None
    monitor: str = "val_loss"
    mode: str | None = None
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-2
    scheduler: str | None = "plateau"
    scheduler_patience: int = 3
    patience: int | None = 5
    grad_clip: float | None = 1.0
    device: object = None
    amp: bool | None = None
    sampler: object = None
    num_workers: int | None = None
    checkpoint_dir: object = None
    resume: bool = False
    seed: int = 0
    progress: bool = True
    transform: Callable | None = None
    val_window: tuple[int, int] | None = None
    activation: str | None = "auto"
    max_epochs_this_call: int | None = None
    callbacks: Iterable[Callable] = ()
    restore_best: bool = True
    verbose: bool = True


def _default_activation(loss_fn) -> str | None:
    if isinstance(loss_fn, nn.CrossEntropyLoss):
        return "softmax"
    if isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.MultiLabelSoftMarginLoss)):
        return "sigmoid"
    return None


def _resolved(config: FitConfig | None, settings: dict, val_data, distributed: bool
              ) -> FitConfig:
    """``config`` updated by ``settings``, checked, with monitor, mode and activation explicit."""
    cfg = FitConfig(**settings) if config is None else replace(config, **settings)
    if cfg.epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {cfg.epochs}")
    if cfg.batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {cfg.batch_size}")
    if val_data is None:
        raise ValueError("val_data is required (early stopping and model selection use it)")
    monitor = cfg.monitor
    if not monitor.startswith("val_") and monitor != "loss":
        monitor = f"val_{monitor}"
    mode = cfg.mode or ("min" if monitor.endswith("loss") else "max")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    if monitor != "val_loss" and cfg.metric_fn is None:
        raise ValueError(f"monitor={monitor!r} needs a metric_fn")
    if cfg.resume and cfg.checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir")
    if cfg.sampler is not None and distributed:
        raise ValueError("a custom sampler cannot be combined with several processes; "
                         "use class weights in the loss instead")
    activation = cfg.activation
    if activation == "auto":
        activation = _default_activation(cfg.loss_fn)
    return replace(cfg, monitor=monitor, mode=mode, activation=activation)


# ============================================================================ one epoch
def _amp_dtype(device: torch.device) -> torch.dtype:
    return torch.float16 if device.type == "cuda" else torch.bfloat16


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _training_loss(loss_fn, out, y, net) -> torch.Tensor:
    """``loss_fn(logits, y)``; or, when ``loss_fn.needs_model`` is true (a loss with terms
    on parameters or intermediate outputs, e.g. prototype losses),
    ``loss_fn(logits, y, model=<unwrapped model>, extras=<outputs after the logits>)``."""
    logits = (out[0] if isinstance(out, (tuple, list)) else out).float()
    if getattr(loss_fn, "needs_model", False):
        extras = tuple(out[1:]) if isinstance(out, (tuple, list)) else ()
        return loss_fn(logits, y, model=getattr(net, "module", net), extras=extras)
    return loss_fn(logits, y)


def train_one_epoch(model: nn.Module, loader, loss_fn: Callable, optimizer, *,
                    batch_scheduler=None, scaler=None, device=None, amp: bool = False,
                    grad_clip: float | None = None, transform: Callable | None = None,
                    progress: bool = False, desc: str | None = None
                    ) -> tuple[float, int, float]:
    """One pass over the training data, one optimiser step per batch.

    Parameters
    ----------
    model : nn.Module (or its DDP wrapper) returning logits ``(B, C)`` or a tuple
    loader : iterable of ``(x, y)`` batches, e.g. a DataLoader
    loss_fn : callable ``(logits, y) -> scalar`` (see :class:`FitConfig`)
    optimizer : torch optimizer
    batch_scheduler : learning-rate scheduler stepped after every batch (OneCycleLR)
    scaler : ``torch.amp.GradScaler``, optional (float16 on CUDA); default: none
    device : default where the model's weights are
    amp : autocast the forward pass (float16 on CUDA, bfloat16 elsewhere)
    grad_clip : clip the global gradient norm to this value
    transform : augmentation of each input batch, on the CPU
    progress, desc : a tqdm bar and its label

    Returns
    -------
    mean_loss : float
        Mean training loss over the epoch's examples (over all ranks under DDP).
    n_seen : int
        Examples seen (all ranks).
    last_lr : float
        Learning rate of the last step.
    """
    device = _device_of(model) if device is None else torch.device(device)
    scaler = scaler if scaler is not None else torch.amp.GradScaler("cuda", enabled=False)
    model.train()
    total, n_seen = 0.0, 0
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress)
    for xb, yb in bar:
        if transform is not None:
            xb = transform(xb)
        xb = xb.to(device, non_blocking=True)
        yb = yb.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=_amp_dtype(device), enabled=amp):
            out = model(xb)
        loss = _training_loss(loss_fn, out, yb, model)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite training loss ({loss.item()}); lower lr or "
                                     "check the inputs for NaN")
        scaler.scale(loss).backward()
        if grad_clip is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
        last_lr = optimizer.param_groups[0]["lr"]
        if batch_scheduler is not None:
            batch_scheduler.step()
        total += loss.item() * len(xb)
        n_seen += len(xb)
        bar.set_postfix(loss=f"{total / n_seen:.4f}")
    total, n_seen = sum_over_ranks(total, n_seen, device)
    return total / n_seen, n_seen, last_lr


def _window_max_logits(model: nn.Module, x: torch.Tensor, window: int, stride: int
                       ) -> torch.Tensor:
    """Per record the maximum over sliding windows of the logits: ``(B, leads, T) -> (B, C)``."""
    starts = window_starts(x.shape[-1], window, stride)
    wins = torch.stack([x[..., s:s + window] for s in starts], dim=1)
    out = model_logits(model, wins.reshape(-1, x.shape[1], window))
    return out.reshape(len(x), len(starts), -1).amax(dim=1)


@torch.no_grad()
def validate(model: nn.Module, loader, loss_fn: Callable, *, device=None, amp: bool = False,
             val_window: tuple[int, int] | None = None, activation: str | None = None,
             distributed: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss and predictions over the whole validation set, in eval mode.

    Parameters
    ----------
    model, loader, device, amp : as in :func:`train_one_epoch`.
    loss_fn : callable ``(logits, y) -> scalar``, on all the logits at once.
    val_window : (window, stride), optional
        Per record the maximum of the logits over sliding windows (see :class:`FitConfig`).
    activation : ``"sigmoid"``, ``"softmax"`` or None (the predictions are logits).
    distributed : bool
        The loader is sharded by ``DistributedSampler(shuffle=False)``: gather all ranks'
        outputs in the original order first.

    Returns
    -------
    loss : float
    y_true : array ``(N, ...)``, the labels.
    y_pred : float32 array ``(N, C)``, the activated outputs.
    """
    device = _device_of(model) if device is None else torch.device(device)
    model.eval()
    logits_all, y_all = [], []
    for xb, yb in loader:
        xb = xb.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=_amp_dtype(device), enabled=amp):
            if val_window is None:
                logits = model_logits(model, xb)
            else:
                logits = _window_max_logits(model, xb, *val_window)
        logits_all.append(logits.float())
        y_all.append(yb.to(device))
    logits, y = torch.cat(logits_all), torch.cat(y_all)
    if distributed:
        n = len(loader.dataset)
        logits, y = gather_in_order(logits, n), gather_in_order(y, n)
    loss = float(loss_fn(logits, y).item())
    return loss, y.cpu().numpy(), activate(logits, activation).cpu().numpy()


# ============================================================================ one run
@dataclass
class _Run:
    """What one call of :func:`fit` works with, built by :func:`_start`."""

    model: nn.Module
    net: nn.Module                # the model, or its DDP wrapper
    device: torch.device
    amp: bool
    train_loader: DataLoader
    val_loader: DataLoader
    loader_gen: torch.Generator   # the training loader's shuffling (checkpointed)
    optimizer: torch.optim.Optimizer
    scheduler: object
    scaler: torch.amp.GradScaler
    history: History
    ckpt_path: Path | None
    distributed: bool
    is_main: bool
    bad_epochs: int = 0           # epochs since the monitored value last improved


def _make_scheduler(cfg: FitConfig, optimizer, steps_per_epoch: int):
    if cfg.scheduler is None:
        return None
    if cfg.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode=cfg.mode, factor=0.1, patience=cfg.scheduler_patience)
    if cfg.scheduler == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=cfg.lr, epochs=cfg.epochs, steps_per_epoch=steps_per_epoch)
    raise ValueError(f"scheduler must be 'plateau', 'onecycle' or None, got {cfg.scheduler!r}")


def _start(model: nn.Module, train_data, val_data, cfg: FitConfig) -> _Run:
    """Device (and process group), seeding, loaders, optimiser, scheduler, scaler."""
    distributed, rank, world = dist_info()
    device = start_process_group(cfg.device) if distributed else cfg.device
    device = torch.device(device) if device is not None else get_device()
    amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick kernels
    seed_everything(cfg.seed)
    train_loader, val_loader, loader_gen = make_loaders(
        train_data, val_data, cfg.batch_size, seed=cfg.seed, device=device,
        sampler=cfg.sampler, num_workers=cfg.num_workers, rank=rank, world=world)
    model.to(device)
    if isinstance(cfg.loss_fn, nn.Module):
        cfg.loss_fn.to(device)  # weight / pos_weight buffers follow the model
    net = wrap_ddp(model, device) if distributed else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = _make_scheduler(cfg, optimizer, len(train_loader))
    scaler = torch.amp.GradScaler("cuda", enabled=amp and device.type == "cuda")
    ckpt_path = (Path(cfg.checkpoint_dir) / CHECKPOINT_NAME
                 if cfg.checkpoint_dir is not None else None)
    if ckpt_path is not None and rank == 0:
        ckpt_path.parent.mkdir(parents=True, exist_ok=True)
    return _Run(model, net, device, amp, train_loader, val_loader, loader_gen, optimizer,
                scheduler, scaler, History(monitor=cfg.monitor, mode=cfg.mode), ckpt_path,
                distributed, rank == 0)


def _resume(run: _Run, cfg: FitConfig) -> int:
    """Load the last checkpoint into ``run``; returns the epochs already done."""
    ckpt = load_checkpoint(cfg.checkpoint_dir)
    run.model.load_state_dict(ckpt["model"])
    run.optimizer.load_state_dict(ckpt["optimizer"])
    if run.scheduler is not None and ckpt["scheduler"] is not None:
        run.scheduler.load_state_dict(ckpt["scheduler"])
    run.scaler.load_state_dict(ckpt["scaler"])
    rng = ckpt["rng"]
    set_rng_state(rng[dist_info()[1]] if isinstance(rng, list) else rng)
    run.loader_gen.set_state(ckpt["loader_generator"])
    run.history, run.bad_epochs = ckpt["history"], ckpt["bad_epochs"]
    if cfg.verbose and run.is_main:
        print(f"fit: resumed from {run.ckpt_path} after epoch {ckpt['epoch']}")
    return cfg.epochs if run.history.stopped_early else ckpt["epoch"]  # stopped: finished


def _metric_values(metric_fn, y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    if metric_fn is None:
        return {}
    value = metric_fn(y_true, y_pred)
    if isinstance(value, dict):
        return {f"val_{k}": float(v) for k, v in value.items()}
    name = getattr(metric_fn, "__name__", "metric")
    return {f"val_{name}": float(value)}


def _fit_epoch(run: _Run, cfg: FitConfig, epoch: int) -> dict:
    """Train one epoch, validate, step the plateau scheduler; the epoch's record."""
    t0 = time.perf_counter()
    if run.distributed:
        run.train_loader.sampler.set_epoch(epoch)
    t_train = time.perf_counter()
    loss, n_seen, last_lr = train_one_epoch(
        run.net, run.train_loader, cfg.loss_fn, run.optimizer,
        batch_scheduler=run.scheduler if cfg.scheduler == "onecycle" else None,
        scaler=run.scaler, device=run.device, amp=run.amp, grad_clip=cfg.grad_clip,
        transform=cfg.transform, progress=cfg.progress and run.is_main,
        desc=f"epoch {epoch + 1}/{cfg.epochs}")
    train_time = time.perf_counter() - t_train
    val_loss, y_true, y_pred = validate(
        run.net, run.val_loader, cfg.loss_fn, device=run.device, amp=run.amp,
        val_window=cfg.val_window, activation=cfg.activation, distributed=run.distributed)
    record = {"epoch": epoch + 1, "loss": loss, "val_loss": val_loss}
    record.update(_metric_values(cfg.metric_fn, y_true, y_pred))
    if cfg.monitor not in record:
        raise ValueError(f"monitor {cfg.monitor!r} is not among the recorded values "
                         f"{sorted(record)}")
    if cfg.scheduler == "plateau":
        run.scheduler.step(record[cfg.monitor])
    record["lr"] = last_lr
    record["time_s"] = time.perf_counter() - t0
    record["train_samples_per_s"] = n_seen / train_time
    return record


def _keep_best(run: _Run, cfg: FitConfig, record: dict) -> None:
    """Add ``record`` to the history; keep the weights if the monitored value improved."""
    history, score = run.history, record[cfg.monitor]
    history.records.append(record)
    improved = (history.best_epoch == 0 or (not math.isnan(score) and (
        score < history.best_score if cfg.mode == "min" else score > history.best_score)))
    if improved:
        history.best_epoch, history.best_score = record["epoch"], score
        history.best_state, run.bad_epochs = cpu_state(run.model), 0
    else:
        run.bad_epochs += 1
    history.stopped_early = cfg.patience is not None and run.bad_epochs >= cfg.patience


def _save_checkpoint(run: _Run, cfg: FitConfig, epoch: int) -> None:
    """Write ``last.pt`` (rank 0), with the random states of every rank."""
    rng = rng_state()
    if run.distributed:
        rng = gather_objects(rng)
    if run.is_main:
        atomic_save({"epoch": epoch + 1, "model": cpu_state(run.model),
                     "optimizer": run.optimizer.state_dict(),
                     "scheduler": run.scheduler.state_dict() if run.scheduler is not None
                     else None,
                     "scaler": run.scaler.state_dict(), "rng": rng,
                     "loader_generator": run.loader_gen.get_state(),
                     "history": run.history, "bad_epochs": run.bad_epochs,
                     "seed": cfg.seed}, run.ckpt_path)
    if run.distributed:
        barrier()  # no rank reads a checkpoint before it is complete


def _describe(run: _Run) -> str:
    n_train, n_val = len(run.train_loader.dataset), len(run.val_loader.dataset)
    return (f"fit: device={run.device}, amp={run.amp}, world_size={dist_info()[2]}, "
            f"workers={run.train_loader.num_workers}, {n_train} train / {n_val} val "
            f"examples, {count_parameters(run.model):,} parameters")


def _format_record(record: dict) -> str:
    return "  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in record.items())


# ============================================================================ fit
def fit(model: nn.Module, train_data, val_data, config: FitConfig | None = None,
        **settings) -> History:
    """Train ``model`` and return its :class:`History`; the best weights end up in ``model``.

    Parameters
    ----------
    model : nn.Module
        Returns logits (or a tuple whose first item is the logits).
    train_data, val_data : Dataset yielding ``(x, y)``, or ``(X, y)`` arrays
        E.g. ``(X_train, y_train)`` with X float32 ``(N, 12, T)``; ``y`` multi-hot float
        ``(N, C)`` for BCE or integer ``(N,)`` for cross-entropy.
    config : FitConfig, optional
        The settings; keywords (``**settings``) override its fields.
    **settings :
        Any :class:`FitConfig` field, e.g. ``loss_fn=nn.BCEWithLogitsLoss(), epochs=3,
        lr=1e-3`` (``loss_fn`` is required, here or in ``config``).

    Returns
    -------
    History
    """
    cfg = _resolved(config, settings, val_data, dist_info()[0])
    run = _start(model, train_data, val_data, cfg)
    start = _resume(run, cfg) if cfg.resume and run.ckpt_path.is_file() else 0
    say = cfg.verbose and run.is_main
    if say and start < cfg.epochs:
        print(_describe(run))
    stop = cfg.epochs
    if cfg.max_epochs_this_call is not None:
        stop = min(cfg.epochs, start + cfg.max_epochs_this_call)
    for epoch in range(start, stop):
        record = _fit_epoch(run, cfg, epoch)
        _keep_best(run, cfg, record)
        if say:
            print(_format_record(record))
        if run.ckpt_path is not None:
            _save_checkpoint(run, cfg, epoch)
        for callback in cfg.callbacks:
            callback(record, model)
        if run.history.stopped_early:
            if say:
                print(f"fit: early stop after epoch {epoch + 1}; best epoch "
                      f"{run.history.best_epoch} ({cfg.monitor}={run.history.best_score:.4g})")
            break
    history = run.history
    finished = history.stopped_early or (history.records
                                         and history.records[-1]["epoch"] >= cfg.epochs)
    if finished and history.best_state is not None and cfg.restore_best:
        model.load_state_dict(history.best_state)
    return history
