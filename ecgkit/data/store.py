"""Where the course data lives: data_root, cache_dir, ptbxl_path, mitbih_path and the data errors.

``ECGKIT_DATA`` names a folder in PhysioNet layout::

    $ECGKIT_DATA/ptb-xl/ptbxl_database.csv, scp_statements.csv, records100/...
    $ECGKIT_DATA/mitdb/100.hea, 100.dat, 100.atr, ...

A folder that already holds the files is used as it is (nothing in it is changed).
Without ``ECGKIT_DATA`` the data lives in the user's cache folder
(``platformdirs.user_cache_dir("ecgkit")/data``), where :func:`ecgkit.data.download`
puts it. Derived arrays are cached in ``ECGKIT_CACHE`` (default the same cache folder).
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["PHYSIONET_URL", "HOW_TO_GET", "DataNotFoundError", "ChecksumError",
           "DownloadError", "data_root", "cache_dir", "ptbxl_path", "mitbih_path"]

PHYSIONET_URL = "https://physionet.org/files"


class DataNotFoundError(FileNotFoundError):
    """The data a function needs is not on disk; the message says how to get it."""


class ChecksumError(ValueError):
    """A file's SHA-256 does not match the published one."""


class DownloadError(RuntimeError):
    """A download from PhysioNet failed (no network, server error)."""


# --------------------------------------------------------------------------- locations
def _cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("ecgkit"))


def data_root() -> Path:
    """Folder that holds ``ptb-xl/`` and ``mitdb/``: ``$ECGKIT_DATA`` or the user cache."""
    env = os.environ.get("ECGKIT_DATA")
    return Path(env).expanduser() if env else _cache_root() / "data"


def cache_dir() -> Path:
    """Folder for derived arrays: ``$ECGKIT_CACHE`` or ``<user cache>/arrays``."""
    env = os.environ.get("ECGKIT_CACHE")
    return Path(env).expanduser() if env else _cache_root() / "arrays"


HOW_TO_GET = (
    "Either set ECGKIT_DATA to a folder that holds ptb-xl/ and mitdb/ in PhysioNet "
    "layout, or download them (internet needed): `python -m ecgkit.data download sample` "
    "(PTB-XL metadata + 500 records, MIT-BIH; ~120 MB) or, in Python, "
    "`ecgkit.data.download('sample')`."
)


def ptbxl_path(path=None) -> Path:
    """Folder of PTB-XL (the one holding ``ptbxl_database.csv``).

    ``path`` may be that folder or its parent; default: ``$ECGKIT_PTBXL`` when set (the
    ``full`` profile sets it to the full download, :func:`ecgkit.data.ensure_data`), else
    :func:`data_root`. Raises :class:`DataNotFoundError` with instructions when it is not
    there.
    """
    if path is None and os.environ.get("ECGKIT_PTBXL"):
        path = os.environ["ECGKIT_PTBXL"]
    root = Path(path).expanduser() if path is not None else data_root()
    for candidate in (root, root / "ptb-xl"):
        if (candidate / "ptbxl_database.csv").is_file():
            return candidate
    raise DataNotFoundError(f"PTB-XL not found: no ptbxl_database.csv in {root} or "
                            f"{root / 'ptb-xl'}. {HOW_TO_GET}")


def mitbih_path(path=None) -> Path:
    """Folder of the MIT-BIH Arrhythmia Database (the one holding ``100.hea``)."""
    root = Path(path).expanduser() if path is not None else data_root()
    for candidate in (root, root / "mitdb"):
        if (candidate / "100.hea").is_file() or (candidate / "RECORDS").is_file():
            return candidate
    raise DataNotFoundError(f"MIT-BIH not found: no mitdb records in {root} or "
                            f"{root / 'mitdb'}. {HOW_TO_GET}")
