"""User uploads and course records as ECGRecord: WFDB, CSV, PTB-XL and MIT-BIH readers, validated.

A tool that accepts uploads must turn every bad file into a clear message, never into a
crash or a silently wrong prediction. The readers here return an :class:`ECGRecord` or
raise ``ValueError`` saying what is wrong (wrong shape, wrong or missing sampling rate,
NaN, a missing lead, a file that is not WFDB) and, where it can, how to fix it.

Accepted inputs
---------------
- a WFDB record: the header ``.hea`` and its signal file(s) ``.dat`` (as PhysioNet
  distributes PTB-XL and MIT-BIH), from disk (:func:`read_wfdb`) or uploaded as bytes
  (:func:`read_wfdb_upload`);
- a CSV file (:func:`read_csv`): 12 columns (the leads, named in a header row or in the
  order I, II, III, aVR, aVL, aVF, V1-V6) or 1 column (a single lead), values in mV, one
  row per sample, at a sampling rate the caller states;
- a course record by name (:func:`load_record`): ``"ptbxl:17"`` (PTB-XL ``ecg_id``, with
  its quality notes) or ``"mitdb:100"`` (MIT-BIH, 10 s from a start time).

:func:`to_model_input` then checks the record against what a 12-lead model needs (all 12
leads, at least 10 s) and brings it to 100 Hz, saying what it changed.
"""
from __future__ import annotations

import functools
import io as _io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb

from ecgkit.data.mitbih import load_mitbih_record
from ecgkit.data.ptbxl import LEADS, load_ptbxl_metadata, normalise_lead_name, read_ptbxl_record
from ecgkit.data.store import data_root, ptbxl_path
from ecgkit.signal.checks import check_fs, check_signal
from ecgkit.signal.filters import resample

__all__ = ["ECGRecord", "read_wfdb", "read_wfdb_upload", "read_csv", "load_record",
           "ptbxl_record", "mitbih_record", "to_model_input", "MODEL_FS",
           "MODEL_SECONDS", "MAX_ABS_MV"]

MODEL_FS = 100          # Hz: the rate of the course's PTB-XL models
MODEL_SECONDS = 10.0    # s: their input length (PTB-XL records are 10 s)
MAX_ABS_MV = 20.0       # a surface ECG stays well within +-20 mV; larger means wrong units
MIN_FS = 50.0           # below this the QRS (10-40 Hz content) is not captured
_QUALITY_COLUMNS = ("baseline_drift", "static_noise", "burst_noise", "electrodes_problems")


@dataclass
class ECGRecord:
    """An ECG read from a file or a dataset.

    Attributes
    ----------
    signal : float32 ``(n_leads, T)`` in mV.
    fs : sampling rate in Hz.
    leads : lead names, one per row of ``signal``.
    name : where it came from (file name, ``"PTB-XL 17"``, ...).
    notes : what the reader did to it (resampled, cropped, columns renamed), in words.
    metadata : e.g. PTB-XL's quality notes (``static_noise`` ...), age, sex, report.
    """

    signal: np.ndarray
    fs: float
    leads: tuple
    name: str = "ECG"
    notes: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.signal.shape[1] / self.fs

    def lead(self, name: str) -> np.ndarray:
        """The ``(T,)`` trace of one lead (names compared case-insensitively)."""
        key = normalise_lead_name(name)
        for i, lead in enumerate(self.leads):
            if normalise_lead_name(lead) == key:
                return self.signal[i]
        raise ValueError(f"{self.name} has no lead {name!r}; it has {list(self.leads)}")


# --------------------------------------------------------------------------- lead names
_LEAD_KEYS = {normalise_lead_name(lead): lead for lead in LEADS}
# Names other software uses for the same leads (MIT-BIH's MLII is a modified lead II).
_LEAD_KEYS.update({"MLII": "II", "ML2": "II", "LEADI": "I", "LEADII": "II",
                   "LEADIII": "III"})


def _leads_from_names(names, name: str) -> tuple:
    out = []
    for n in names:
        key = _LEAD_KEYS.get(normalise_lead_name(n))
        if key is None:
            raise ValueError(f"{name}: unknown lead name {n!r}; expected names among "
                             f"{list(LEADS)}")
        if key in out:
            raise ValueError(f"{name}: lead {key} appears twice")
        out.append(key)
    return tuple(out)


