"""Heartbeats of the MIT-BIH Arrhythmia Database: windows, RR features, splits, detection.

A *beat table* holds one row per annotated beat of the chosen records: a window of the
filtered MLII lead around the R peak, the AAMI class (N, S, V, F, Q), the record it
comes from and RR-interval features. It is built once per (records, :class:`BeatSpec`)
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

from . import data as _data

__all__ = [
    "BeatSpec", "BeatTable", "RR_FEATURES", "BEAT_RECORDS", "record_beats",
    "rr_features", "build_beat_table", "load_beat_table", "normalize_beats",
    "inter_patient_split", "intra_patient_split", "split_beats", "beat_features",
    "record_median_beats", "pack_beats", "model_inputs", "decide_beats", "check_s_threshold",
    "adjust_for_prior",
    "aami_summary",
    "detect_r_peaks", "evaluate_detector",
]

# Every non-paced record: the 44 of DS1 + DS2.
BEAT_RECORDS = tuple(r for r in _data.MITBIH_RECORDS if r not in _data.PACED_RECORDS)
RR_FEATURES = ("pre_rr", "post_rr", "local_rr", "pre_over_local", "post_over_pre")
RR_ABS_FEATURES = ("pre_rr_s", "post_rr_s", "local_rr_s")
LOCAL_BEATS = 10  # beats averaged for the local RR (about 10 s at 60 bpm)
_TABLE_VERSION = 1  # bump when the table's content changes, to retire old caches


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
        if not (isinstance(self.fs, (int, np.integer)) and 20 <= self.fs <= _data.MITBIH_FS):
            raise ValueError(f"fs must be an integer rate in Hz between 20 and "
                             f"{_data.MITBIH_FS}, got {self.fs!r}")
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
        return {c: int((self.labels == c).sum()) for c in _data.AAMI_CLASSES}

    def y(self) -> np.ndarray:
        """Integer labels (n,) int64: index in ``data.AAMI_CLASSES`` (N=0 ... Q=4)."""
        lookup = {c: i for i, c in enumerate(_data.AAMI_CLASSES)}
        return np.array([lookup[c] for c in self.labels], dtype=np.int64)

    def of_records(self, records) -> "BeatTable":
        """The beats of the given records."""
        return self[np.isin(self.records, [str(r) for r in records])]

    def __repr__(self) -> str:
        n_rec = len(np.unique(self.records))
        return (f"BeatTable({len(self)} beats from {n_rec} records, window "
                f"{self.spec.length} samples at {self.spec.fs} Hz, {self.class_counts()})")


# --------------------------------------------------------------------------- one record
def rr_features(r_peaks, fs: float, local_beats: int = LOCAL_BEATS
                ) -> tuple[np.ndarray, np.ndarray]:
    """RR-interval features of every beat of one record.

    Parameters
    ----------
    r_peaks : (n,) increasing sample indices of *all* beats of the record (n >= 3).
    fs : sampling rate of ``r_peaks`` in Hz.
    local_beats : the local RR is the mean pre-RR of this many beats up to and
        including the current one (causal: usable while recording).

    Returns
    -------
    rr : float32 (n, 5), in :data:`RR_FEATURES` order: pre-RR, post-RR and local RR
        divided by the record's mean RR, then pre-RR / local RR (how premature the
        beat is) and post-RR / pre-RR (the compensatory pause after an ectopic beat).
        Dividing by the patient's own mean is what lets RR features generalise from
        one patient to another: a "short" interval means something different at 50 and
        at 120 beats per minute.
    rr_abs : float32 (n, 3), pre-RR, post-RR and local RR in seconds.

    The first beat has no pre-RR and the last no post-RR; they take their neighbour's.
    """
    r_peaks = np.asarray(r_peaks, dtype=np.int64)
    if r_peaks.ndim != 1 or len(r_peaks) < 3:
        raise ValueError(f"need a 1-d array of at least 3 R peaks, got shape {r_peaks.shape}")
    diffs = np.diff(r_peaks)
    if (diffs <= 0).any():
        raise ValueError("r_peaks must be strictly increasing sample indices")
    rr = diffs / float(fs)
    pre = np.concatenate([[rr[0]], rr])
    post = np.concatenate([rr, [rr[-1]]])
    # Causal moving average of the pre-RR over up to local_beats beats.
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    idx = np.arange(len(pre))
    start = np.maximum(0, idx + 1 - local_beats)
    local = (csum[idx + 1] - csum[start]) / (idx + 1 - start)
    mean_rr = rr.mean()
    out = np.stack([pre / mean_rr, post / mean_rr, local / mean_rr, pre / local,
                    post / pre], axis=1)
    return out.astype(np.float32), np.stack([pre, post, local], axis=1).astype(np.float32)


def record_beats(record: str, spec: BeatSpec = BeatSpec(), path=None) -> BeatTable:
    """Cut the annotated beats of one MIT-BIH record into a :class:`BeatTable`.

    The lead ``spec.lead`` is filtered at 360 Hz, resampled to ``spec.fs``, and a
    window is cut around every reference beat annotation (non-beat marks such as
    rhythm changes are not beats and are skipped). Beats whose window runs off either
    end of the record are dropped; RR features are computed on all beats first.
    """
    from . import signal as _signal

    rec = _data.load_mitbih_record(record, path)
    lead = rec.lead(spec.lead)
    if spec.band_hz is not None:
        lead = _signal.bandpass(lead, rec.fs, *spec.band_hz)
    lead = _signal.resample(lead, rec.fs, spec.fs)
    samples, labels = rec.beats()
    rr, rr_abs = rr_features(samples, rec.fs)
    peaks = np.round(samples * (spec.fs / rec.fs)).astype(np.int64)
    windows, kept = _data.beat_windows(lead, peaks, spec.before, spec.after)
    return BeatTable(windows, labels[kept], np.full(int(kept.sum()), rec.name, dtype="<U3"),
                     samples[kept], rr[kept], rr_abs[kept], spec)


def _concat(tables: list[BeatTable], spec: BeatSpec) -> BeatTable:
    return BeatTable(*(np.concatenate([getattr(t, f) for t in tables])
                       for f in ("windows", "labels", "records", "samples", "rr", "rr_abs")),
                     spec=spec)


# --------------------------------------------------------------------------- table + cache
def _table_file(records: tuple, spec: BeatSpec) -> Path:
    folder = _data.mitbih_path()
    text = f"{_TABLE_VERSION}|{folder.resolve()}|{','.join(records)}|{spec.key()}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return _data.cache_dir() / f"mitbih_beats_{spec.key()}_{len(records)}rec_{digest}.npz"


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
    paced = sorted(set(records) & set(_data.PACED_RECORDS))
    if paced:
        raise ValueError(f"records {paced} are paced; the AAMI protocol excludes them")
    unknown = sorted(set(records) - set(_data.MITBIH_RECORDS))
    if unknown:
        raise ValueError(f"{unknown} are not MIT-BIH Arrhythmia records")
    target = _table_file(records, spec)
    if cache and target.is_file():
        with np.load(target) as z:
            return BeatTable(z["windows"], z["labels"], z["records"], z["samples"],
                             z["rr"], z["rr_abs"], spec)
    from tqdm.auto import tqdm

    tables = [record_beats(r, spec) for r in tqdm(records, desc="cutting beats",
                                                   unit="rec", disable=not progress)]
    table = _concat(tables, spec)
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **{f: getattr(table, f) for f in
                         ("windows", "labels", "records", "samples", "rr", "rr_abs")},
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
        records = tuple(sorted(_data.DS1[:k] + _data.DS2[:k]))
    return build_beat_table(records, spec, cache=cache)


# --------------------------------------------------------------------------- normalisation
def normalize_beats(windows, method: str = "zscore", eps: float = 1e-6) -> np.ndarray:
    """Normalise each beat window on its own.

    Parameters
    ----------
    windows : (n, L) beats in mV.
    method : ``"zscore"`` (subtract the window's mean, divide by its standard
        deviation: shape only, amplitude dropped), ``"center"`` (subtract the mean only;
        mV kept), or ``"none"``.

    Returns
    -------
    float32 (n, L).
    """
    w = np.asarray(windows, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"windows must be (n_beats, L), got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError("windows contain NaN or inf")
    if method == "none":
        return w.copy()
    centred = w - w.mean(axis=1, keepdims=True)
    if method == "center":
        return centred
    if method == "zscore":
        return centred / (w.std(axis=1, keepdims=True) + eps)
    raise ValueError(f"unknown normalisation {method!r}; use 'zscore', 'center' or 'none'")


# --------------------------------------------------------------------------- splits
def inter_patient_split(table: BeatTable) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of the de Chazal split: DS1 beats train, DS2 beats test.

    Raises ``ValueError`` if a record were on both sides (it cannot be, by
    construction; the check guards against edits of DS1/DS2) or if a side is empty.
    """
    ds1, ds2 = set(_data.DS1), set(_data.DS2)
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
    from sklearn.model_selection import train_test_split

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


