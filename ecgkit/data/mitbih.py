"""MIT-BIH Arrhythmia Database: its records, DS1/DS2, AAMI_CLASSES, AAMI_MAP and one record.

:func:`load_mitbih_record` reads a record with its reference beat annotations;
:mod:`ecgkit.data.beat_table` cuts the beats of many records into one table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import wfdb

from ecgkit.data.store import HOW_TO_GET, DataNotFoundError, mitbih_path

__all__ = ["MITBIH_RECORDS", "MITBIH_FS", "DS1", "DS2", "PACED_RECORDS", "AAMI_CLASSES",
           "AAMI_MAP", "MitbihRecord", "load_mitbih_record", "mitbih_class_counts"]

MITBIH_RECORDS = ("100", "101", "102", "103", "104", "105", "106", "107", "108", "109",
                  "111", "112", "113", "114", "115", "116", "117", "118", "119", "121",
                  "122", "123", "124", "200", "201", "202", "203", "205", "207", "208",
                  "209", "210", "212", "213", "214", "215", "217", "219", "220", "221",
                  "222", "223", "228", "230", "231", "232", "233", "234")
MITBIH_FS = 360
# de Chazal, O'Dwyer & Reilly (2004): train on DS1, test on DS2, paced records excluded.
DS1 = ("101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124",
       "201", "203", "205", "207", "208", "209", "215", "220", "223", "230")
DS2 = ("100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210", "212",
       "213", "214", "219", "221", "222", "228", "231", "232", "233", "234")
PACED_RECORDS = ("102", "104", "107", "217")
AAMI_CLASSES = ("N", "S", "V", "F", "Q")
# ANSI/AAMI EC57 grouping of the MIT-BIH beat annotation symbols.
AAMI_MAP = {
    "N": "N", "L": "N", "R": "N", "e": "N", "j": "N",
    "A": "S", "a": "S", "J": "S", "S": "S",
    "V": "V", "E": "V",
    "F": "F",
    "/": "Q", "f": "Q", "Q": "Q",
}


@dataclass
class MitbihRecord:
    """One MIT-BIH record: ``signal`` float32 (T, n_leads) in mV at ``fs`` Hz, and its
    reference annotations (``ann_samples`` int64 sample indices, ``ann_symbols`` str)."""

    name: str
    signal: np.ndarray
    leads: tuple
    fs: int
    ann_samples: np.ndarray
    ann_symbols: np.ndarray

    def lead(self, name: str = "MLII") -> np.ndarray:
        """The (T,) signal of the lead called ``name`` (MLII is not always channel 0)."""
        if name not in self.leads:
            raise ValueError(f"record {self.name} has no lead {name!r}; it has {self.leads}")
        return self.signal[:, self.leads.index(name)]

    def beats(self) -> tuple[np.ndarray, np.ndarray]:
        """(samples, AAMI classes) of the annotations that are beats (non-beat marks dropped)."""
        keep = np.isin(self.ann_symbols, list(AAMI_MAP))
        aami = np.array([AAMI_MAP[s] for s in self.ann_symbols[keep]], dtype="<U1")
        return self.ann_samples[keep], aami


def load_mitbih_record(record: str, path=None) -> MitbihRecord:
    """Read a MIT-BIH record (e.g. ``"100"``) with its ``atr`` reference annotations."""
    record = str(record)
    if record not in MITBIH_RECORDS:
        raise ValueError(f"{record!r} is not a MIT-BIH Arrhythmia record; see MITBIH_RECORDS")
    folder = mitbih_path(path)
    base = folder / record
    for ext in (".hea", ".dat", ".atr"):
        if not base.with_suffix(ext).is_file():
            raise DataNotFoundError(f"missing MIT-BIH file {base.with_suffix(ext)}. {HOW_TO_GET}")
    header = wfdb.rdheader(str(base))
    expected_bytes = header.sig_len * header.n_sig * 3 // 2  # format 212: 12 bits a sample
    actual = base.with_suffix(".dat").stat().st_size
    if actual < expected_bytes:
        raise ValueError(f"{base}.dat has {actual} bytes, its header promises "
                         f"{expected_bytes}: the file is truncated")
    rec = wfdb.rdrecord(str(base))
    ann = wfdb.rdann(str(base), "atr")
    if rec.fs != MITBIH_FS:
        raise ValueError(f"{base}: sampling rate {rec.fs} Hz, expected {MITBIH_FS} Hz")
    return MitbihRecord(record, rec.p_signal.astype(np.float32), tuple(rec.sig_name),
                        int(rec.fs), np.asarray(ann.sample, dtype=np.int64),
                        np.asarray(ann.symbol, dtype=str))


def mitbih_class_counts(records=MITBIH_RECORDS, path=None) -> pd.DataFrame:
    """AAMI beat counts per record: DataFrame (records x AAMI_CLASSES), int."""
    rows = {}
    for r in records:
        _, aami = load_mitbih_record(r, path).beats()
        rows[r] = [(aami == c).sum() for c in AAMI_CLASSES]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(AAMI_CLASSES))
