"""Run profiles (get_profile, as_profile), device choice, seeding and each chapter's run time.

A *profile* says how much data and compute a chapter uses:

``smoke``
    a handful of records and one short epoch; what ``make test`` runs.
``sample``
    the default: everything the sample data holds, CPU-sized budgets; what the book shows.
``full``
    the full datasets and full training budgets; for a GPU and the full PTB-XL download.

The profile is chosen by the ``ECGKIT_PROFILE`` environment variable or, in a notebook,
by the visible config cell (``PROFILE = ...``) that passes it to :func:`get_profile`.

:func:`chapter_cost` says what a chapter cost to run in the last recorded book build
(``chapter_times.json``, written by ``scripts/chapter_times.py`` after ``make book``).

In Google Colab (:func:`in_colab`) the ``full`` profile on a runtime without a GPU stops
with a message that says what to do (:class:`ProfileError`), and :func:`checkpoint_dir`
puts a chapter's checkpoints on Google Drive when asked, so a run resumes after a disconnect.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import random
import re
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

try:  # only in Colab: Google Drive, for checkpoints that outlive the runtime
    from google.colab import drive as colab_drive
except ImportError:
    colab_drive = None

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


FULL_NEEDS_A_GPU = (
    "The 'full' profile is sized for a GPU and the full data, and this Colab runtime has\n"
    "no GPU. Either choose Runtime > Change runtime type > a GPU, then run the notebook\n"
    "again, or set PROFILE = \"sample\" in the config cell (CPU, minutes).\n"
    "The full profile also wants the full PTB-XL: a ~540 MB download from PhysioNet.")


class ProfileError(RuntimeError):
    """A profile this runtime cannot run; a notebook shows its message, not a traceback."""

    def _render_traceback_(self):  # IPython's hook: these lines replace the traceback
        return [f"ProfileError: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines())]


def get_profile(name: str | None = None) -> Profile:
    """Return the :class:`Profile` called ``name``.

    ``None`` reads ``ECGKIT_PROFILE`` (default ``"sample"``). The environment variable
    wins over the notebook's default so that ``make test`` can run every chapter in the
    smoke profile without editing it.

    In Colab, ``"full"`` on a runtime without a GPU raises :class:`ProfileError`, whose
    message (shown without a traceback in a notebook) says how to get a GPU.
    """
    name = os.environ.get("ECGKIT_PROFILE") or name or "sample"
    if name not in _PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {PROFILES}")
    if name == "full" and in_colab() and not torch.cuda.is_available():
        raise ProfileError(FULL_NEEDS_A_GPU)
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


# ------------------------------------------------------------------ what a chapter costs
# Seconds each chapter took in a recorded book build: {"measured": {"date", "commit",
# "machine", "profile"}, "seconds": {notebook stem: s}, "gpu": the same for a GPU build}.
CHAPTER_TIMES = Path(__file__).resolve().with_name("chapter_times.json")


def chapter_times(path=None) -> dict:
    """The recorded chapter times (:data:`CHAPTER_TIMES`); ``{"measured": {}, "seconds":
    {}, "gpu": {}}`` when none are recorded or the file cannot be read."""
    path = Path(path) if path is not None else CHAPTER_TIMES
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        recorded = {}
    return {"measured": recorded.get("measured") or {},
            "seconds": recorded.get("seconds") or {}, "gpu": recorded.get("gpu") or {}}


def _chapter_key(chapter, stems) -> str | None:
    """The notebook stem among ``stems`` that ``chapter`` names: 4, "04", "07b",
    "04_training_engine" or a path to the notebook."""
    stem = Path(str(chapter)).name.removesuffix(".ipynb")
    if stem in stems:
        return stem

    def number(text):  # "07b_heartbeats_advanced" -> (7, "b")
        match = re.match(r"(\d+)([a-z]?)(?![a-z])", text)
        return (int(match.group(1)), match.group(2)) if match else None

    return next((key for key in stems if number(stem) and number(key) == number(stem)), None)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 600:
        return f"{seconds / 60:.1f} min"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def chapter_cost(chapter) -> str:
    """One line on what ``chapter`` (4, "04", "04_training_engine", a notebook's path)
    took to run in the recorded book build, e.g. "On a 2-core CPU (sample profile) this
    chapter took about 36 s to run (build of 2026-05-01, 1a2b3c4); GPU: not measured
    yet." Never raises: an unrecorded chapter gets "... not measured yet"."""
    times = chapter_times()
    key = _chapter_key(chapter, times["seconds"])
    if key is None:
        return "Run time of this chapter: not measured yet."
    m = times["measured"]
    line = (f"On a {m.get('machine', 'CPU')} ({m.get('profile', 'sample')} profile) this "
            f"chapter took about {_duration(times['seconds'][key])} to run (build of "
            f"{m.get('date', 'an unknown date')}, {m.get('commit') or 'unknown commit'})")
    gpu = times["gpu"]
    gpu_key = _chapter_key(chapter, gpu.get("seconds") or {})
    if gpu_key is None:
        return line + "; GPU: not measured yet."
    g = gpu.get("measured") or {}
    return (line + f"; on {g.get('machine', 'a GPU')} ({g.get('profile', 'full')} profile,"
            f" {g.get('date', 'an unknown date')}): about "
            f"{_duration(gpu['seconds'][gpu_key])}.")


def code_fingerprint(*modules) -> str:
    """A short hash of the source code of ``modules`` (a package, or a folder given as a
    ``Path``, counts with every ``.py`` file under it; a ``Path`` to a file counts itself): part of the key of every cache of trained models, so that a learner
    who edits the code that shapes a result gets a model trained with the edit, not the
    old weights back.

    Example
    -------
    >>> import ecgkit.train
    >>> len(code_fingerprint(ecgkit.train))
    12
    """
    digest = hashlib.sha256()
    for module in modules:
        path = module if isinstance(module, Path) else Path(
            getattr(module, "__path__", [None])[0] or inspect.getfile(module))
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(Path(file).read_bytes())
    return digest.hexdigest()[:12]


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


DRIVE_MOUNT = Path("/content/drive")
DRIVE_FOLDER = "MyDrive/ecgkit-checkpoints"


def checkpoint_dir(drive: bool = False, name: str = "run") -> Path:
    """A folder for a chapter's checkpoints (``fit(..., checkpoint_dir=...)``).

    ``drive=True`` in Colab: ``/content/drive/MyDrive/ecgkit-checkpoints/<name>`` on Google
    Drive (mounted first if needed; Colab asks for permission), which outlives the runtime,
    so ``fit(..., resume=True)`` continues after a disconnect. Otherwise a new temporary
    folder, as ``tempfile.mkdtemp`` makes (outside Colab ``drive=True`` says so and does the
    same).
    """
    if drive and in_colab():
        if not (DRIVE_MOUNT / "MyDrive").is_dir():
            colab_drive.mount(str(DRIVE_MOUNT))
        folder = DRIVE_MOUNT / DRIVE_FOLDER / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    if drive:
        print("DRIVE = True applies in Colab only; checkpoints go to a temporary folder.")
    return Path(tempfile.mkdtemp(prefix=f"ecgkit-{name}-"))