def record_median_beats(windows, records) -> np.ndarray:
    """Each beat's record median beat: the sample-wise median of all windows of its record.

    Parameters
    ----------
    windows : (n, L) beats (normalised or not).
    records : (n,) record name of each beat.

    Returns
    -------
    float32 (n, L): row i is the median beat of ``records[i]``.

    In most records the median beat is the patient's normal beat (even record 232,
    where S beats are the majority, has S beats of normal shape). Given next to a beat,
    it lets a model ask "how does this beat differ from this patient's usual one?", a
    question that transfers between patients better than "what does this beat look
    like?". It uses no labels, only the record's own signal, like the mean RR.
    """
    w = np.asarray(windows, dtype=np.float32)
    records = np.asarray(records)
    if w.ndim != 2 or records.shape != (len(w),):
        raise ValueError(f"windows must be (n, L) and records (n,), got {w.shape} and "
                         f"{records.shape}")
    out = np.empty_like(w)
    for r in np.unique(records):
        m = records == r
        out[m] = np.median(w[m], axis=0)
    return out


def pack_beats(windows, rr=None, extra_channels=None) -> np.ndarray:
    """Build the input array of :class:`ecgkit.models.cnnlstm.CNNLSTM`.

    Parameters
    ----------
    windows : (N, L) normalised beats.
    rr : (N, n_rr) RR features, or None.
    extra_channels : (N, k, L) further per-beat channels (e.g. the record's median beat),
        or None.

    Returns
    -------
    float32 (N, 1 + k, L + n_rr): channel 0 is the beat; with RR features, the last
    ``n_rr`` time steps of channel 0 hold them (0 in the other channels). One array,
    because :func:`ecgkit.train.fit` feeds a model one tensor.
    """
    w = np.asarray(windows, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"windows must be (N, L), got shape {w.shape}")
    x = w[:, None, :]
    if extra_channels is not None:
        extra = np.asarray(extra_channels, dtype=np.float32)
        if extra.ndim != 3 or extra.shape[0] != len(w) or extra.shape[2] != w.shape[1]:
            raise ValueError(f"extra_channels must be (N={len(w)}, k, L={w.shape[1]}), "
                             f"got {extra.shape}")
        x = np.concatenate([x, extra], axis=1)
    if rr is not None:
        rr = np.asarray(rr, dtype=np.float32)
        if rr.ndim != 2 or len(rr) != len(w):
            raise ValueError(f"rr must be (N={len(w)}, n_rr), got shape {rr.shape}")
        tail = np.zeros((len(w), x.shape[1], rr.shape[1]), dtype=np.float32)
        tail[:, 0, :] = rr
        x = np.concatenate([x, tail], axis=2)
    if not np.isfinite(x).all():
        raise ValueError("inputs contain NaN or inf")
    return np.ascontiguousarray(x)


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


