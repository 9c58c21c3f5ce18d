"""The MIT-BIH beat table: every annotated beat of chosen records, cached; its splits and features.

A *beat table* holds one row per annotated beat of the chosen records: a window of the
filtered MLII lead around the R peak, the AAMI class (N, S, V, F, Q), the record it
comes from and RR-interval features. It is built once per (records, :class:`BeatSpec`: how beats are cut)
and cached as ``.npz`` in :func:`ecgkit.data.cache_dir`.

Two ways to split it:

``inter`` (inter-patient, de Chazal et al. 2004)
    train on the beats of DS1, test on those of DS2: no patient is on both sides. This
    is how a classifier meets a new patient.
``intra`` (intra-patient)
    a random, class-stratified split of all beats: every patient is on both sides, so
    the model is tested on beats of people whose other beats it learnt. Document 004
    (and most "99 % accuracy" papers) report this one.

Paced records (102, 104, 107, 217) are excluded from both, as the AAMI recommends.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
import wfdb.processing as wp
from tqdm.auto import tqdm

from ecgkit.data.mitbih import (AAMI_CLASSES, DS1, DS2, MITBIH_FS, MITBIH_RECORDS, PACED_RECORDS,
                                load_mitbih_record)
from ecgkit.data.store import cache_dir, mitbih_path
from ecgkit.signal.beats import (RR_ABS_FEATURES, RR_FEATURES, beat_windows, detect_r_peaks,
                                 normalize_beats, pack_beats, record_median_beats,
                                 rr_features)
from ecgkit.signal.filters import bandpass, resample

__all__ = [
    "BEAT_RECORDS", "BeatSpec", "BeatTable", "record_beats", "build_beat_table", "load_beat_table",
    "inter_patient_split", "intra_patient_split", "split_beats", "beat_features",
    "model_inputs", "detected_beats", "NO_BEAT", "cut_beats",
]

# Every non-paced record: the 44 of DS1 + DS2.
BEAT_RECORDS = tuple(r for r in MITBIH_RECORDS if r not in PACED_RECORDS)
_TABLE_VERSION = 1  # bump when the table's content changes, to retire old caches
_ARRAYS = ("windows", "labels", "records", "samples", "rr", "rr_abs")  # cached per table


@dataclass(frozen=True)
class BeatSpec:
    """How beats are cut: sampling rate, window and filter.

    Attributes
    ----------
    fs : int
        Sampling rate of the windows in Hz. The 360 Hz records are band-pass filtered
        at 360 Hz, then resampled. Default 120 Hz: a third of 360 Hz and close to the
        125 Hz of document 004; the 40 Hz low-pass leaves nothing near the new 60 Hz
        Nyquist frequency to alias, a QRS (80-100 ms) still spans 10-12 samples, and the
        network does a third of the work it would at 360 Hz.
    before_s, after_s : float
        Seconds kept before and after the R peak. The defaults (0.25 s, 0.45 s) span
        the P wave (which starts up to ~0.25 s before R at a normal PR interval), the
        QRS and the T wave (over by ~0.4 s at normal rates) and little of the
        neighbouring beats: 0.7 s, 84 samples at 120 Hz.
    lead : str
        Lead picked by name; MLII is channel 0 except in record 114 (channel 1).
    band_hz : (low, high) or None
        Zero-phase Butterworth band-pass (:func:`ecgkit.signal.bandpass`) in Hz;
        None keeps the raw signal (baseline wander and all).
    """

    fs: int = 120
    before_s: float = 0.25
    after_s: float = 0.45
    lead: str = "MLII"
    band_hz: tuple | None = (0.5, 40.0)

    def __post_init__(self):
        if not (isinstance(self.fs, (int, np.integer)) and 20 <= self.fs <= MITBIH_FS):
            raise ValueError(f"fs must be an integer rate in Hz between 20 and "
                             f"{MITBIH_FS}, got {self.fs!r}")
        if self.before_s < 0 or self.after_s <= 0:
            raise ValueError(f"before_s must be >= 0 and after_s > 0 (seconds), got "
                             f"{self.before_s}, {self.after_s}")
        if self.band_hz is not None:
            low, high = self.band_hz
            if not 0 < low < high < self.fs / 2:
                raise ValueError(f"band_hz = {self.band_hz}: need 0 < low < high < fs/2 "
                                 f"= {self.fs / 2} Hz so that resampling does not alias")
            object.__setattr__(self, "band_hz", (float(low), float(high)))

    @property
    def before(self) -> int:
        """Samples before the R peak at ``fs``."""
        return int(round(self.before_s * self.fs))

    @property
    def after(self) -> int:
        """Samples after (and including) the R peak at ``fs``."""
        return int(round(self.after_s * self.fs))

    @property
    def length(self) -> int:
        """Window length in samples."""
        return self.before + self.after

    def key(self) -> str:
        """Short text identifying this spec in cache file names."""
        band = "raw" if self.band_hz is None else f"bp{self.band_hz[0]:g}-{self.band_hz[1]:g}"
        return f"{self.lead}_{self.fs}hz_{self.before_s:g}-{self.after_s:g}s_{band}"


# --------------------------------------------------------------------------- one record


@dataclass
class BeatTable:
    """Beats of some MIT-BIH records, one row each.

    Attributes
    ----------
    windows : float32 (n, L), filtered lead in mV around each R peak (not normalised;
        see :func:`normalize_beats`), L = ``spec.length`` samples at ``spec.fs`` Hz,
        R peak at index ``spec.before``.
    labels : str (n,), AAMI class of each beat (one of ``data.AAMI_CLASSES``).
    records : str (n,), record name of each beat.
    samples : int64 (n,), R-peak sample index in the 360 Hz record.
    rr : float32 (n, 5), RR features divided by the record's mean RR (see
        :data:`RR_FEATURES` and :func:`rr_features`); unitless.
    rr_abs : float32 (n, 3), pre, post and local RR in seconds (not normalised).
    spec : the :class:`BeatSpec` used.
    """

    windows: np.ndarray
    labels: np.ndarray
    records: np.ndarray
    samples: np.ndarray
    rr: np.ndarray
    rr_abs: np.ndarray
    spec: BeatSpec = field(default_factory=BeatSpec)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index) -> "BeatTable":
        """Rows selected by a boolean mask or an index array, as a new table."""
        return BeatTable(self.windows[index], self.labels[index], self.records[index],
                         self.samples[index], self.rr[index], self.rr_abs[index], self.spec)

    def class_counts(self) -> dict[str, int]:
        """Beats per AAMI class, in ``data.AAMI_CLASSES`` order."""
        return {c: int((self.labels == c).sum()) for c in AAMI_CLASSES}

    def y(self) -> np.ndarray:
        """Integer labels (n,) int64: index in ``data.AAMI_CLASSES`` (N=0 ... Q=4)."""
        lookup = {c: i for i, c in enumerate(AAMI_CLASSES)}
        return np.array([lookup[c] for c in self.labels], dtype=np.int64)

    def of_records(self, records) -> "BeatTable":
        """The beats of the given records."""
        return self[np.isin(self.records, [str(r) for r in records])]

    def __repr__(self) -> str:
        n_rec = len(np.unique(self.records))
        return (f"BeatTable({len(self)} beats from {n_rec} records, window "
                f"{self.spec.length} samples at {self.spec.fs} Hz, {self.class_counts()})")


# --------------------------------------------------------------------------- one record
def cut_beats(rec, samples, labels, spec: BeatSpec = BeatSpec(), lead: str | None = None
              ) -> tuple[BeatTable, np.ndarray]:
    """Cut a record's beats at ``samples`` into a :class:`BeatTable`.

    The lead (``lead``, default ``spec.lead``) of ``rec`` (a
    :class:`~ecgkit.data.mitbih.MitbihRecord`, at any rate ``rec.fs``) is band-passed at
    its own rate, resampled to ``spec.fs``, and a window is cut around every sample of
    ``samples`` (R peaks at ``rec.fs``); RR features come from all of ``samples``.
    Returns the table of the beats whose window fits and the mask of those beats.
    """
    signal = rec.lead(lead or spec.lead)
    if spec.band_hz is not None:
        signal = bandpass(signal, rec.fs, *spec.band_hz)
    signal = resample(signal, rec.fs, spec.fs)
    rr, rr_abs = rr_features(samples, rec.fs)
    peaks = np.round(samples * (spec.fs / rec.fs)).astype(np.int64)
    windows, kept = beat_windows(signal, peaks, spec.before, spec.after)
    table = BeatTable(windows, labels[kept], np.full(int(kept.sum()), str(rec.name)),
                      samples[kept], rr[kept], rr_abs[kept], spec)
    return table, kept


def record_beats(record: str, spec: BeatSpec = BeatSpec(), path=None) -> BeatTable:
    """Cut the annotated beats of one MIT-BIH record into a :class:`BeatTable`.

    The lead ``spec.lead`` is filtered at 360 Hz, resampled to ``spec.fs``, and a
    window is cut around every reference beat annotation (non-beat marks such as
    rhythm changes are not beats and are skipped). Beats whose window runs off either
    end of the record are dropped; RR features are computed on all beats first
    (:func:`cut_beats`).
    """
    rec = load_mitbih_record(record, path)
    samples, labels = rec.beats()
    return cut_beats(rec, samples, labels, spec)[0]


NO_BEAT = len(AAMI_CLASSES)  # the "class" of a false detection, or the call of a missed beat


def detected_beats(record: str, spec: BeatSpec = BeatSpec(), tolerance_s: float = 0.15,
                   path=None) -> tuple[BeatTable, np.ndarray, np.ndarray]:
    """Beats of one MIT-BIH record as the app finds them: at the R peaks of the XQRS
    detector (:func:`ecgkit.signal.beats.detect_r_peaks`), not at the reference
    annotations, with RR features from the detected peaks.

    Each detection within ``tolerance_s`` (150 ms, ANSI/AAMI EC57) of a reference beat
    takes that beat's class; a detection with no reference beat is a false detection.

    Returns
    -------
    (table, truth, missed): the :class:`BeatTable` of the detected beats whose window
    fits (``labels`` the matched class, ``"?"`` for a false detection, so do not call
    ``table.y()``); ``truth`` int64 (m,), the class index of each, :data:`NO_BEAT` for a
    false detection; ``missed`` int64, the class index of each reference beat that no
    detection matched.
    """
    rec = load_mitbih_record(record, path)
    raw = rec.lead(spec.lead)
    ref, ref_labels = rec.beats()
    found = detect_r_peaks(raw, rec.fs)
    match = wp.compare_annotations(ref, found, int(round(tolerance_s * rec.fs)))
    lookup = {c: i for i, c in enumerate(AAMI_CLASSES)}
    truth = np.full(len(found), NO_BEAT, dtype=np.int64)
    labels = np.full(len(found), "?", dtype="<U1")
    hit = match.matching_sample_nums >= 0
    truth[match.matching_sample_nums[hit]] = [lookup[c] for c in ref_labels[hit]]
    labels[match.matching_sample_nums[hit]] = ref_labels[hit]
    missed = np.array([lookup[c] for c in ref_labels[~hit]], dtype=np.int64)
    table, kept = cut_beats(rec, found, labels, spec)
    return table, truth[kept], missed


def _concat(tables: list[BeatTable], spec: BeatSpec) -> BeatTable:
    return BeatTable(*(np.concatenate([getattr(t, f) for t in tables]) for f in _ARRAYS),
                     spec=spec)


# --------------------------------------------------------------------------- table + cache
def _table_file(records: tuple, spec: BeatSpec) -> Path:
    folder = mitbih_path()
    text = f"{_TABLE_VERSION}|{folder.resolve()}|{','.join(records)}|{spec.key()}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return cache_dir() / f"mitbih_beats_{spec.key()}_{len(records)}rec_{digest}.npz"


def build_beat_table(records=BEAT_RECORDS, spec: BeatSpec = BeatSpec(), cache: bool = True,
                     progress: bool = False) -> BeatTable:
    """Beats of several records as one :class:`BeatTable` (cached on disk).

    Parameters
    ----------
    records : names of MIT-BIH records; default all 44 non-paced ones. A paced record
        raises ``ValueError`` (AAMI excludes them; their Q beats are pacemaker beats).
    spec : window, rate and filter.
    cache : read/write ``mitbih_beats_<spec>_<n>rec_<hash>.npz`` in
        :func:`ecgkit.data.cache_dir` (a few MB; building all 44 records takes ~10 s).
    progress : show a progress bar while building.
    """
    records = tuple(str(r) for r in records)
    if not records:
        raise ValueError("records is empty")
    paced = sorted(set(records) & set(PACED_RECORDS))
    if paced:
        raise ValueError(f"records {paced} are paced; the AAMI protocol excludes them")
    unknown = sorted(set(records) - set(MITBIH_RECORDS))
    if unknown:
        raise ValueError(f"{unknown} are not MIT-BIH Arrhythmia records")
    target = _table_file(records, spec)
    if cache and target.is_file():
        with np.load(target) as z:
            return BeatTable(*(z[f] for f in _ARRAYS), spec)
    tables = [record_beats(r, spec) for r in tqdm(records, desc="cutting beats",
                                                   unit="rec", disable=not progress)]
    table = _concat(tables, spec)
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **{f: getattr(table, f) for f in _ARRAYS},
                 spec=np.array(repr(asdict(spec))))
        os.replace(tmp, target)  # atomic: a half-written cache is never read
    return table


def load_beat_table(max_records: int | None = None, spec: BeatSpec = BeatSpec(),
                    cache: bool = True) -> BeatTable:
    """The beat table a chapter or benchmark uses, sized by a profile's record cap.

    ``max_records=None`` gives all 44 non-paced records. A cap keeps the first
    ``max_records // 2`` (at least 1) records of DS1 and of DS2 each, so that both
    splits still have a train and a test side.
    """
    if max_records is None:
        records = BEAT_RECORDS
    else:
        if max_records < 2:
            raise ValueError(f"max_records must be >= 2 (one record per side), got {max_records}")
        k = max(1, max_records // 2)
        records = tuple(sorted(DS1[:k] + DS2[:k]))
    return build_beat_table(records, spec, cache=cache)


# --------------------------------------------------------------------------- splits
def inter_patient_split(table: BeatTable) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of the de Chazal split: DS1 beats train, DS2 beats test.

    Raises ``ValueError`` if a record were on both sides (it cannot be, by
    construction; the check guards against edits of DS1/DS2) or if a side is empty.
    """
    ds1, ds2 = set(DS1), set(DS2)
    both = ds1 & ds2
    if both:
        raise ValueError(f"records {sorted(both)} are in both DS1 and DS2")
    train = np.flatnonzero(np.isin(table.records, list(ds1)))
    test = np.flatnonzero(np.isin(table.records, list(ds2)))
    if set(table.records[train]) & set(table.records[test]):
        raise ValueError("a record is on both sides of the inter-patient split")
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"the table's records {sorted(set(table.records))} leave the "
                         "DS1 (train) or DS2 (test) side empty")
    return train, test


