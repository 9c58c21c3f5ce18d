"""Two more PhysioNet beat databases, to test a DS1-trained beat model on other patients,
other machines and other rates: the cross-database figure is the one to trust.

``incartdb``
    St Petersburg INCART 12-lead Arrhythmia Database: 75 half-hour records (I01-I75) of
    32 patients, 12 leads at 257 Hz. Lead II is the nearest to MIT-BIH's MLII.
``svdb``
    MIT-BIH Supraventricular Arrhythmia Database: 78 half-hour records (800-894), two
    leads at 128 Hz named ECG1 and ECG2 (ECG1 is taken), rich in S beats.

Both use the MIT-BIH beat symbols, so :data:`~ecgkit.data.mitbih.AAMI_MAP` groups them.
``python -m ecgkit.data download incartdb|svdb`` fetches them (checksummed, resumable);
:func:`db_beat_table` cuts their beats exactly as the benchmark cuts MIT-BIH's
(:func:`~ecgkit.data.beat_table.cut_beats`: band-pass at the database's rate, resampled
to the beat spec's 120 Hz).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb

from ecgkit.data.beat_table import BeatSpec, BeatTable, cut_beats
from ecgkit.data.mitbih import MitbihRecord
from ecgkit.data.store import DataNotFoundError, data_root

__all__ = ["OTHER_DATABASES", "db_path", "db_records", "load_db_record", "db_beat_table"]

OTHER_DATABASES = {
    "incartdb": {"title": "St Petersburg INCART 12-lead Arrhythmia Database",
                 "project": "incartdb/1.0.0", "fs": 257, "lead": "II"},
    "svdb": {"title": "MIT-BIH Supraventricular Arrhythmia Database",
             "project": "svdb/1.0.0", "fs": 128, "lead": "ECG1"},
}


def _info(db: str) -> dict:
    if db not in OTHER_DATABASES:
        raise ValueError(f"unknown database {db!r}; choose one of {sorted(OTHER_DATABASES)}")
    return OTHER_DATABASES[db]


def db_path(db: str, path=None) -> Path:
    """Folder of ``db`` (the one holding its ``RECORDS`` file): ``path`` or its ``db``
    subfolder, default ``<data root>/<db>``."""
    _info(db)
    root = Path(path).expanduser() if path is not None else data_root()
    for candidate in (root, root / db):
        if (candidate / "RECORDS").is_file():
            return candidate
    raise DataNotFoundError(f"{db} not found: no RECORDS file in {root} or {root / db}. "
                            f"With internet: `python -m ecgkit.data download {db}`.")


def db_records(db: str, path=None) -> tuple[str, ...]:
    """The record names listed in the database's ``RECORDS`` file."""
    text = (db_path(db, path) / "RECORDS").read_text()
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def load_db_record(db: str, record: str, path=None) -> MitbihRecord:
    """One record of ``db`` with its reference (``atr``) beat annotations, checked: its
    rate must be the database's and it must hold the lead the beat model reads."""
    info, folder = _info(db), db_path(db, path)
    if str(record) not in db_records(db, path):
        raise ValueError(f"{record!r} is not a record of {db}; see its RECORDS file")
    base = str(folder / str(record))
    rec = wfdb.rdrecord(base)
    if int(round(rec.fs)) != info["fs"]:
        raise ValueError(f"{base}: sampling rate {rec.fs} Hz, expected {info['fs']} Hz "
                         f"for {db}")
    if info["lead"] not in rec.sig_name:
        raise ValueError(f"{base}: no lead {info['lead']!r} (it has {rec.sig_name})")
    ann = wfdb.rdann(base, "atr")
    return MitbihRecord(str(record), rec.p_signal.astype(np.float32), tuple(rec.sig_name),
                        info["fs"], np.asarray(ann.sample, dtype=np.int64),
                        np.asarray(ann.symbol, dtype=str))


def db_beat_table(db: str, spec: BeatSpec = BeatSpec(), path=None, records=None
                  ) -> BeatTable:
    """The annotated beats of ``records`` (default: all) of ``db`` in one
    :class:`~ecgkit.data.beat_table.BeatTable`, cut from the database's lead at
    ``spec.fs``; ``spec.band_hz`` must be below half the database's rate."""
    info = _info(db)
    if spec.band_hz is not None and spec.band_hz[1] >= info["fs"] / 2:
        raise ValueError(f"{db} is sampled at {info['fs']} Hz: the {spec.band_hz[1]:g} Hz "
                         "band edge must be below half of it")
    tables = []
    for record in records or db_records(db, path):
        rec = load_db_record(db, record, path)
        samples, labels = rec.beats()
        tables.append(cut_beats(rec, samples, labels, spec, lead=info["lead"])[0])
    return BeatTable(*(np.concatenate([getattr(t, a) for t in tables]) for a in
                       ("windows", "labels", "records", "samples", "rr", "rr_abs")), spec)