def decide_beats(probs, s_threshold: float | None = None) -> np.ndarray:
    """AAMI class of each beat from class probabilities, with an optional S threshold.

    Parameters
    ----------
    probs : (n, 5) probabilities of N, S, V, F, Q (rows sum to 1).
    s_threshold : None takes the most probable class. A number t in (0, 1) also calls S
        every beat whose most probable class is N but whose S probability exceeds t;
        beats called V, F or Q stay as they are.

    Returns
    -------
    int64 (n,) class indices into ``data.AAMI_CLASSES``.

    Why: on new patients, an S beat that looks like the patient's normal beat gets a
    small S probability (say 0.05) but still a larger one than the normal beats around
    it. Calling S above a low threshold trades +P for sensitivity. The threshold must be
    chosen on training patients (:func:`ecgkit.bench_mitbih.choose_s_threshold`), never
    on the test side.
    """
    probs = np.asarray(probs)
    n_classes = len(_data.AAMI_CLASSES)
    if probs.ndim != 2 or probs.shape[1] != n_classes:
        raise ValueError(f"probs must be (n, {n_classes}), got shape {probs.shape}")
    if not np.isfinite(probs).all():
        raise ValueError("probs contain NaN or inf")
    s_threshold = check_s_threshold(s_threshold)
    pred = probs.argmax(axis=1)
    if s_threshold is not None:
        pred[(pred == 0) & (probs[:, 1] > s_threshold)] = 1
    return pred


