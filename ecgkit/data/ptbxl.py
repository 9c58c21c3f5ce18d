"""PTB-XL: LEADS, tasks and labels, metadata, cached waveforms, splits and preprocessed splits.

Waveform arrays are cached (``ECGKIT_CACHE``, see :func:`ecgkit.data.cache_dir`) as one
``.npy`` file per (dataset, sampling rate) and memory-mapped on later loads.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb
from tqdm.auto import tqdm

from ecgkit.data.store import HOW_TO_GET, DataNotFoundError, cache_dir, ptbxl_path
from ecgkit.signal.standardize import BAND_HZ, fit_preprocessing, preprocess

__all__ = [
    "LEADS", "SUPERCLASSES", "PTBXL_TASKS", "PROTO_RHYTHM_LABELS", "PTBXL_RATES",
    "TRAIN_FOLDS", "VAL_FOLDS", "TEST_FOLDS", "PTBXL_V103_DROPPED", "PTBXL_N_ROWS",
    "normalise_lead_name", "load_ptbxl_metadata", "drop_v103_duplicates",
    "load_scp_statements", "ptbxl_labels", "label_cooccurrence", "ptbxl_split",
    "available_ptbxl_records", "read_ptbxl_record", "load_ptbxl_signals", "PTBXLTask",
    "load_ptbxl_task", "preprocessed_splits", "clean_report",
]

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


_UPPER_UMLAUT_WORD = re.compile(r"\S*[ÄÖÜÅ]\S*")


def _lower_umlauts(match: re.Match) -> str:
    word = match.group(0)
    if re.search("[A-Z]", word) or not re.search("[a-zäöüåß]", word):
        return word        # a capitalised word or an abbreviation: left as written
    return word.lower()


def clean_report(text):
    """A PTB-XL ``report`` with its German (and Swedish) letters repaired.

    ``ptbxl_database.csv`` itself (read correctly as UTF-8) writes umlauts in upper case
    inside lower-case words: the reports were lower-cased by a tool that knew only
    ASCII letters (``"unbestÄtigter"``, ``"mÖglich"``). Such words are lower-cased
    (``"unbestätigter"``, and a capitalised ``"Übergang"`` too, like the rest of the
    report); words with an ASCII capital (``"Edit: NORM"``) are kept.
    Text decoded twice (UTF-8 read as Latin-1: ``"Ã¤"`` for ``"ä"``) is decoded back.
    Clean text is returned unchanged, and so is a non-string (a missing report, NaN).

    >>> clean_report("sinusrhythmus unbestÄtigter bericht")
    'sinusrhythmus unbestätigter bericht'
    >>> clean_report("vorhofflimmern mÃ¶glich")
    'vorhofflimmern möglich'
    """
    if not isinstance(text, str):
        return text
    if "Ã" in text or "Â" in text:
        try:
            text = text.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass           # not double-decoded after all: keep it
    return _UPPER_UMLAUT_WORD.sub(_lower_umlauts, text)


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
def normalise_lead_name(name) -> str:
    """A lead name in the form names are compared in: no spaces, upper case (``"aVR "``,
    ``"AVR"`` and ``"a VR"`` all give ``"AVR"``)."""
    return str(name).strip().upper().replace(" ", "")


def read_ptbxl_record(record_path, rate: int = 100) -> np.ndarray:
    """Read one PTB-XL record (path without extension) as float32 (12, T) in mV.

    Leads are returned in :data:`LEADS` order. Raises ``FileNotFoundError`` for a missing
    file and ``ValueError`` for a truncated file, a wrong sampling rate or a missing lead.
    """
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
    names = [normalise_lead_name(n) for n in header.sig_name]
    missing = [lead for lead in LEADS if normalise_lead_name(lead) not in names]
    if missing:
        raise ValueError(f"{record_path}: missing lead(s) {missing}; found {header.sig_name}")
    signal, _ = wfdb.rdsamp(str(record_path))
    order = [names.index(normalise_lead_name(lead)) for lead in LEADS]
    out = signal[:, order].T.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{record_path}: {int((~np.isfinite(out)).sum())} samples are NaN/inf")
    return out


def _cache_key(folder: Path, ids: pd.Index, rate: int) -> str:
    h = hashlib.sha256(f"{folder.resolve()}|{rate}|{','.join(map(str, ids))}".encode())
    return h.hexdigest()[:16]


def _build_ptbxl_cache(db, ids, rate, folder, target: Path, progress: bool) -> None:
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
                                + HOW_TO_GET)
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


# --------------------------------------------------------------------------- preprocessing
def preprocessed_splits(task, leads=None, low: float = BAND_HZ[0],
                        high: float = BAND_HZ[1]) -> dict[str, np.ndarray]:
    """The course's preprocessing of a PTB-XL task, split by split, before any transform.

    :func:`ecgkit.signal.standardize.preprocess`: ``ecgkit.signal.bandpass``
    (``low``-``high`` Hz, zero phase), then one ``ecgkit.signal.LeadStandardizer`` fitted
    on the training split only (:func:`~ecgkit.signal.standardize.fit_preprocessing`) and
    applied to all three; then the chosen leads.

    Parameters
    ----------
    task : :class:`ecgkit.data.PTBXLTask` (``X_train``, ``X_val``, ``X_test`` raw mV,
        sampled at ``task.rate`` Hz).
    leads : None (all 12), or lead names in :data:`ecgkit.data.LEADS`, e.g. ``("II",)``.

    Returns
    -------
    dict ``{"train", "val", "test"}`` -> float32 ``(N, n_leads, T)``, unitless
    (standardised).
    """
    names = LEADS if leads is None else tuple(leads)
    unknown = [lead for lead in names if lead not in LEADS]
    if unknown:
        raise ValueError(f"unknown lead(s) {unknown}; choose from {LEADS}")
    idx = [LEADS.index(lead) for lead in names]
    scaler = fit_preprocessing(task.X_train, task.rate, low, high)
    return {split: preprocess(getattr(task, f"X_{split}"), scaler, task.rate, low, high)[:, idx]
            for split in ("train", "val", "test")}
