"""Checkpoints of :func:`ecgkit.train.fit`: random states, atomic writes, reading one back.

A checkpoint holds all a run needs to continue exactly as if it had never stopped: model,
optimiser, scheduler, gradient scaler, history, early-stopping counter, random states.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ecgkit import config, data, metrics, models, signal, transforms

__all__ = ["CHECKPOINT_NAME", "rng_state", "set_rng_state", "atomic_save", "cpu_state",
           "load_checkpoint"]

CHECKPOINT_NAME = "last.pt"


def rng_state() -> dict:
    """The global random states of Python, NumPy, torch and (if present) CUDA.

    Returns
    -------
    dict
        Keys ``"python"``, ``"numpy"``, ``"torch"`` and, on a CUDA machine, ``"cuda"``
        (one state per GPU); pass it to :func:`set_rng_state` to continue from here.
    """
    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore the random states saved by :func:`rng_state`."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def atomic_save(obj, path: Path) -> None:
    """``torch.save(obj, path)`` through a temporary file, then an atomic rename.

    A crash mid-write never leaves a truncated checkpoint at ``path``.
    """
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def cpu_state(model: nn.Module) -> dict:
    """A copy of ``model.state_dict()`` on the CPU (detached tensors, name -> tensor)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def load_checkpoint(checkpoint_dir) -> dict:
    """The last checkpoint written by :func:`ecgkit.train.fit`.

    Parameters
    ----------
    checkpoint_dir : path
        The ``checkpoint_dir`` given to ``fit``; the file read is ``CHECKPOINT_NAME`` in it.

    Returns
    -------
    dict
        Model weights under ``"model"`` (CPU tensors), then ``"epoch"`` (epochs done),
        ``"optimizer"``, ``"scheduler"``, ``"scaler"``, ``"rng"``, ``"loader_generator"``,
        ``"history"``, ``"bad_epochs"`` and ``"seed"``.
    """
    path = Path(checkpoint_dir) / CHECKPOINT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location="cpu", weights_only=False)


def training_code_fingerprint(*more) -> str:
    """:func:`ecgkit.config.code_fingerprint` of the code that shapes a trained model
    (signal, data, metrics, transforms, models, train) and of ``more`` (e.g. the module
    of an experiment's recipes): the part of a trained-model cache key that makes an edit
    of that code retrain."""
    return config.code_fingerprint(signal, data, metrics, transforms, models,
                                   Path(__file__).parent, *more)