def adjust_for_prior(probs, prior_ratio, weight: float) -> np.ndarray:
    """Probabilities moved from the class mix a model was trained on towards another one.

    Parameters
    ----------
    probs : (n, 5) probabilities of N, S, V, F, Q (rows sum to 1).
    prior_ratio : (5,) how much more frequent each class is where the model is used than
        in the mix its training loss saw (:func:`ecgkit.bench_mitbih.prior_ratio`;
        only ratios between classes matter). 0 for a class the training side lacks.
    weight : 0 leaves ``probs`` as they are; 1 is Bayes' rule,
        ``p(c | x) * ratio_c`` renormalised; values between correct part of the way.

    Returns
    -------
    float (n, 5), rows summing to 1.

    Why: a model trained with balanced sampling and class weights learns class scores for
    a world where S beats are as common as N beats, and calls too many beats S, V or F
    where N is 90 % of the beats. Correcting is right only when the new beats have the
    training side's class mix (a random split of the same patients); a new patient's mix
    is unknown (record 232 is mostly S beats).
    """
    probs = np.asarray(probs, dtype=np.float64)
    ratio = np.asarray(prior_ratio, dtype=np.float64)
    if probs.ndim != 2 or ratio.shape != (probs.shape[1],):
        raise ValueError(f"probs (n, C) and prior_ratio (C,) do not match: {probs.shape}, "
                         f"{ratio.shape}")
    if not (np.isfinite(probs).all() and np.isfinite(ratio).all()):
        raise ValueError("probs or prior_ratio contain NaN or inf")
    if (ratio < 0).any() or not (ratio > 0).any():
        raise ValueError(f"prior_ratio must be >= 0 with one class > 0, got {ratio}")
    if isinstance(weight, bool) or not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight!r}")
    if weight == 0:
        return probs
    adjusted = probs * ratio ** weight
    total = adjusted.sum(axis=1, keepdims=True)
    # a beat whose every probable class is absent from training keeps its probabilities
    return np.where(total > 0, adjusted / np.where(total > 0, total, 1), probs)


def check_s_threshold(s_threshold) -> float | None:
    """``s_threshold`` as a float in (0, 1), or None; ValueError naming it otherwise."""
    if s_threshold is None:
        return None
    if (isinstance(s_threshold, bool) or not isinstance(s_threshold, (int, float, np.floating))
            or not 0 < s_threshold < 1):
        raise ValueError(f"s_threshold must be a number in (0, 1) or None, got {s_threshold!r}")
    return float(s_threshold)