def intra_patient_split(table: BeatTable, test_size: float = 0.2, seed: int = 0
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of a random beat split, stratified by AAMI class.

    Every record contributes beats to both sides: this is the leaky protocol of
    document 004 and of Kachuee et al. (2018), kept here to show what it hides.
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    idx = np.arange(len(table))
    counts = np.unique(table.labels, return_counts=True)[1]
    # Stratify only when every class has 2+ beats (tiny smoke tables may not).
    stratify = table.labels if counts.min() >= 2 else None
    train, test = train_test_split(idx, test_size=test_size, random_state=seed,
                                   stratify=stratify)
    return np.sort(train), np.sort(test)


def split_beats(table: BeatTable, split: str, seed: int = 0, test_size: float = 0.2
                ) -> tuple[np.ndarray, np.ndarray]:
    """``"inter"`` -> :func:`inter_patient_split`, ``"intra"`` -> :func:`intra_patient_split`."""
    if split == "inter":
        return inter_patient_split(table)
    if split == "intra":
        return intra_patient_split(table, test_size, seed)
    raise ValueError(f"unknown split {split!r}; use 'inter' or 'intra'")


# --------------------------------------------------------------------------- features
def beat_features(table: BeatTable, n_points: int = 32, rr: str | None = "normalized",
                  normalize: str = "zscore", relative_to_median: bool = False
                  ) -> tuple[np.ndarray, list[str]]:
    """Flat features for a classical model: a downsampled beat plus RR features.

    Parameters
    ----------
    table : the beats.
    n_points : the normalised window is averaged down to this many points (1 <= n <= L).
    rr : ``"normalized"`` (RR features / the record's mean RR), ``"absolute"`` (seconds),
        or None (morphology only).
    normalize : per-beat normalisation, see :func:`normalize_beats`.
    relative_to_median : subtract the record's median normalised beat
        (:func:`record_median_beats`) before downsampling, so that the morphology
        columns say how the beat differs from this patient's usual beat (columns
        ``diff_i`` instead of ``beat_i``).

    Returns
    -------
    X : float32 (n_beats, n_points + n_rr), names : list of column names.
    """
    length = table.windows.shape[1]
    if not 1 <= n_points <= length:
        raise ValueError(f"n_points must be between 1 and the window length {length}")
    w = normalize_beats(table.windows, normalize)
    if relative_to_median:
        w = w - record_median_beats(w, table.records)
    edges = np.linspace(0, length, n_points + 1).round().astype(int)
    morph = np.stack([w[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    names = [f"{'diff' if relative_to_median else 'beat'}_{i}" for i in range(n_points)]
    parts = [morph]
    if rr == "normalized":
        parts.append(table.rr)
        names += list(RR_FEATURES)
    elif rr == "absolute":
        parts.append(table.rr_abs)
        names += list(RR_ABS_FEATURES)
    elif rr is not None:
        raise ValueError(f"rr must be 'normalized', 'absolute' or None, got {rr!r}")
    return np.concatenate(parts, axis=1).astype(np.float32), names


def model_inputs(table: BeatTable, normalize: str = "zscore", rr: bool = True,
                 median_beat: bool = True, relative_to_median: bool = False) -> np.ndarray:
    """Network inputs for a beat table: :func:`pack_beats` of its normalised windows.

    Returns float32 ``(n, 1 + median_beat, L + 5 * rr)``: channel 0 the beat normalised
    by :func:`normalize_beats` (minus its record's median normalised beat,
    :func:`record_median_beats`, if ``relative_to_median``: how this beat differs from
    the patient's usual one), channel 1 (if ``median_beat``) the record's median
    normalised beat, and (if ``rr``) the five :data:`RR_FEATURES` at the end of channel 0.
    """
    w = normalize_beats(table.windows, normalize)
    median = (record_median_beats(w, table.records) if median_beat or relative_to_median
              else None)
    beat = w - median if relative_to_median else w
    extra = median[:, None, :] if median_beat else None
    return pack_beats(beat, table.rr if rr else None, extra)
