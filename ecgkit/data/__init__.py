"""Real ECG data: PTB-XL and the MIT-BIH Arrhythmia Database.

Where the data lives
--------------------
``ECGKIT_DATA`` names a folder in PhysioNet layout::

    $ECGKIT_DATA/ptb-xl/ptbxl_database.csv, scp_statements.csv, records100/...
    $ECGKIT_DATA/mitdb/100.hea, 100.dat, 100.atr, ...

A folder that already holds the files is used as it is (nothing in it is changed).
Without ``ECGKIT_DATA`` the data lives in the user's cache folder
(``platformdirs.user_cache_dir("ecgkit")/data``), where :func:`download` puts it.

Waveform arrays are cached (``ECGKIT_CACHE``, default the same cache folder) as one
``.npy`` file per (dataset, sampling rate) and memory-mapped on later loads.
"""
from __future__ import annotations

import ast
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")
PTBXL_TASKS = ("superdiagnostic", "subdiagnostic", "rhythm", "form", "all", "proto_rhythm")
# ProtoECGNet's rhythm branch (Sethi et al. 2025): the 12 rhythm statements plus four
# conduction codes that scp_statements.csv files as diagnostic (1AVB, 2AVB, 3AVB, IVCD).
PROTO_RHYTHM_LABELS = ("SR", "AFIB", "STACH", "SARRH", "SBRAD", "PACE", "SVARR", "BIGU",
                       "AFLT", "SVTAC", "PSVT", "TRIGU", "1AVB", "2AVB", "3AVB", "IVCD")
PTBXL_RATES = (100, 500)
# Recommended split of the dataset's authors (patients never cross folds).
TRAIN_FOLDS, VAL_FOLDS, TEST_FOLDS = tuple(range(1, 9)), (9,), (10,)
# Rows of version 1.0.1 that version 1.0.3 removed as duplicates (ptbxl_v103_changelog.txt).
PTBXL_V103_DROPPED = (137, 139, 140, 141, 142, 143, 145, 11817, 456, 458, 459, 461, 462,
                      13796, 2506, 2511, 3795, 3798, 3832, 5817, 7777, 7779, 7782, 9821,
                      9825, 9888, 15742, 11810, 11838, 13791, 13793, 13797, 13799, 18150,
                      11814, 11815, 3800, 3801)
PTBXL_N_ROWS = {"1.0.1": 21837, "1.0.3": 21799}

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

PHYSIONET_URL = "https://physionet.org/files"
_REGISTRY_DIR = Path(__file__).with_name("registry")


class DataNotFoundError(FileNotFoundError):
    """The data a function needs is not on disk; the message says how to get it."""


class ChecksumError(ValueError):
    """A file's SHA-256 does not match the published one."""


class DownloadError(RuntimeError):
    """A download from PhysioNet failed (no network, server error)."""


# --------------------------------------------------------------------------- locations
def _cache_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ecgkit"))


def data_root() -> Path:
    """Folder that holds ``ptb-xl/`` and ``mitdb/``: ``$ECGKIT_DATA`` or the user cache."""
    env = os.environ.get("ECGKIT_DATA")
    return Path(env).expanduser() if env else _cache_root() / "data"


def cache_dir() -> Path:
    """Folder for derived arrays: ``$ECGKIT_CACHE`` or ``<user cache>/arrays``."""
    env = os.environ.get("ECGKIT_CACHE")
    return Path(env).expanduser() if env else _cache_root() / "arrays"


_HOW_TO_GET = (
    "Either set ECGKIT_DATA to a folder that holds ptb-xl/ and mitdb/ in PhysioNet "
    "layout, or download them (internet needed): `python -m ecgkit.data download sample` "
    "(PTB-XL metadata + 500 records, MIT-BIH; ~120 MB) or, in Python, "
    "`ecgkit.data.download('sample')`."
)


def ptbxl_path(path=None) -> Path:
    """Folder of PTB-XL (the one holding ``ptbxl_database.csv``).

    ``path`` may be that folder or its parent; default :func:`data_root`.
    Raises :class:`DataNotFoundError` with instructions when it is not there.
    """
    root = Path(path).expanduser() if path is not None else data_root()
    for candidate in (root, root / "ptb-xl"):
        if (candidate / "ptbxl_database.csv").is_file():
            return candidate
    raise DataNotFoundError(f"PTB-XL not found: no ptbxl_database.csv in {root} or "
                            f"{root / 'ptb-xl'}. {_HOW_TO_GET}")