def aami_summary(y_true, y_pred, records=None) -> dict:
    """The AAMI report of a beat classifier, as plain Python values (JSON-ready).

    Parameters
    ----------
    y_true, y_pred : (n,) int class indices into ``data.AAMI_CLASSES`` (N=0 ... Q=4).
    records : (n,) record of each beat, optional; adds S sensitivity without record
        232 (which holds about 75 % of DS2's S beats).

    Returns
    -------
    dict: ``accuracy``; ``per_class`` {class: sensitivity, ppv (+P), f1, support};
    ``macro_f1_nsvf`` (mean F1 over N, S, V, F; F and Q are too rare to judge alone,
    and Q is left out as the AAMI recommends for rare classes); ``confusion_matrix``
    (rows true, columns predicted, N S V F Q); ``s_sensitivity_without_232``. A ratio
    with a zero denominator is None (undefined), never 0.
    """
    from . import metrics

    classes = list(_data.AAMI_CLASSES)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    report = metrics.single_label_report(y_true, y_pred, classes)
    cm = metrics.confusion_matrix(y_true, y_pred, len(classes))
    clean = lambda v: None if v is None or not np.isfinite(v) else float(v)  # noqa: E731
    per_class = {c: {"sensitivity": clean(report.loc[c, "sensitivity"]),
                     "ppv": clean(report.loc[c, "ppv"]), "f1": clean(report.loc[c, "f1"]),
                     "support": int(report.loc[c, "support"])} for c in classes}
    f1 = report.loc[["N", "S", "V", "F"], "f1"]  # NaN only for a class absent and unpredicted
    out = {"accuracy": float(report.attrs["accuracy"]), "per_class": per_class,
           "macro_f1_nsvf": clean(f1.mean(skipna=True)), "confusion_matrix": cm.tolist(),
           "classes": classes}
    if records is not None:
        records = np.asarray(records)
        if records.shape != y_true.shape:
            raise ValueError(f"records {records.shape} and labels {y_true.shape} differ")
        s = (y_true == 1) & (records != "232")
        out["s_sensitivity_without_232"] = clean(((y_pred == 1) & s).sum() / s.sum()
                                                 if s.any() else np.nan)
    return out


# --------------------------------------------------------------------------- detection
def detect_r_peaks(signal, fs: float, refine: bool = True) -> np.ndarray:
    """R peaks of a single-lead ECG with wfdb's XQRS detector.

    Parameters
    ----------
    signal : (T,) one lead in mV (MLII for MIT-BIH), at least 10 s.
    fs : sampling rate in Hz.
    refine : move each detection to the largest absolute deflection within 50 ms
        (XQRS marks the QRS, not always its peak; annotations sit on the peak).

    Returns
    -------
    int64 (n,), increasing sample indices.
    """
    import wfdb.processing as wp

    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"signal must be one lead (T,), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("signal contains NaN or inf")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    if len(x) < 10 * fs:
        raise ValueError(f"signal has {len(x)} samples = {len(x) / fs:.1f} s; XQRS needs "
                         "at least 10 s to learn its thresholds")
    xqrs = wp.XQRS(sig=x, fs=fs)
    xqrs.detect(verbose=False)
    peaks = np.asarray(xqrs.qrs_inds, dtype=np.int64)
    if refine and len(peaks):
        radius = int(round(0.05 * fs))
        peaks = np.asarray(wp.correct_peaks(x, peaks, search_radius=radius,
                                            smooth_window_size=max(3, radius),
                                            peak_dir="compare"), dtype=np.int64)
        peaks = np.unique(peaks[peaks >= 0])
    return peaks


def evaluate_detector(reference, detected, fs: float, tolerance_s: float = 0.15
                      ) -> dict[str, float]:
    """Beat-by-beat comparison of detected R peaks with reference annotations.

    A detection within ``tolerance_s`` (150 ms, ANSI/AAMI EC57) of a reference beat is a
    true positive (each matched at most once, by wfdb's comparator).

    Parameters
    ----------
    reference, detected : (n,), (m,) sample indices at ``fs`` Hz.

    Returns
    -------
    dict with ``tp``, ``fp``, ``fn`` (counts), ``sensitivity`` = tp / (tp + fn) and
    ``ppv`` (positive predictive value, +P) = tp / (tp + fp).
    """
    import wfdb.processing as wp

    ref = np.sort(np.asarray(reference, dtype=np.int64))
    det = np.sort(np.asarray(detected, dtype=np.int64))
    if ref.ndim != 1 or det.ndim != 1:
        raise ValueError("reference and detected must be 1-d arrays of sample indices")
    if len(ref) == 0:
        raise ValueError("no reference beats to compare with")
    if tolerance_s <= 0:
        raise ValueError(f"tolerance_s must be positive, got {tolerance_s}")
    if len(det) == 0:
        return {"tp": 0, "fp": 0, "fn": len(ref), "sensitivity": 0.0, "ppv": float("nan")}
    comp = wp.compare_annotations(ref, det, int(round(tolerance_s * fs)))
    tp, fp, fn = int(comp.tp), int(comp.fp), int(comp.fn)
    return {"tp": tp, "fp": fp, "fn": fn, "sensitivity": tp / (tp + fn),
            "ppv": tp / (tp + fp) if tp + fp else float("nan")}
