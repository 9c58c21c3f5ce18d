"""The model registry: ``MODELS`` (name -> class or factory), ``register_model``, ``get_model``.

Each model module decorates its network with ``@register_model("name")``; importing
:mod:`ecgkit.models` imports them all, so that ``get_model("cnn1d", n_classes=5)`` works.
"""
from __future__ import annotations

from typing import Callable

from torch import nn

__all__ = ["MODELS", "register_model", "get_model"]

# name -> class (or factory function) called as builder(n_classes=..., n_leads=..., **kwargs)
MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(name: str) -> Callable:
    """Decorator adding a model class (or factory function) to :data:`MODELS` as ``name``.

    The builder is called as ``builder(n_classes=C, n_leads=L, **kwargs)`` and returns an
    ``nn.Module``. A name can be registered once (re-importing the same module is fine).

    Examples
    --------
    >>> @register_model("my_cnn")            # doctest: +SKIP
    ... class MyCNN(nn.Module): ...
    """
    def add(builder: Callable) -> Callable:
        old = MODELS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (
                builder.__module__, builder.__qualname__):
            raise ValueError(f"model name {name!r} is already registered for "
                             f"{old.__module__}.{old.__qualname__}")
        MODELS[name] = builder
        return builder
    return add


def get_model(name: str, n_classes: int, n_leads: int = 12, **kwargs) -> nn.Module:
    """Build the model registered as ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS` (see the table in :mod:`ecgkit.models`).
    n_classes : int
        Outputs (logits), >= 1.
    n_leads : int
        Input channels (12 for a 12-lead signal, 1 for a one-lead image).
    **kwargs :
        Passed on to the model, e.g. ``width=16`` for ``"resnet18_1d"``.

    Returns
    -------
    nn.Module
        Usually taking ``(N, n_leads, ...)`` and returning logits ``(N, n_classes)``.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    return MODELS[name](n_classes=n_classes, n_leads=n_leads, **kwargs)
