"""What every benchmark result holds besides its metrics: costs, provenance, JSON clean-up.

Shared by :mod:`ecgkit.experiments.ptbxl` and :mod:`ecgkit.experiments.mitbih`.
"""
from __future__ import annotations

import contextlib
import math
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

__all__ = ["peak_memory", "finite_or_none", "explicit_profile", "provenance", "git_commit"]


def peak_memory() -> dict:
    """Peak resident memory of this process (MiB) and, on CUDA, peak allocated GPU memory."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes vs KiB
    out = {"peak_rss_mib": round(rss_mib, 1), "peak_gpu_mib": None}
    if torch.cuda.is_available():
        out["peak_gpu_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out


def provenance() -> dict:
    """The software a result was computed with: ``{"torch", "python", "cpu_threads"}``."""
    return {"torch": torch.__version__, "python": platform.python_version(),
            "cpu_threads": torch.get_num_threads()}


def git_commit(folder=None) -> str | None:
    """The short commit hash of the git checkout holding ``folder`` (default: ecgkit's),
    with ``+changes`` when tracked files differ from it; None outside a checkout."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parents[2]

    def git(*args) -> str:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if dirty else "")


def finite_or_none(x):
    """JSON has no NaN: undefined values become null."""
    if isinstance(x, dict):
        return {k: finite_or_none(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite_or_none(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


@contextlib.contextmanager
def explicit_profile():
    """Let an explicit ``--profile`` win over ``ECGKIT_PROFILE`` (which get_profile prefers)."""
    saved = os.environ.pop("ECGKIT_PROFILE", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["ECGKIT_PROFILE"] = saved
