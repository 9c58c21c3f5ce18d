"""Run profiles (get_profile, as_profile), device choice and seeding, shared by every chapter.

A *profile* says how much data and compute a chapter uses:

``smoke``
    a handful of records and one short epoch; what ``make test`` runs.
``sample``
    the default: everything the sample data holds, CPU-sized budgets; what the book shows.
``full``
    the full datasets and full training budgets; for a GPU and the full PTB-XL download.

The profile is chosen by the ``ECGKIT_PROFILE`` environment variable or, in a notebook,
by the visible config cell (``PROFILE = ...``) that passes it to :func:`get_profile`.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace

import numpy as np
import torch

PROFILES = ("smoke", "sample", "full")


@dataclass(frozen=True)
class Profile:
    """Budgets of one run profile.

    Attributes
    ----------
    name : one of ``PROFILES``.
    max_records : int or None
        Cap on PTB-XL records loaded per split (None: all that are present).
    max_mitbih_records : int or None
        Cap on MIT-BIH records used (None: all 48).
    epochs : int
        Training epochs for the chapter's models.
    batch_size : int
    """

    name: str
    max_records: int | None
    max_mitbih_records: int | None
    epochs: int
    batch_size: int

    def with_(self, **changes) -> "Profile":
        """A copy with some budgets changed, e.g. ``profile.with_(epochs=5)``."""
        return replace(self, **changes)


_PROFILES = {
    "smoke": Profile("smoke", max_records=48, max_mitbih_records=4, epochs=1, batch_size=16),
    "sample": Profile("sample", max_records=None, max_mitbih_records=None, epochs=8, batch_size=32),
    "full": Profile("full", max_records=None, max_mitbih_records=None, epochs=50, batch_size=64),
}


def get_profile(name: str | None = None) -> Profile:
    """Return the :class:`Profile` called ``name``.

    ``None`` reads ``ECGKIT_PROFILE`` (default ``"sample"``). The environment variable
    wins over the notebook's default so that ``make test`` can run every chapter in the
    smoke profile without editing it.
    """
    name = os.environ.get("ECGKIT_PROFILE") or name or "sample"
    if name not in _PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {PROFILES}")
    return _PROFILES[name]


def as_profile(profile) -> Profile:
    """``profile`` itself if it is a :class:`Profile` (anything with ``epochs``), else
    :func:`get_profile` of it (a name or None)."""
    return profile if hasattr(profile, "epochs") else get_profile(profile)


def get_device(prefer: str | None = None):
    """The best available torch device: CUDA, then Apple MPS, then CPU.

    ``prefer`` ("cpu", "cuda", "mps") forces a choice; asking for an absent device raises
    ``RuntimeError`` instead of silently falling back.
    """
    if prefer is not None:
        if prefer == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' requested but torch sees no CUDA GPU")
        if prefer == "mps" and not (getattr(torch.backends, "mps", None)
                                    and torch.backends.mps.is_available()):
            raise RuntimeError("device 'mps' requested but Apple MPS is not available")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) so that CPU runs repeat exactly."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