def mitbih_path(path=None) -> Path:
    """Folder of the MIT-BIH Arrhythmia Database (the one holding ``100.hea``)."""
    root = Path(path).expanduser() if path is not None else data_root()
    for candidate in (root, root / "mitdb"):
        if (candidate / "100.hea").is_file() or (candidate / "RECORDS").is_file():
            return candidate
    raise DataNotFoundError(f"MIT-BIH not found: no mitdb records in {root} or "
                            f"{root / 'mitdb'}. {_HOW_TO_GET}")


# --------------------------------------------------------------------------- PTB-XL metadata
def load_ptbxl_metadata(path=None) -> pd.DataFrame:
    """Read ``ptbxl_database.csv``: one row per ECG, indexed by ``ecg_id``.

    ``scp_codes`` is parsed into a dict ``{code: likelihood}``. The detected dataset
    version ("1.0.1", "1.0.3" or "unknown") is in ``db.attrs["version"]``.
    """
    folder = ptbxl_path(path)
    csv = folder / "ptbxl_database.csv"
    db = pd.read_csv(csv, index_col="ecg_id")
    missing = {"scp_codes", "strat_fold", "patient_id", "filename_lr"} - set(db.columns)
    if missing:
        raise ValueError(f"{csv} lacks the columns {sorted(missing)}; is it PTB-XL's "
                         "ptbxl_database.csv?")
    db["scp_codes"] = db["scp_codes"].map(ast.literal_eval)
    db.attrs["version"] = next((v for v, n in PTBXL_N_ROWS.items() if n == len(db)),
                               "unknown")
    db.attrs["path"] = str(folder)
    return db


def drop_v103_duplicates(db: pd.DataFrame) -> pd.DataFrame:
    """Drop the 38 duplicate ECGs that version 1.0.3 removed (mimic 1.0.3 on 1.0.1).

    Note: 1.0.3 also merged the labels of duplicate pairs; this only drops rows.
    """
    out = db.drop(index=[i for i in PTBXL_V103_DROPPED if i in db.index])
    out.attrs = dict(db.attrs)
    return out


def load_scp_statements(path=None) -> pd.DataFrame:
    """Read ``scp_statements.csv`` (71 SCP-ECG statements) indexed by code."""
    folder = ptbxl_path(path)
    stm = pd.read_csv(folder / "scp_statements.csv", index_col=0)
    for flag in ("diagnostic", "form", "rhythm"):
        stm[flag] = stm[flag].fillna(0).astype(int)
    return stm


def _task_mapping(statements: pd.DataFrame, task: str) -> dict[str, str]:
    """SCP code -> class name for a task (the benchmark's definitions)."""
    if task == "superdiagnostic":
        rows = statements[statements.diagnostic == 1]
        return rows["diagnostic_class"].dropna().to_dict()
    if task == "subdiagnostic":
        rows = statements[statements.diagnostic == 1]
        return rows["diagnostic_subclass"].dropna().to_dict()
    if task in ("rhythm", "form"):
        rows = statements[statements[task] == 1]
        return {code: code for code in rows.index}
    if task == "all":
        return {code: code for code in statements.index}
    if task == "proto_rhythm":  # fixed codes, whatever their statement category
        missing = sorted(set(PROTO_RHYTHM_LABELS) - set(statements.index))
        if missing:
            raise ValueError(f"scp_statements.csv lacks the codes {missing}")
        return {code: code for code in PROTO_RHYTHM_LABELS}
    raise ValueError(f"unknown PTB-XL task {task!r}; choose one of {PTBXL_TASKS}")


def ptbxl_labels(db: pd.DataFrame, statements: pd.DataFrame,
                 task: str = "superdiagnostic") -> pd.DataFrame:
    """Binary label matrix of a PTB-XL task.

    Every SCP code listed in a record's ``scp_codes`` counts, whatever its likelihood
    (the rule of Strodthoff et al. 2021). Classes of ``superdiagnostic`` are in the order
    of :data:`SUPERCLASSES`, of ``proto_rhythm`` in that of :data:`PROTO_RHYTHM_LABELS`,
    other tasks' classes sorted by name.

    Returns
    -------
    DataFrame, shape (n_records, n_classes), dtype int8, index ``ecg_id``. Records with
    no label for the task have an all-zero row (see :func:`load_ptbxl_task`, which drops
    them as the benchmark does).
    """
    mapping = _task_mapping(statements, task)
    classes = (list(SUPERCLASSES) if task == "superdiagnostic"
               else list(PROTO_RHYTHM_LABELS) if task == "proto_rhythm"
               else sorted(set(mapping.values())))
    col = {c: j for j, c in enumerate(classes)}
    y = np.zeros((len(db), len(classes)), dtype=np.int8)
    for i, codes in enumerate(db["scp_codes"]):
        for code in codes:
            cls = mapping.get(code)
            if cls is not None:
                y[i, col[cls]] = 1
    return pd.DataFrame(y, index=db.index, columns=classes)


