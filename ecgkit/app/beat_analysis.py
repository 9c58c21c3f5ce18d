"""What the app and the CLI do with a beat bundle: classify, explain and report heartbeats.

On a record, :func:`analyse_record` gives per-beat probabilities, :func:`explain_beat` an
attribution over one beat window, :func:`beat_report` a short deterministic text, and
:func:`plot_beat_strip` / :func:`plot_beat_explanation` the figures of the app.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from ecgkit import data, explain, metrics, plot
from ecgkit.app.beat_bundle import BeatBundle
from ecgkit.app.report import DISCLAIMER
from ecgkit.data import beat_table, io
from ecgkit.signal import filters
from ecgkit.signal.beats import RR_FEATURES, beat_windows, detect_r_peaks, rr_features

__all__ = ["BeatAnalysis", "BeatExplanation", "BeatReport", "MIN_DETECT_FS",
           "MIN_DETECT_SECONDS", "AAMI_NAMES", "AAMI_COLORS", "record_side",
           "beats_from_signal", "analyse_record", "explain_beat", "beat_occlusion",
           "beat_report", "plot_beat_strip", "plot_beat_explanation"]

MIN_DETECT_FS = 250.0   # Hz: below this XQRS R-peak detection is unreliable
MIN_DETECT_SECONDS = 10.0  # XQRS learns its thresholds on the first 10 s

AAMI_NAMES = {"N": "normal or bundle-branch-block beat",
              "S": "supraventricular ectopic beat",
              "V": "ventricular ectopic beat",
              "F": "fusion of ventricular and normal beat",
              "Q": "unclassifiable or paced beat"}
AAMI_COLORS = {"N": "#2ca02c", "S": "#1f77b4", "V": "#d62728", "F": "#9467bd",
               "Q": "#7f7f7f"}


def record_side(record: str | None) -> str | None:
    """``"DS1"`` (training patients), ``"DS2"`` (inter-patient test), ``"paced"`` or None
    for a name that is not a MIT-BIH record."""
    record = None if record is None else str(record)
    if record in data.DS1:
        return "DS1"
    if record in data.DS2:
        return "DS2"
    if record in data.PACED_RECORDS:
        return "paced"
    return None


# --------------------------------------------------------------------------- beats of a record
def _check_lead(lead, fs: float, detect: bool) -> tuple[np.ndarray, float]:
    """``(lead as float64 (T,), fs)``, or ``ValueError`` with the reason it cannot be used."""
    x = np.asarray(lead, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"expected one lead (T,), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("the signal contains NaN or inf; fill or cut the gaps first")
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"sampling rate must be a positive number of Hz, got {fs}")
    if detect:
        if fs < MIN_DETECT_FS:
            raise ValueError(
                f"sampling rate {fs:g} Hz is too low to find heartbeats reliably: R-peak "
                f"detection (XQRS) needs at least {MIN_DETECT_FS:g} Hz (MIT-BIH: 360 Hz); "
                "at 100 Hz it misses and misplaces beats")
        if len(x) < MIN_DETECT_SECONDS * fs:
            raise ValueError(f"{len(x) / fs:.1f} s of signal; finding heartbeats needs at "
                             f"least {MIN_DETECT_SECONDS:g} s")
    return x, fs


def beats_from_signal(lead, fs: float, spec, r_peaks=None, name: str = "upload"):
    """Cut beats of one lead as :func:`ecgkit.data.beat_table.record_beats` cuts a MIT-BIH
    record.

    Parameters
    ----------
    lead : (T,) one lead in mV at ``fs`` Hz (MLII-like), finite.
    fs : its sampling rate in Hz; with ``r_peaks=None`` at least :data:`MIN_DETECT_FS`.
    spec : the bundle's :class:`ecgkit.data.BeatSpec`.
    r_peaks : (n,) R-peak sample indices at ``fs``; None detects them with
        :func:`ecgkit.signal.beats.detect_r_peaks` (needs >= 10 s).
    name : record name written into the table (the median beat is per record).

    Returns
    -------
    :class:`ecgkit.data.beat_table.BeatTable`: windows float32 ``(m, spec.length)`` at
    ``spec.fs``, ``samples`` the R peaks (indices at ``fs``) of the m beats whose window
    fits, labels ``"?"`` (unknown). ``ValueError`` for NaN, a short signal, a low rate or
    < 3 beats.
    """
    x, fs = _check_lead(lead, fs, detect=r_peaks is None)
    if r_peaks is None:
        r_peaks = detect_r_peaks(x, fs)
    r_peaks = np.unique(np.asarray(r_peaks, dtype=np.int64))
    if len(r_peaks) < 3:
        raise ValueError(f"only {len(r_peaks)} heartbeat(s) found; at least 3 are needed "
                         "(RR intervals); is this an ECG lead in millivolts?")
    band_ok = spec.band_hz is None or spec.band_hz[1] < fs / 2
    if not band_ok:
        raise ValueError(f"sampling rate {fs:g} Hz is below twice the {spec.band_hz[1]:g} Hz "
                         "band edge of the beat model")
    filtered = x if spec.band_hz is None else filters.bandpass(x, fs, *spec.band_hz)
    filtered = filters.resample(filtered, fs, spec.fs) if fs != spec.fs else filtered
    rr, rr_abs = rr_features(r_peaks, fs)
    peaks = np.round(r_peaks * (spec.fs / fs)).astype(np.int64)
    windows, kept = beat_windows(filtered, peaks, spec.before, spec.after)
    if kept.sum() == 0:
        raise ValueError("no heartbeat has a full window inside the signal")
    n = int(kept.sum())
    return beat_table.BeatTable(windows, np.full(n, "?", dtype="<U1"), np.full(n, str(name)),
                                r_peaks[kept], rr[kept], rr_abs[kept], spec)


@dataclass
class BeatAnalysis:
    """Per-beat predictions on one record.

    Attributes
    ----------
    name : what was analysed (e.g. ``"MIT-BIH 100"``).
    fs : sampling rate (Hz) of ``samples``.
    samples : int64 ``(n,)`` R-peak indices in the analysed signal (for a MIT-BIH
        record: the whole record, 0 = its first sample).
    probs : float32 ``(n, 5)`` class probabilities (N, S, V, F, Q).
    predicted : str ``(n,)`` the most probable class.
    reference : str ``(n,)`` AAMI class of the reference annotation, or None.
    inputs : float32 ``(n, C, L + n_rr)`` the model inputs (for explanations).
    windows : float32 ``(n, L)`` the band-passed beat windows in mV at the bundle's rate.
    beat_source : ``"reference annotations"`` or ``"R peaks detected by XQRS"``.
    record : MIT-BIH record name, or None for an upload.
    side : :func:`record_side` of ``record``.
    duration_s : length of the analysed signal in seconds.
    notes : caveats, in words.
    """

    name: str
    fs: float
    samples: np.ndarray
    probs: np.ndarray
    predicted: np.ndarray
    reference: np.ndarray | None
    inputs: np.ndarray
    windows: np.ndarray
    beat_source: str
    record: str | None
    side: str | None
    duration_s: float
    notes: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.samples)

    def counts(self) -> pd.DataFrame:
        """DataFrame indexed by AAMI class: ``predicted`` beats (and, with reference
        annotations, ``reference`` beats and ``agree``: beats of that reference class
        predicted as it)."""
        classes = list(data.AAMI_CLASSES)
        out = {"predicted": [int((self.predicted == c).sum()) for c in classes]}
        if self.reference is not None:
            out["reference"] = [int((self.reference == c).sum()) for c in classes]
            out["agree"] = [int(((self.reference == c) & (self.predicted == c)).sum())
                            for c in classes]
        frame = pd.DataFrame(out, index=pd.Index(classes, name="class"))
        frame.insert(0, "meaning", [AAMI_NAMES[c] for c in classes])
        return frame

    def agreement(self) -> dict | None:
        """:func:`ecgkit.metrics.aami_summary` of the predictions against the reference
        annotations (None without them)."""
        if self.reference is None:
            return None
        lookup = {c: i for i, c in enumerate(data.AAMI_CLASSES)}
        return metrics.aami_summary(np.array([lookup[c] for c in self.reference]),
                                    np.array([lookup[c] for c in self.predicted]))

    def in_window(self, start_s: float, seconds: float) -> np.ndarray:
        """Indices of the beats whose R peak lies in ``[start_s, start_s + seconds)``."""
        lo, hi = start_s * self.fs, (start_s + seconds) * self.fs
        return np.flatnonzero((self.samples >= lo) & (self.samples < hi))


def _pick_lead(record) -> tuple[np.ndarray, str, list]:
    """The MLII-like lead of an uploaded record: II (MIT-BIH's MLII is read as II), else
    the first lead, with a note."""
    names = [str(n).upper() for n in record.leads]
    for want in ("MLII", "II"):
        if want in names:
            return record.signal[names.index(want)], record.leads[names.index(want)], []
    return record.signal[0], record.leads[0], [
        f"no lead II/MLII: used lead {record.leads[0]}; the model was trained on MLII, so "
        "its predictions on another lead are less reliable"]


_SIDE_NOTES = {
    "DS1": "Record {name} is in DS1, the side the model was trained on: these predictions "
           "are on a training patient and are not an honest test.",
    "DS2": "Record {name} is in DS2, never seen in training: these predictions are "
           "inter-patient (a new patient).",
    "paced": "Record {name} is paced; the AAMI protocol excludes paced records and the "
             "model never saw one: its predictions here mean little."}


def _analyse_mitbih(bundle: BeatBundle, name: str) -> BeatAnalysis:
    """A whole MIT-BIH record, cut at its reference beat annotations with
    :func:`ecgkit.data.beat_table.record_beats` (the code that made the training table,
    over the whole 30-min record, so that the mean RR and the median beat are the
    record's own)."""
    if name not in data.MITBIH_RECORDS:
        raise ValueError(f"{name!r} is not a MIT-BIH Arrhythmia record")
    table = beat_table.record_beats(name, bundle.spec)
    if len(table) < 1:
        raise ValueError(f"MIT-BIH {name}: no annotated beats")
    side = record_side(name)
    notes = [_SIDE_NOTES[side].format(name=name)] if side in _SIDE_NOTES else []
    X = bundle.inputs(table)
    probs = bundle.predict_proba(X)
    n_total = len(data.load_mitbih_record(name).signal)
    return BeatAnalysis(f"MIT-BIH {name}", float(data.MITBIH_FS), table.samples,
                        probs, np.array(bundle.classes)[probs.argmax(1)],
                        np.asarray(table.labels), X, table.windows,
                        "reference annotations", name, side,
                        n_total / data.MITBIH_FS, notes)


def _analyse_upload(bundle: BeatBundle, record: io.ECGRecord) -> BeatAnalysis:
    """A 1-2 lead upload, cut at the R peaks XQRS finds in its MLII-like lead (it needs
    at least :data:`MIN_DETECT_FS` Hz: at 100 Hz XQRS misses and misplaces beats, and at
    least 10 s of signal)."""
    if record.signal.shape[0] > 2:
        raise ValueError(f"{record.name}: {record.signal.shape[0]} leads; the beat model "
                         "reads one (MLII-like) lead of a 1- or 2-lead Holter-style record")
    lead, lead_name, notes = _pick_lead(record)
    table = beats_from_signal(lead, record.fs, bundle.spec, None, record.name)
    notes = notes + [
        f"Beats found by the XQRS R-peak detector ({len(table)} beats), not by a cardiologist; "
        "a missed or extra beat changes the RR features of its neighbours."]
    if record.duration_s < 300:
        notes.append(f"Only {record.duration_s:.0f} s of signal: the mean RR and the median "
                     "beat the model compares each beat with come from few beats (training "
                     "used whole 30-min records).")
    X = bundle.inputs(table)
    probs = bundle.predict_proba(X)
    return BeatAnalysis(record.name, float(record.fs), table.samples, probs,
                        np.array(bundle.classes)[probs.argmax(1)], None, X, table.windows,
                        "R peaks detected by XQRS", None, None, record.duration_s, notes)


def analyse_record(bundle: BeatBundle, record, whole_record: bool = True) -> BeatAnalysis:
    """Classify every heartbeat of a record.

    Parameters
    ----------
    bundle : a :class:`ecgkit.app.beat_bundle.BeatBundle`.
    record : ``"mitdb:100"``, a MIT-BIH record name, or an :class:`ecgkit.data.io.ECGRecord`
        (from :func:`ecgkit.data.io.mitbih_record`: its MIT-BIH record is analysed whole
        when ``whole_record``; else an upload of 1-2 leads, beats found by XQRS).

    Returns a :class:`BeatAnalysis`; ``ValueError`` with the reason for input that
    cannot be analysed (low rate, NaN, too short, no beats).
    """
    name = None
    if isinstance(record, str):
        name = record.split(":", 1)[1] if record.lower().startswith("mitdb:") else record
        name = name.partition("@")[0]
    elif isinstance(record, io.ECGRecord) and whole_record and record.metadata.get("record"):
        name = str(record.metadata["record"])
    bundle.check_compatible()
    if name is not None:
        return _analyse_mitbih(bundle, name)
    if not isinstance(record, io.ECGRecord):
        raise TypeError(f"expected a record name or an ECGRecord, got {type(record).__name__}")
    return _analyse_upload(bundle, record)
# --------------------------------------------------------------------------- explanation
@dataclass
class BeatExplanation:
    """Attribution of one beat's class score.

    ``beat`` float32 ``(L,)`` over the beat window (``spec.fs`` Hz, R peak at
    ``spec.before``); ``median`` ``(L,)`` over the record's median beat channel or None;
    ``rr`` ``(n_rr,)`` per RR feature or None; ``target`` the explained class;
    ``method``; ``index`` the beat."""

    index: int
    target: str
    method: str
    beat: np.ndarray
    median: np.ndarray | None
    rr: np.ndarray | None


def beat_occlusion(model, x, target: int, window: int = 6, rr_baseline: float = 1.0
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """Occlusion over one packed beat input.

    Parameters
    ----------
    model : the CNNLSTM (logits ``(N, 5)``).
    x : float32 ``(C, L + n_rr)`` one input of :meth:`BeatBundle.inputs`.
    target : class index whose softmax probability is tracked.
    window : samples per patch of the beat channel (6 = 50 ms at 120 Hz); patches of
        channel 0 over ``[0, L)`` are set to 0 (the z-scored beat's mean).
    rr_baseline : value an occluded RR feature is set to (1 = the record's mean RR:
        "ordinary timing").

    Returns
    -------
    (beat ``(L,)``, rr ``(n_rr,)`` or None): the drop of the class probability when that
    patch or feature is occluded; positive = evidence for the class.
    """
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if xt.dim() != 2:
        raise ValueError(f"x must be one packed beat (C, L + n_rr), got {tuple(xt.shape)}")
    n_rr = int(getattr(model, "n_rr", 0))
    length = xt.shape[1] - n_rr
    if window < 1:
        raise ValueError(f"window must be >= 1 sample, got {window}")
    starts = list(range(0, length, window))
    batch = xt[None].repeat(len(starts) + n_rr + 1, 1, 1)
    for k, s in enumerate(starts):
        batch[k + 1, 0, s:s + window] = 0.0
    for j in range(n_rr):
        batch[1 + len(starts) + j, 0, length + j] = rr_baseline
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            p = torch.softmax(model(batch), dim=1)[:, int(target)].numpy()
    finally:
        model.train(was)
    beat = np.zeros(length, dtype=np.float32)
    for k, s in enumerate(starts):
        beat[s:s + window] = p[0] - p[k + 1]
    rr = (p[0] - p[1 + len(starts):]).astype(np.float32) if n_rr else None
    return beat, rr


def explain_beat(bundle: BeatBundle, analysis: BeatAnalysis, index: int, target=None,
                 method: str = "integrated_gradients") -> BeatExplanation:
    """Attribution of beat ``index``'s score for ``target`` (class name or index;
    default its predicted class).

    ``"integrated_gradients"``: :func:`ecgkit.explain.explain` on the packed input
    (baseline 0 everywhere, 32 steps), split into beat, median-beat and RR parts (logit
    units). ``"occlusion"``: :func:`beat_occlusion` (probability units).
    """
    if not 0 <= int(index) < len(analysis):
        raise ValueError(f"beat index {index} outside 0..{len(analysis) - 1}")
    index = int(index)
    if target is None:
        target = str(analysis.predicted[index])
    k = bundle.classes.index(target) if isinstance(target, str) else int(target)
    x = analysis.inputs[index]
    n_rr = int(bundle.model.n_rr)
    length = x.shape[-1] - n_rr
    if method == "integrated_gradients":
        attr = explain.explain(bundle.model, x, "integrated_gradients", target=k)
        beat = attr[0, :length]
        median = attr[1, :length] if attr.shape[0] > 1 else None
        rr = attr[0, length:] if n_rr else None
    elif method == "occlusion":
        beat, rr = beat_occlusion(bundle.model, x, k,
                                  window=max(1, int(round(0.05 * bundle.spec.fs))))
        median = None
    else:
        raise ValueError(f"unknown method {method!r}; use 'integrated_gradients' or "
                         "'occlusion'")
    return BeatExplanation(index, bundle.classes[k], method, np.asarray(beat, np.float32),
                           None if median is None else np.asarray(median, np.float32),
                           None if rr is None else np.asarray(rr, np.float32))


# --------------------------------------------------------------------------- report
@dataclass
class BeatReport:
    """What :func:`beat_report` found; ``text`` is the report."""

    record: str
    model: str
    counts: dict
    reference_counts: dict | None
    agreement: dict | None
    findings: list
    notes: list
    text: str = ""

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict:
        """JSON-ready content (``python -m ecgkit.predict mitdb:100 --json``)."""
        return {"record": self.record, "model": self.model, "kind": "heartbeats",
                "counts": self.counts, "reference_counts": self.reference_counts,
                "agreement": self.agreement, "findings": list(self.findings),
                "notes": list(self.notes), "text": self.text}


def _runs(mask: np.ndarray, min_len: int = 3) -> list[tuple[int, int]]:
    """(start, length) of the runs of True of at least ``min_len``."""
    out, start = [], None
    for i, m in enumerate(list(mask) + [False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            if i - start >= min_len:
                out.append((start, i - start))
            start = None
    return out


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f} %" if total else "n/a"


def _beat_findings(bundle: BeatBundle, analysis: BeatAnalysis, counts: dict) -> list[str]:
    """Notable findings in words: mean heart rate, share and runs of V and S beats, and
    a caution for F and Q beats."""
    n = len(analysis)
    findings = []
    t = analysis.samples / analysis.fs
    if n >= 2:
        rr = np.diff(analysis.samples) / analysis.fs
        rr = rr[(rr > 0.2) & (rr < 3.0)]
        if len(rr):
            findings.append(f"Mean heart rate about {60 / rr.mean():.0f} beats per minute.")
    for c, label in (("V", "ventricular ectopic (V)"), ("S", "supraventricular ectopic (S)")):
        share = counts[c] / n if n else 0.0
        if counts[c] == 0:
            findings.append(f"No {label} beats predicted.")
            continue
        level = ("frequent" if share >= 0.10 else "occasional" if share >= 0.01 else "rare")
        ppv = (((bundle.info.get("ds2_test") or {}).get("per_class") or {}).get(c) or {}
               ).get("ppv")
        caveat = (f" On the DS2 test records {ppv:.0%} of this model's {c} predictions were "
                  f"right." if ppv is not None else "")
        findings.append(f"{counts[c]} {label} beat{'s' if counts[c] != 1 else ''} predicted "
                        f"({_pct(counts[c], n)} of beats: {level}).{caveat}")
        runs = _runs(analysis.predicted == c)
        if runs:
            s, length = max(runs, key=lambda r: r[1])
            findings.append(f"{len(runs)} run(s) of 3 or more consecutive predicted {c} "
                            f"beats; the longest, {length} beats, at {t[s]:.1f} s.")
    for c in ("F", "Q"):
        if counts[c]:
            findings.append(f"{counts[c]} beats predicted {c} ({AAMI_NAMES[c]}); the model "
                            f"saw few {c} beats in training, so treat these with caution.")
    return findings


_SIDE_TEXT = {"DS1": "This record is in DS1, which the model was trained on: its "
                     "predictions here are on a training patient, not an honest test.",
              "DS2": "This record is in DS2, which the model never saw: its predictions "
                     "here are inter-patient, as for a new patient.",
              "paced": "This record is paced; the model never saw a paced record."}


def beat_report(bundle: BeatBundle, analysis: BeatAnalysis) -> BeatReport:
    """A short deterministic text for a record's beats: beats analysed, counts per
    predicted class, notable findings (share of V and S beats, runs of 3+ ectopic beats,
    mean heart rate), agreement with the reference annotations where there are some,
    what the model was trained on, and the course's standing disclaimer."""
    n = len(analysis)
    classes = data.AAMI_CLASSES
    counts = {c: int((analysis.predicted == c).sum()) for c in classes}
    ref = (None if analysis.reference is None else
           {c: int((analysis.reference == c).sum()) for c in classes})
    agree = analysis.agreement()
    findings = _beat_findings(bundle, analysis, counts)
    lines = [f"Heartbeat report for {analysis.name}",
             f"Model: {bundle.describe()}.",
             f"Trained on the DS1 records of the de Chazal inter-patient split "
             f"({', '.join(bundle.train_records)})."]
    if analysis.side in _SIDE_TEXT:
        lines.append(_SIDE_TEXT[analysis.side])
    lines += ["", f"Beats analysed: {n} over {analysis.duration_s / 60:.1f} min (beats from "
                  f"the {analysis.beat_source}).",
              "Predicted: " + ", ".join(f"{c} {counts[c]} ({_pct(counts[c], n)})"
                                        for c in classes) + "."]
    if ref is not None:
        lines.append("Reference annotations: " + ", ".join(f"{c} {ref[c]}"
                                                            for c in classes) + ".")
        se = {c: agree["per_class"][c]["sensitivity"] for c in classes}
        found = [f"{c} {se[c]:.0%}" for c in classes if se[c] is not None]
        lines.append(f"Agreement with the reference: {agree['accuracy']:.1%} of beats; "
                     f"share of each reference class found: {', '.join(found)}.")
    lines += ["", "Findings:"] + [f"- {f}" for f in findings]
    other = [x for x in analysis.notes if not x.startswith("Record ")]
    if other:
        lines += ["", "Notes:"] + [f"- {x}" for x in other]
    lines += ["", DISCLAIMER]
    return BeatReport(analysis.name, bundle.describe(), counts, ref, agree, findings,
                      list(analysis.notes), "\n".join(lines))


# --------------------------------------------------------------------------- figures
def plot_beat_strip(signal_1d, fs: float, analysis: BeatAnalysis, start_s: float = 0.0,
                    highlight: int | None = None, title: str | None = None):
    """The shown strip with each beat labelled by its predicted class (coloured letter).

    Parameters
    ----------
    signal_1d : (T,) the strip in mV at ``fs`` Hz; its first sample is ``start_s`` s into
        the analysed signal (so beat ``i`` sits at ``samples[i] / fs - start_s``).
    highlight : index of a beat to shade (the explained one).
    """
    x = np.asarray(signal_1d, dtype=np.float64)
    offset = int(round(start_s * fs))
    rel = analysis.samples - offset
    keep = np.flatnonzero((rel >= 0) & (rel < len(x)))
    fig = plot.plot_strip(x, fs, annotations=(rel[keep].astype(np.int64),
                                              analysis.predicted[keep]),
                          colors=AAMI_COLORS, t0=start_s,
                          title=title or f"{analysis.name}: predicted class of each beat")
    if highlight is not None and highlight in set(keep.tolist()):
        ax = fig.axes[0]
        tc = analysis.samples[highlight] / fs
        ax.axvspan(tc - 0.25, tc + 0.45, color="gold", alpha=0.35, zorder=1)
    return fig


def plot_beat_explanation(bundle: BeatBundle, analysis: BeatAnalysis,
                          explanation: BeatExplanation):
    """The explained beat (z-scored, as the model sees it) with the attribution as
    coloured bands (red = evidence for the class, blue = against), the record's median
    beat dashed, and a bar per RR feature. Returns the figure."""
    i = explanation.index
    x = analysis.inputs[i]
    length = bundle.window
    fs = bundle.spec.fs
    t = (np.arange(length) - bundle.spec.before) / fs
    has_rr = explanation.rr is not None
    fig, axes = plt.subplots(1, 2 if has_rr else 1, figsize=(11 if has_rr else 8, 3.2),
                             gridspec_kw={"width_ratios": [3, 1]} if has_rr else None,
                             squeeze=False)
    ax = axes[0, 0]
    a = explanation.beat
    vmax = float(np.abs(a).max()) or 1.0
    lo, hi = float(x[:, :length].min()), float(x[:, :length].max())
    ax.imshow(a[None, :], aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax, alpha=0.55,
              extent=(t[0], t[-1] + 1 / fs, lo - 0.2, hi + 0.2), origin="lower")
    ax.plot(t, x[0, :length], color="black", lw=1.2, label="this beat")
    if x.shape[0] > 1:
        ax.plot(t, x[1, :length], color="0.35", lw=1, ls="--", label="record's median beat")
    ax.axvline(0, color="0.5", lw=0.6)
    ax.set_xlim(t[0], t[-1] + 1 / fs)
    ax.set_xlabel("time from the R peak (s)")
    ax.set_ylabel("z-scored amplitude")
    ax.legend(loc="lower right", fontsize=7)
    label = {"integrated_gradients": "integrated gradients",
             "occlusion": "occlusion"}[explanation.method]
    ax.set_title(f"beat {i} at {analysis.samples[i] / analysis.fs:.2f} s, predicted "
                 f"{analysis.predicted[i]}: {label} for {explanation.target} "
                 "(red = for, blue = against)", fontsize=9)
    if has_rr:
        names = list(bundle.rr_features or RR_FEATURES)[:len(explanation.rr)]
        values = explanation.rr
        axes[0, 1].barh(names, values, color=["#d62728" if v > 0 else "#1f77b4"
                                              for v in values])
        axes[0, 1].axvline(0, color="0.5", lw=0.6)
        axes[0, 1].set_title("RR features", fontsize=9)
        axes[0, 1].tick_params(labelsize=7)
    fig.tight_layout()
    return fig
