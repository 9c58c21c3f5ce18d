"""Transforms stored on disk: the :data:`TRANSFORMS` table and :func:`cached_transform`.

Images are saved under :func:`image_cache_dir` (in ``ecgkit.data.cache_dir()``), keyed by
the transform, its parameters and the content of the input, so that re-running a chapter
does not recompute them.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ecgkit.data import cache_dir
from ecgkit.transforms.images import (gramian_angular_field, markov_transition_field,
                                      recurrence_plot, relative_position_matrix)
from ecgkit.transforms.spectra import fft_features, scalogram

__all__ = ["TRANSFORMS", "image_cache_dir", "cached_transform"]

TRANSFORMS: dict[str, Callable] = {
    "rpm": relative_position_matrix,
    "recurrence": recurrence_plot,
    "gaf": gramian_angular_field,
    "mtf": markov_transition_field,
    "scalogram": scalogram,
    "fft": fft_features,
}


def image_cache_dir() -> Path:
    """Folder of cached images: ``<ecgkit.data.cache_dir()>/images``."""
    return cache_dir() / "images"


def _cache_key(transform: str, X: np.ndarray, ids, params: dict) -> str:
    """20 hex digits naming the file of ``transform(X, **params)`` for these ``ids``."""
    ids_hash = hashlib.sha256(",".join(map(str, list(ids))).encode()).hexdigest()[:16] \
        if ids is not None else "none"
    # The content hash keys the preprocessing too: other filters -> other images.
    content = hashlib.sha256(np.ascontiguousarray(X).view(np.uint8)).hexdigest()[:16]
    desc = json.dumps({"transform": transform, "params": params, "ids": ids_hash,
                       "shape": list(X.shape), "dtype": str(X.dtype), "content": content},
                      sort_keys=True, default=str)
    return hashlib.sha256(desc.encode()).hexdigest()[:20]


def cached_transform(transform: str, X, ids=None, *, cache: bool = True,
                     verbose: bool = False, **params) -> np.ndarray:
    """``TRANSFORMS[transform](X, **params)``, stored on disk and reused next time.

    The cache file is keyed by the transform, its parameters, a hash of the ``ids`` (e.g.
    the ecg_ids of the rows) and a hash of ``X``'s content, so different preprocessing
    never returns stale images. Files are written atomically (temporary file, then
    ``os.replace``), so an interrupted run never leaves a truncated one.

    Parameters
    ----------
    transform : a key of :data:`TRANSFORMS` (``"rpm"``, ``"recurrence"``, ``"gaf"``,
        ``"mtf"``, ``"scalogram"``, ``"fft"``).
    X : array (N, T) or (N, C, T), the transform's input.
    ids : sequence of N identifiers, optional (part of the key and of the file's record).
    cache : False computes without reading or writing the cache.
    verbose : print whether the images came from the cache, and how long it took.
    **params : the transform's keyword arguments (e.g. ``image_size=64``, ``fs=100``).

    Returns
    -------
    The transform's output (float32).
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}; choose one of {sorted(TRANSFORMS)}")
    X = np.asarray(X)
    if ids is not None and len(ids) != len(X):
        raise ValueError(f"{len(ids)} ids for {len(X)} signals")
    fn = TRANSFORMS[transform]
    t0 = time.perf_counter()
    if not cache:
        return fn(X, **params)
    target = image_cache_dir() / f"{transform}_{_cache_key(transform, X, ids, params)}.npy"
    if target.is_file():
        out = np.load(target)
        if verbose:
            print(f"{transform}: {out.shape} loaded from cache in "
                  f"{time.perf_counter() - t0:.2f} s ({target.name})")
        return out
    out = fn(X, **params)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, out)
    os.replace(tmp, target)
    if verbose:
        print(f"{transform}: {out.shape} computed in {time.perf_counter() - t0:.2f} s, "
              f"cached as {target.name}")
    return out