def label_cooccurrence(y: pd.DataFrame) -> pd.DataFrame:
    """Co-occurrence counts of a binary label matrix: entry (a, b) = records with both a
    and b; the diagonal holds each class's count. ``y``: (n_records, n_classes) 0/1."""
    y = pd.DataFrame(y)
    values = y.to_numpy()
    if values.ndim != 2 or not np.isin(values, (0, 1)).all():
        raise ValueError("labels must be a 0/1 matrix (records x classes)")
    values = values.astype(np.int64)
    return pd.DataFrame(values.T @ values, index=y.columns, columns=y.columns)


def ptbxl_split(db: pd.DataFrame) -> dict[str, pd.Index]:
    """``ecg_id``s of the recommended split: folds 1-8 train, 9 validation, 10 test."""
    fold = db["strat_fold"]
    return {"train": db.index[fold.isin(TRAIN_FOLDS)],
            "val": db.index[fold.isin(VAL_FOLDS)],
            "test": db.index[fold.isin(TEST_FOLDS)]}


def _record_file(db: pd.DataFrame, rate: int) -> pd.Series:
    if rate not in PTBXL_RATES:
        raise ValueError(f"PTB-XL is recorded at 100 or 500 Hz, not {rate!r}")
    return db["filename_lr" if rate == 100 else "filename_hr"]


def available_ptbxl_records(db: pd.DataFrame, rate: int = 100, path=None) -> pd.Index:
    """``ecg_id``s whose waveform files (``.hea`` and ``.dat``) are on disk."""
    folder = ptbxl_path(path if path is not None else db.attrs.get("path"))
    files = _record_file(db, rate)
    present = [i for i, f in files.items()
               if (folder / f"{f}.hea").is_file() and (folder / f"{f}.dat").is_file()]
    return pd.Index(present, name="ecg_id")


# --------------------------------------------------------------------------- waveforms
def _normalise_lead_name(name: str) -> str:
    return name.strip().upper()


def read_ptbxl_record(record_path, rate: int = 100) -> np.ndarray:
    """Read one PTB-XL record (path without extension) as float32 (12, T) in mV.

    Leads are returned in :data:`LEADS` order. Raises ``FileNotFoundError`` for a missing
    file and ``ValueError`` for a truncated file, a wrong sampling rate or a missing lead.
    """
    import wfdb

    record_path = Path(record_path)
    for ext in (".hea", ".dat"):
        if not record_path.with_suffix(ext).is_file():
            raise FileNotFoundError(f"missing PTB-XL file {record_path.with_suffix(ext)}")
    header = wfdb.rdheader(str(record_path))
    if header.fs != rate:
        raise ValueError(f"{record_path}: sampling rate {header.fs} Hz, expected {rate} Hz")
    expected_bytes = header.sig_len * header.n_sig * 2  # format 16: two bytes per sample
    actual_bytes = record_path.with_suffix(".dat").stat().st_size
    if actual_bytes != expected_bytes:
        raise ValueError(f"{record_path}.dat has {actual_bytes} bytes, its header promises "
                         f"{expected_bytes}: the file is truncated or corrupt")
    names = [_normalise_lead_name(n) for n in header.sig_name]
    missing = [lead for lead in LEADS if _normalise_lead_name(lead) not in names]
    if missing:
        raise ValueError(f"{record_path}: missing lead(s) {missing}; found {header.sig_name}")
    signal, _ = wfdb.rdsamp(str(record_path))
    order = [names.index(_normalise_lead_name(lead)) for lead in LEADS]
    out = signal[:, order].T.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{record_path}: {int((~np.isfinite(out)).sum())} samples are NaN/inf")
    return out


def _cache_key(folder: Path, ids: pd.Index, rate: int) -> str:
    h = hashlib.sha256(f"{folder.resolve()}|{rate}|{','.join(map(str, ids))}".encode())
    return h.hexdigest()[:16]