# --------------------------------------------------------------------------- WFDB
def read_wfdb(path, name: str | None = None) -> ECGRecord:
    """Read a WFDB record from disk: ``path`` is the record path with or without
    ``.hea``. Checks that the header parses, that its signal files exist and have the
    size the header promises, and that the values are finite."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix.lower() in (".hea", ".dat") else path
    name = name or base.name
    hea = base.with_suffix(".hea")
    if not hea.is_file():
        raise ValueError(f"{name}: no header file {hea.name}; a WFDB record needs its "
                         ".hea header and its .dat signal file")
    try:
        header = wfdb.rdheader(str(base))
    except Exception as err:  # wfdb raises many types for a malformed header
        raise ValueError(f"{name}: {hea.name} is not a valid WFDB header ({err})") from None
    files = sorted({f for f in (header.file_name or []) if f})
    if not files:
        raise ValueError(f"{name}: the header describes no signal file")
    for f in files:
        if not (base.parent / f).is_file():
            raise ValueError(f"{name}: the header refers to the signal file {f!r}, which is "
                             "missing; upload the .dat file together with the .hea")
    if not header.fs:
        raise ValueError(f"{name}: the header gives no sampling rate")
    fs = check_fs(header.fs, "header fs", minimum=MIN_FS)
    try:
        record = wfdb.rdrecord(str(base))
    except Exception as err:
        raise ValueError(f"{name}: the signal file could not be read with its header "
                         f"({type(err).__name__}: {err}); is the .dat truncated or from "
                         "another record?") from None
    if record.p_signal is None:
        raise ValueError(f"{name}: no physical signal in the record")
    expected = header.sig_len
    if record.p_signal.shape[0] < expected:
        raise ValueError(f"{name}: the .dat holds {record.p_signal.shape[0]} samples, the "
                         f"header promises {expected}: the file is truncated")
    units = [str(u).lower() for u in (record.units or [])]
    signal = record.p_signal.T.astype(np.float64)
    for i, u in enumerate(units):  # WFDB stores units per lead; the course works in mV
        if u in ("uv", "µv"):
            signal[i] /= 1000.0
        elif u == "v":
            signal[i] *= 1000.0
    leads = _leads_from_names(record.sig_name, name)
    signal = check_signal(signal, name, ndim=2, dtype=np.float32, max_abs=MAX_ABS_MV)
    return ECGRecord(signal, fs, leads, name)


def read_wfdb_upload(files: dict) -> ECGRecord:
    """Read a WFDB record from uploaded files: ``{filename: bytes}``.

    Exactly one ``.hea`` is expected, with the ``.dat`` file(s) its header names. The
    files are written to a temporary folder (deleted afterwards) and read by
    :func:`read_wfdb`.
    """
    if not files:
        raise ValueError("no file uploaded")
    names = {Path(n).name: data for n, data in files.items()}
    headers = [n for n in names if n.lower().endswith(".hea")]
    if len(headers) != 1:
        found = ", ".join(sorted(names)) or "nothing"
        raise ValueError(f"a WFDB record needs exactly one .hea header file (with its .dat "
                         f"signal file); got {found}")
    header_name = headers[0]
    try:
        text = names[header_name].decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"{header_name} is not a WFDB header (not plain text)") from None
    if not re.match(r"^\s*(#.*\n\s*)*\S+(/\d+)?\s+\d+", text):
        raise ValueError(f"{header_name} is not a WFDB header: its first line should read "
                         "'<record> <number of signals> <sampling rate> <samples>'")
    with tempfile.TemporaryDirectory() as tmp:
        for n, data in names.items():
            (Path(tmp) / n).write_bytes(data)
        return read_wfdb(Path(tmp) / header_name, name=Path(header_name).stem)


# --------------------------------------------------------------------------- CSV
def read_csv(source, fs: float = MODEL_FS, name: str | None = None) -> ECGRecord:
    """Read an ECG from CSV: one row per sample, 12 columns (leads) or 1 column (a lead).

    Parameters
    ----------
    source : path, file-like object or bytes.
    fs : the sampling rate in Hz (CSV files do not carry it): say it.
    name : for messages (default the file name).

    A header row naming the leads (``I, II, ..., V6`` in any order, case-insensitive) is
    used; without one, 12 columns are taken in the order of :data:`ecgkit.data.LEADS`
    and one column is taken as lead II (noted). A first column named ``time``/``t``/
    ``sample`` is dropped. Values are millivolts.
    """
    if isinstance(source, (bytes, bytearray)):
        raw, name = bytes(source), name or "uploaded CSV"
    elif isinstance(source, (str, Path)):
        raw, name = Path(source).read_bytes(), name or Path(source).name
    else:
        raw, name = source.read(), name or getattr(source, "name", "uploaded CSV")
    fs = check_fs(fs, "fs", minimum=MIN_FS)
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else str(raw)
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a text (CSV) file") from None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # the delimiter of the first line: comma, semicolon, tab, or none (one column)
    sep = next((d for d in (",", ";", "\t") if d in first_line), ",")
    try:
        frame = pd.read_csv(_io.StringIO(text), header=None, sep=sep)
    except Exception as err:
        raise ValueError(f"{name}: not a readable CSV file ({err})") from None
    if frame.empty:
        raise ValueError(f"{name}: the file holds no rows")
    first = frame.iloc[0].astype(str).tolist()
    has_header = any(re.search(r"[A-Za-z]", v) and v.lower() not in ("nan", "inf", "-inf")
                     for v in first)
    columns = [c.strip() for c in first] if has_header else None
    values = frame.iloc[1:] if has_header else frame
    notes = []
    if columns and normalise_lead_name(columns[0]) in ("TIME", "T", "SAMPLE", "INDEX", "TIME(S)"):
        columns, values = columns[1:], values.iloc[:, 1:]
        notes.append(f"dropped the first column ({first[0]!r})")
    numeric = values.apply(pd.to_numeric, errors="coerce")
    n_cols = numeric.shape[1]
    if n_cols not in (1, 12):
        raise ValueError(f"{name}: expected 12 columns (leads {', '.join(LEADS)}) or 1 column "
                         f"(a single lead), one row per sample; got {n_cols} columns. A file "
                         "with one row per lead must be transposed")
    if columns is not None:
        leads = _leads_from_names(columns, name)
    elif n_cols == 12:
        leads = LEADS
        notes.append("no header row: columns taken as " + ", ".join(LEADS))
    else:
        leads = ("II",)
        notes.append("no header row: the single column taken as lead II")
    signal = check_signal(numeric.to_numpy(dtype=np.float64).T, name, ndim=2,
                          dtype=np.float32, max_abs=MAX_ABS_MV)
    return ECGRecord(signal, fs, leads, name, notes)


# --------------------------------------------------------------------------- course data
@functools.lru_cache(maxsize=2)
def _ptbxl_metadata(root: str):
    return load_ptbxl_metadata(root)


def ptbxl_record(ecg_id: int, rate: int = 100, db=None) -> ECGRecord:
    """A PTB-XL record with its quality notes and report as metadata.

    The metadata table is read once per process (an app shows many records)."""
    db = db if db is not None else _ptbxl_metadata(str(data_root()))
    ecg_id = int(ecg_id)
    if ecg_id not in db.index:
        raise ValueError(f"ecg_id {ecg_id} is not in PTB-XL")
    folder = ptbxl_path(db.attrs.get("path"))
    files = db["filename_lr" if rate == 100 else "filename_hr"]
    try:
        signal = read_ptbxl_record(folder / files[ecg_id], rate)
    except FileNotFoundError:
        raise ValueError(f"PTB-XL record {ecg_id} has no {rate} Hz waveform on disk under "
                         f"{folder}") from None
    row = db.loc[ecg_id]
    meta = {c: row[c] for c in _QUALITY_COLUMNS if isinstance(row[c], str) and row[c].strip()}
    meta.update({"ecg_id": ecg_id, "age": row.get("age"), "sex": row.get("sex"),
                 "report": row.get("report"), "scp_codes": row.get("scp_codes"),
                 "strat_fold": int(row["strat_fold"])})
    return ECGRecord(signal.astype(np.float32), float(rate), LEADS, f"PTB-XL {ecg_id}",
                     [], meta)


def mitbih_record(record: str, start_s: float = 0.0, duration_s: float = MODEL_SECONDS
                  ) -> ECGRecord:
    """``duration_s`` seconds of a MIT-BIH record from ``start_s``, both leads, 360 Hz."""
    rec = load_mitbih_record(str(record))
    start, stop = int(round(start_s * rec.fs)), int(round((start_s + duration_s) * rec.fs))
    if start < 0 or stop > len(rec.signal) or stop <= start:
        raise ValueError(f"MIT-BIH {record}: window {start_s}-{start_s + duration_s} s lies "
                         f"outside the record (0-{len(rec.signal) / rec.fs:.0f} s)")
    keep = (rec.ann_samples >= start) & (rec.ann_samples < stop)
    meta = {"record": rec.name, "ann_samples": rec.ann_samples[keep] - start,
            "ann_symbols": rec.ann_symbols[keep], "start_s": start_s}
    leads = tuple(_LEAD_KEYS.get(normalise_lead_name(n), n) for n in rec.leads)
    return ECGRecord(rec.signal[start:stop].T.astype(np.float32), float(rec.fs), leads,
                     f"MIT-BIH {rec.name} ({start_s:g}-{start_s + duration_s:g} s)",
                     [f"original leads {', '.join(rec.leads)}"], meta)


def load_record(spec, fs: float | None = None) -> ECGRecord:
    """A record from a short description.

    ``spec``: an :class:`ECGRecord` (returned as is), a PTB-XL ``ecg_id`` (int or
    ``"ptbxl:17"``), ``"mitdb:100"`` (optionally ``"mitdb:100@60"`` to start at 60 s), a
    ``.csv`` path (``fs`` default 100 Hz) or a WFDB record path (with or without
    ``.hea``).
    """
    if isinstance(spec, ECGRecord):
        return spec
    if isinstance(spec, (int, np.integer)):
        return ptbxl_record(int(spec))
    text = str(spec)
    low = text.lower()
    if low.startswith("ptbxl:"):
        return ptbxl_record(int(text.split(":", 1)[1]))
    if low.startswith("mitdb:"):
        rec, _, start = text.split(":", 1)[1].partition("@")
        return mitbih_record(rec, float(start) if start else 0.0)
    path = Path(text)
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        return read_csv(path, fs if fs is not None else MODEL_FS)
    if path.suffix.lower() in (".hea", ".dat", ""):
        return read_wfdb(path)
    raise ValueError(f"{text}: unknown kind of record; give a WFDB record (.hea + .dat), a "
                     ".csv file, 'ptbxl:<ecg_id>' or 'mitdb:<record>'")


# --------------------------------------------------------------------------- model input
def to_model_input(record: ECGRecord, fs: int = MODEL_FS, seconds: float = MODEL_SECONDS,
                   leads=LEADS) -> tuple[np.ndarray, list[str]]:
    """The record as a 12-lead model wants it: ``(12, fs * seconds)`` float32 mV.

    Resamples to ``fs`` (with :func:`ecgkit.signal.resample`), keeps the first
    ``seconds`` of a longer record and reorders the leads. Raises ``ValueError`` for a
    missing lead or a record shorter than ``seconds``.

    Returns
    -------
    (signal, notes): the array and what was done to the record, in words (also the
    reader's own notes).
    """
    notes = list(record.notes)
    have = {normalise_lead_name(l): i for i, l in enumerate(record.leads)}
    missing = [l for l in leads if normalise_lead_name(l) not in have]
    if missing:
        raise ValueError(f"{record.name}: the model needs the {len(leads)} leads "
                         f"{', '.join(leads)}; missing {', '.join(missing)} (the record has "
                         f"{len(record.leads)}: {', '.join(record.leads)})")
    x = record.signal[[have[normalise_lead_name(l)] for l in leads]]
    need = int(round(seconds * record.fs))
    if x.shape[1] < need:
        raise ValueError(f"{record.name}: {record.duration_s:.2f} s of signal; the model "
                         f"needs at least {seconds:g} s ({need} samples at {record.fs:g} Hz)")
    if x.shape[1] > need:
        notes.append(f"kept the first {seconds:g} s of {record.duration_s:.1f} s")
        x = x[:, :need]
    if record.fs != fs:
        x = resample(x.astype(np.float64), record.fs, fs)
        notes.append(f"resampled from {record.fs:g} Hz to {fs} Hz")
    n = int(round(seconds * fs))
    x = np.asarray(x, dtype=np.float32)[:, :n]
    if x.shape[1] < n:  # rounding of the resampler: at most a sample or two
        x = np.pad(x, ((0, 0), (0, n - x.shape[1])), mode="edge")
    return x, notes