def _build_ptbxl_cache(db, ids, rate, folder, target: Path, progress: bool) -> None:
    from tqdm.auto import tqdm

    files = _record_file(db, rate)
    n_samples = 10 * rate
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.npy")
    arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                    shape=(len(ids), len(LEADS), n_samples))
    for k, ecg_id in enumerate(tqdm(ids, desc=f"reading PTB-XL {rate} Hz", unit="rec",
                                    disable=not progress)):
        sig = read_ptbxl_record(folder / files[ecg_id], rate)
        if sig.shape[1] != n_samples:
            raise ValueError(f"record {ecg_id} has {sig.shape[1]} samples, expected {n_samples}")
        arr[k] = sig
    arr.flush()
    del arr
    os.replace(tmp, target)  # atomic: a half-written cache is never picked up


def load_ptbxl_signals(ecg_ids, rate: int = 100, path=None, db: pd.DataFrame | None = None,
                       cache: bool = True, progress: bool = True) -> np.ndarray:
    """Waveforms of the given ECGs as float32 ``(N, 12, T)`` in mV, leads in LEADS order.

    T is 1000 at 100 Hz and 5000 at 500 Hz (10 s). With ``cache=True`` the first call
    reads every record present on disk at that rate into one ``.npy`` file in
    :func:`cache_dir`; later calls memory-map it (see ``scripts/bench_data.py``).

    Raises ``FileNotFoundError`` naming the ids whose files are absent.
    """
    if db is None:
        db = load_ptbxl_metadata(path)
    folder = ptbxl_path(path if path is not None else db.attrs.get("path"))
    ecg_ids = pd.Index(ecg_ids)
    unknown = ecg_ids.difference(db.index)
    if len(unknown):
        raise ValueError(f"{len(unknown)} ecg_id(s) not in ptbxl_database.csv, e.g. "
                         f"{list(unknown[:5])}")
    present = available_ptbxl_records(db, rate, folder)
    absent = ecg_ids.difference(present)
    if len(absent):
        raise FileNotFoundError(
            f"{len(absent)} of {len(ecg_ids)} requested records have no {rate} Hz waveform "
            f"files under {folder}, e.g. ecg_id {list(absent[:5])}. Only {len(present)} of "
            f"{len(db)} are present; select them with available_ptbxl_records(db).")
    if not cache:
        files = _record_file(db, rate)
        return np.stack([read_ptbxl_record(folder / files[i], rate) for i in ecg_ids])
    target = cache_dir() / f"ptbxl_{rate}hz_{len(present)}rec_{_cache_key(folder, present, rate)}.npy"
    if not target.is_file():
        _build_ptbxl_cache(db, present, rate, folder, target, progress)
    all_signals = np.load(target, mmap_mode="r")
    if all_signals.shape[0] != len(present):
        raise ValueError(f"cache file {target} holds {all_signals.shape[0]} records, "
                         f"expected {len(present)}; delete it to rebuild")
    rows = present.get_indexer(ecg_ids)
    return np.asarray(all_signals[rows])


@dataclass
class PTBXLTask:
    """A PTB-XL task split into train / validation / test (folds 1-8 / 9 / 10).

    ``X_*``: float32 (N, 12, T) raw signals in mV; ``y_*``: float32 (N, C) multi-hot.
    """

    task: str
    rate: int
    classes: tuple
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    ids_train: pd.Index
    ids_val: pd.Index
    ids_test: pd.Index
    counts: dict = field(default_factory=dict)

    def summary(self) -> str:
        """How many records each split holds, of how many the full dataset has."""
        lines = [f"PTB-XL task '{self.task}' at {self.rate} Hz, {len(self.classes)} classes"]
        for split in ("train", "val", "test"):
            c = self.counts[split]
            lines.append(f"  {split:5s}: {c['used']:5d} records used "
                         f"({c['present']} with waveforms present of {c['labelled']} "
                         f"labelled in the full dataset)")
        return "\n".join(lines)

    def positives(self) -> pd.DataFrame:
        """Positive examples per class (rows) and split (columns)."""
        return pd.DataFrame({s: getattr(self, f"y_{s}").sum(0).astype(int)
                             for s in ("train", "val", "test")}, index=list(self.classes))


def load_ptbxl_task(task: str = "superdiagnostic", rate: int = 100,
                    max_records: int | None = None, path=None,
                    verbose: bool = True) -> PTBXLTask:
    """Load a PTB-XL task with the benchmark protocol, as far as the data on disk allows.

    Records without a label for the task are dropped; only records whose waveform
    files exist are used, and the summary says how many of how many. ``max_records``
    caps each split (the first ``max_records`` by ``ecg_id``; for quick profiles).
    """
    db = load_ptbxl_metadata(path)
    labels = ptbxl_labels(db, load_scp_statements(path), task)
    labelled = labels.index[labels.sum(axis=1) > 0]
    present = available_ptbxl_records(db, rate, path)
    if len(present) == 0:
        raise DataNotFoundError(f"no PTB-XL {rate} Hz waveforms under {ptbxl_path(path)}. "
                                + _HOW_TO_GET)
    parts, counts = {}, {}
    for split, ids in ptbxl_split(db).items():
        lab = ids.intersection(labelled)
        use = lab.intersection(present).sort_values()
        if max_records is not None:
            use = use[:max_records]
        counts[split] = {"labelled": len(lab), "present": len(lab.intersection(present)),
                         "used": len(use)}
        X = load_ptbxl_signals(use, rate, db=db, path=path, progress=verbose)
        parts[split] = (X, labels.loc[use].to_numpy(np.float32), use)
    out = PTBXLTask(task, rate, tuple(labels.columns),
                    parts["train"][0], parts["train"][1], parts["val"][0], parts["val"][1],
                    parts["test"][0], parts["test"][1],
                    parts["train"][2], parts["val"][2], parts["test"][2], counts)
    if verbose:
        print(out.summary())
    return out


# --------------------------------------------------------------------------- MIT-BIH
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
    import wfdb

    record = str(record)
    if record not in MITBIH_RECORDS:
        raise ValueError(f"{record!r} is not a MIT-BIH Arrhythmia record; see MITBIH_RECORDS")
    folder = mitbih_path(path)
    base = folder / record
    for ext in (".hea", ".dat", ".atr"):
        if not base.with_suffix(ext).is_file():
            raise DataNotFoundError(f"missing MIT-BIH file {base.with_suffix(ext)}. {_HOW_TO_GET}")
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


def beat_windows(signal, r_peaks, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a window around each R peak of a single-lead signal.

    Parameters
    ----------
    signal : (T,) array, one lead.
    r_peaks : (n,) sample indices of R peaks.
    before, after : samples kept before and after the peak (window length before + after).

    Returns
    -------
    windows : float32 (m, before + after), for the peaks whose window fits in the signal
    kept : bool (n,), which peaks were kept (edge beats are dropped).
    """
    signal = np.asarray(signal)
    if signal.ndim != 1:
        raise ValueError(f"signal must be one lead (T,), got shape {signal.shape}")
    if before < 0 or after <= 0:
        raise ValueError(f"before must be >= 0 and after > 0, got {before}, {after}")
    r_peaks = np.asarray(r_peaks, dtype=np.int64)
    kept = (r_peaks - before >= 0) & (r_peaks + after <= len(signal))
    starts = r_peaks[kept] - before
    idx = starts[:, None] + np.arange(before + after)[None, :]
    return signal[idx].astype(np.float32), kept


def mitbih_class_counts(records=MITBIH_RECORDS, path=None) -> pd.DataFrame:
    """AAMI beat counts per record: DataFrame (records x AAMI_CLASSES), int."""
    rows = {}
    for r in records:
        _, aami = load_mitbih_record(r, path).beats()
        rows[r] = [(aami == c).sum() for c in AAMI_CLASSES]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(AAMI_CLASSES))


# --------------------------------------------------------------------------- downloads
DATASETS = {
    # name: (PhysioNet project/version, local folder, registry file or None for upstream)
    "ptb-xl-sample": ("ptb-xl/1.0.1", "ptb-xl", "ptb-xl-1.0.1-sample.sha256"),
    "ptb-xl": ("ptb-xl/1.0.3", "ptb-xl", None),
    "mitdb": ("mitdb/1.0.0", "mitdb", "mitdb-1.0.0.sha256"),
}


def _read_registry(text: str) -> dict[str, str]:
    reg = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            digest, name = parts
            reg[name.lstrip("*")] = digest.lower()
    return reg


def sha256_of(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _base_url() -> str:
    return os.environ.get("ECGKIT_PHYSIONET_URL", PHYSIONET_URL).rstrip("/")


def _fetch(url: str, target: Path, digest: str | None) -> None:
    """Download ``url`` to ``target`` (via pooch, hash-checked), never overwriting."""
    import pooch

    if target.exists():
        if digest is None or sha256_of(target) == digest:
            return  # already complete: this is what makes an interrupted download resume
        raise ChecksumError(
            f"{target} exists but its SHA-256 does not match PhysioNet's. It was not "
            "overwritten; move it away and run the download again to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    pooch.get_logger().setLevel("WARNING")  # one overall progress bar, not a line per file
    try:
        pooch.retrieve(url, known_hash=f"sha256:{digest}" if digest else None,
                       fname=target.name, path=target.parent, progressbar=False)
    except ValueError as err:  # pooch's hash mismatch; it deletes the bad download
        raise ChecksumError(f"{url}: downloaded file failed its SHA-256 check ({err})") from err
    except Exception as err:  # requests' connection and HTTP errors
        raise DownloadError(f"could not download {url}: {err}. Without internet, "
                            "set ECGKIT_DATA to a folder that already holds the data.") from err


def download(dataset: str = "sample", dest=None, records=None, progress: bool = True) -> Path:
    """Download data from PhysioNet into ``dest`` (default :func:`data_root`).

    ``dataset``: ``"sample"`` (PTB-XL 1.0.1 metadata + records 1-500 at 100 Hz, and
    MIT-BIH), ``"ptb-xl-sample"``, ``"ptb-xl"`` (full PTB-XL 1.0.3, metadata and
    ``records100``: ~21,800 records, ~1 GB) or ``"mitdb"``. ``records`` optionally limits
    the record files to those whose path contains one of the given strings.

    Every file is checked against PhysioNet's SHA-256; files already present and correct
    are skipped, so running it again resumes an interrupted download. A present file with
    a wrong checksum raises :class:`ChecksumError` and is left untouched.
    """
    from tqdm.auto import tqdm

    if dataset == "sample":
        download("ptb-xl-sample", dest, records, progress)
        return download("mitdb", dest, records, progress)
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose 'sample' or one of {list(DATASETS)}")
    project, folder, registry_file = DATASETS[dataset]
    root = Path(dest).expanduser() if dest is not None else data_root()
    target_dir = root / folder
    base = f"{_base_url()}/{project}"
    if registry_file is not None:
        registry = _read_registry((_REGISTRY_DIR / registry_file).read_text())
    else:  # full PTB-XL: PhysioNet's own checksum list, fetched first
        sums = target_dir / "SHA256SUMS.txt"
        _fetch(f"{base}/SHA256SUMS.txt", sums, None)
        registry = {name: d for name, d in _read_registry(sums.read_text()).items()
                    if name.startswith("records100/") or "/" not in name}
    if records is not None:
        wanted = [str(r) for r in records]
        registry = {n: d for n, d in registry.items()
                    if "/" not in n and not n[:1].isdigit() or any(w in n for w in wanted)}
    names = sorted(registry)
    for name in tqdm(names, desc=f"{dataset} from PhysioNet", unit="file",
                     disable=not progress):
        _fetch(f"{base}/{name}", target_dir / name, registry[name])
    return target_dir


def ensure_data(dataset: str = "sample") -> Path:
    """Return :func:`data_root` if it already holds ``dataset``; download it otherwise.

    This is what a chapter's setup cell calls: on a machine with ``ECGKIT_DATA`` set (CI,
    a lab) nothing is downloaded; on Colab the sample comes from PhysioNet once.
    """
    root = data_root()
    try:
        if dataset in ("sample", "ptb-xl-sample", "ptb-xl"):
            ptbxl_path(root)
        if dataset in ("sample", "mitdb"):
            mitbih_path(root)
        return root
    except DataNotFoundError:
        print(f"Data not found under {root}; downloading '{dataset}' from PhysioNet ...")
        download(dataset, root)
        return root


def _main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ecgkit.data",
                                     description="Find, download and describe the course data.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    dl = sub.add_parser("download", help="download from PhysioNet (checksummed, resumable)")
    dl.add_argument("dataset", choices=["sample", *DATASETS])
    dl.add_argument("--dest", default=None, help="target folder (default: $ECGKIT_DATA or cache)")
    sub.add_parser("ensure", help="download the sample only if it is not already there")
    sub.add_parser("info", help="say where the data is and how much of it is present")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "download":
            print(download(args.dataset, args.dest))
        elif args.cmd == "ensure":
            print(f"data ready in {ensure_data('sample')}")
        else:
            db = load_ptbxl_metadata()
            n = len(available_ptbxl_records(db, 100))
            print(f"data root: {data_root()}\nPTB-XL {db.attrs['version']}: {len(db)} ECGs in "
                  f"the metadata, {n} with 100 Hz waveforms\nMIT-BIH: {mitbih_path()}")
    except (DataNotFoundError, DownloadError, ChecksumError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
