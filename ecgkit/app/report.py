"""A plain-language report of one 12-lead prediction, written from templates (chapter 13).

:func:`report` classifies an ECG and writes the classes above their thresholds, the leads
and beats that drove them (from an explanation method), signal-quality warnings and the
standing disclaimer; the text is deterministic and produced offline.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.signal import find_peaks

from ecgkit import explain
from ecgkit.app.bundle import Bundle, load_bundle
from ecgkit.data import LEADS, io
from ecgkit.signal import filters
from ecgkit.signal.beats import detect_r_peaks

__all__ = ["Report", "report", "quality_warnings", "lead_shares", "beat_evidence",
           "DISCLAIMER", "CLASS_NAMES", "LEAD_GROUPS"]

DISCLAIMER = (
    "This report comes from a teaching model of the course 'ECG deep learning, an "
    "executable course', trained on a small public dataset. It is not a medical device, "
    "has not been validated for clinical use, and must not be used to diagnose or treat "
    "anyone. The highlighted leads and beats show what changed this model's output, not "
    "where a disease is. Every ECG must be read by a qualified clinician.")

CLASS_NAMES = {"NORM": "normal ECG", "MI": "myocardial infarction",
               "STTC": "ST/T change", "CD": "conduction disturbance", "HYP": "hypertrophy"}

# Usual anatomical reading of lead groups (which wall a lead "looks at").
LEAD_GROUPS = {"inferior": ("II", "III", "aVF"), "lateral": ("I", "aVL", "V5", "V6"),
               "septal": ("V1", "V2"), "anterior": ("V3", "V4")}

_QUALITY_NOTES = {"baseline_drift": "baseline drift", "static_noise": "static noise",
                  "burst_noise": "burst noise", "electrodes_problems": "electrode problems"}


@dataclass
class Report:
    """What :func:`report` found; ``text`` is the report, ``str(report)`` too.

    Attributes
    ----------
    record : name of the record.
    classes, probabilities, thresholds : per class (probabilities ``(C,)``).
    predicted : classes at or above their threshold.
    evidence : per explained class, ``{"leads": [(lead, share)], "groups": [...],
        "beats": [{"beat", "time_s", "share", "phase"}], "total": float}``.
    warnings : signal-quality warnings.
    notes : what was done to the input (resampling, cropping).
    method : explanation method.
    text : the deterministic report.
    rephrased : the user's language-model rephrasing, or None.
    """

    record: str
    classes: tuple
    probabilities: np.ndarray
    thresholds: np.ndarray
    predicted: list
    evidence: dict
    warnings: list
    notes: list
    method: str
    model: str
    text: str = ""
    rephrased: str | None = None

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict:
        """JSON-ready content (what ``python -m ecgkit.predict --json`` prints)."""
        return {"record": self.record, "model": self.model, "method": self.method,
                "probabilities": {c: round(float(p), 4) for c, p in
                                  zip(self.classes, self.probabilities)},
                "thresholds": {c: round(float(t), 4) for c, t in
                               zip(self.classes, self.thresholds)},
                "predicted": list(self.predicted), "evidence": self.evidence,
                "warnings": list(self.warnings), "notes": list(self.notes),
                "text": self.text, "rephrased": self.rephrased}


# --------------------------------------------------------------------------- quality
def quality_warnings(signal, fs: float, leads=LEADS, metadata: dict | None = None
                     ) -> list[str]:
    """Signal-quality warnings for a record, in words.

    From PTB-XL's own notes when ``metadata`` has them (``baseline_drift``,
    ``static_noise``, ``burst_noise``, ``electrodes_problems``), then simple checks on the
    signal ``(L, T)`` in mV at ``fs``: a flat lead (peak-to-peak < 0.05 mV), clipping
    (>= 2 % of samples at the lead's extreme value), an implausible amplitude (> 5 mV),
    strong baseline wander (the < 0.5 Hz component spans > 1 mV) and high-frequency
    noise (the part above 35 Hz has a standard deviation > 0.05 mV; only when fs > 70 Hz).
    The thresholds are rules of thumb, not validated detectors.
    """
    out = []
    for column, label in _QUALITY_NOTES.items():
        value = (metadata or {}).get(column)
        if isinstance(value, str) and value.strip(" ,"):
            where = " ".join(value.replace(",", " ").split())
            out.append(f"PTB-XL's technicians noted {label} ({where}).")
    x = np.asarray(signal, dtype=np.float64)
    leads = tuple(leads)
    flat, clipped, large, wander, noisy = [], [], [], [], []
    slow = filters.lowpass(x, fs=fs, cutoff=0.5) if x.shape[1] > 3 * fs else None
    fast = (x - filters.lowpass(x, fs=fs, cutoff=35.0)) if fs > 70 else None
    for i, name in enumerate(leads):
        lead = x[i]
        span = np.ptp(lead)
        if span < 0.05:
            flat.append(name)
            continue
        at_edge = max(np.mean(lead >= lead.max() - 1e-6), np.mean(lead <= lead.min() + 1e-6))
        if at_edge >= 0.02:
            clipped.append(name)
        if np.abs(lead).max() > 5.0:
            large.append(name)
        if slow is not None and np.ptp(slow[i]) > 1.0:
            wander.append(name)
        if fast is not None and fast[i].std() > 0.05:
            noisy.append(name)
    checks = [(flat, "flat or disconnected lead(s)"), (clipped, "clipped (flat-topped) "
              "signal"), (large, "amplitude above 5 mV"), (wander, "strong baseline wander "
              "(> 1 mV below 0.5 Hz)"), (noisy, "high-frequency noise (muscle or mains)")]
    for names, label in checks:
        if names:
            out.append(f"Signal check: {label} in {', '.join(names)}.")
    return out


# --------------------------------------------------------------------------- evidence
def lead_shares(attribution) -> np.ndarray:
    """Share of the positive evidence per lead: ``(L, T) -> (L,)``, sums to 1 (all 0 if
    no sample has positive attribution)."""
    a = np.clip(np.asarray(attribution, dtype=np.float64), 0, None)
    if a.ndim != 2:
        raise ValueError(f"attribution must be (L, T), got shape {a.shape}")
    total = a.sum()
    return a.sum(axis=1) / total if total > 0 else np.zeros(len(a))


def _r_peaks(lead: np.ndarray, fs: float) -> np.ndarray:
    """R peaks of one band-passed lead: wfdb's XQRS, or a simple peak picker if it fails."""
    try:
        peaks = detect_r_peaks(lead, fs)
        if len(peaks) >= 2:
            return peaks
    except (ValueError, IndexError, ImportError):
        pass
    energy = np.abs(np.gradient(lead))
    peaks, _ = find_peaks(energy, height=0.4 * energy.max(), distance=int(0.3 * fs))
    radius = int(0.05 * fs)
    refined = [max(p - radius, 0) + int(np.argmax(np.abs(lead[max(p - radius, 0):p + radius + 1])))
               for p in peaks]
    return np.unique(np.asarray(refined, dtype=np.int64))


def beat_evidence(attribution, lead_signal, fs: float, top: int = 2) -> list[dict]:
    """Which beats hold most of the positive evidence, and in which part of the beat.

    Parameters
    ----------
    attribution : ``(L, T)``; its positive part is summed over leads.
    lead_signal : ``(T,)`` a band-passed lead to find the R peaks in (lead II).
    fs : Hz.
    top : beats to return.

    Returns
    -------
    list of dicts, most important first: ``beat`` (1-based), ``time_s`` (R peak),
    ``share`` (of all positive evidence), ``phase`` (``"before the QRS (P wave, PR)"``,
    ``"QRS"`` or ``"after the QRS (ST segment, T wave)"``: where most of the beat's
    evidence lies). A beat spans 0.25 s before to 0.45 s after its R peak.
    """
    a = np.clip(np.asarray(attribution, dtype=np.float64), 0, None).sum(axis=0)
    total = a.sum()
    if total <= 0:
        return []
    peaks = _r_peaks(np.asarray(lead_signal, dtype=np.float64), fs)
    before, qrs, after = int(0.25 * fs), int(0.06 * fs), int(0.45 * fs)
    beats = []
    for k, r in enumerate(peaks):
        parts = {"before the QRS (P wave, PR interval)": a[max(r - before, 0):max(r - qrs, 0)].sum(),
                 "QRS": a[max(r - qrs, 0):r + qrs].sum(),
                 "after the QRS (ST segment, T wave)": a[r + qrs:r + after].sum()}
        share = sum(parts.values()) / total
        beats.append({"beat": k + 1, "time_s": round(r / fs, 2), "share": round(float(share), 3),
                      "phase": max(parts, key=parts.get)})
    beats.sort(key=lambda b: -b["share"])
    return beats[:top]


def _groups(top_leads) -> list[str]:
    hits = []
    for group, members in LEAD_GROUPS.items():
        n = sum(lead in members for lead in top_leads)
        if n >= 2:
            hits.append(group)
    return hits


# --------------------------------------------------------------------------- report
def _evidence(bundle: Bundle, x: np.ndarray, lead_ii: np.ndarray, explained: list,
              method: str, top_leads: int, window: int, n_steps: int, background) -> dict:
    """Per explained class: the leads (and lead groups) and beats that drove it.

    ``x`` float32 ``(1, 12, T)`` the model input; ``lead_ii`` ``(T,)`` band-passed lead II
    in mV (to find beats in). Returns ``{class: {"leads", "groups", "beats", "total"}}``.
    """
    classes = tuple(bundle.classes)
    if method == "occlusion":
        # leads: each lead removed whole (12 passes); time: each window removed from all
        # leads at once (T / window passes) - both direct measurements of the probability
        # drop, and far cheaper than every (lead, window) patch
        lead_drop = np.clip(explain.lead_occlusion(bundle.model, x)[0], 0, None)  # (C, 12)
        maps = explain.occlusion(bundle.model, x, window=window, across_leads=True)[0]
    elif method in ("attention", "shap", "deep_shap", "random"):  # every class at once
        maps = explain.explain(bundle.model, x, method, window=window,
                               background=background)[0]
    evidence = {}
    for name in explained:
        k = classes.index(name)
        if method in ("integrated_gradients", "gradcam"):  # one class per pass
            attr = explain.explain(bundle.model, x, method, target=k, n_steps=n_steps,
                                   background=background)[0]
        else:
            attr = maps[k]
        if method == "occlusion":
            total = lead_drop[k].sum()
            shares = lead_drop[k] / total if total > 0 else np.zeros(len(LEADS))
        else:
            shares = lead_shares(attr)
        order = np.argsort(-shares)[:top_leads]
        leads = [(LEADS[i], round(float(shares[i]), 3)) for i in order if shares[i] > 0]
        evidence[name] = {"leads": leads, "groups": _groups([lead for lead, _ in leads]),
                          "beats": beat_evidence(attr, lead_ii, bundle.fs),
                          "total": float(np.clip(attr, 0, None).sum())}
    return evidence


def _add_rephrasing(rep: Report, rephrase: Callable[[str], str]) -> None:
    """Ask the user's ``rephrase`` callable for a rephrasing into ``rep.rephrased``; on
    any failure, note it in ``rep.notes`` and keep the template text."""
    prompt = ("Rephrase this automatic ECG report for a clinician in plain, cautious "
              "language. Keep every number, class name and lead name, add no finding, "
              "and keep the disclaimer word for word.\n\n" + rep.text)
    try:
        answer = rephrase(prompt)
        if not isinstance(answer, str) or not answer.strip():
            raise ValueError("the rephrasing callable returned no text")
        if DISCLAIMER not in answer:  # the disclaimer is not negotiable
            answer = answer.rstrip() + "\n\n" + DISCLAIMER
        rep.rephrased = answer
    except Exception as err:  # a user's callable may fail in any way: keep the report
        rep.notes.append(f"rephrasing failed ({type(err).__name__}: {err}); the template "
                         "text stands")


def report(bundle, record, method: str = "integrated_gradients",
           rephrase: Callable[[str], str] | None = None, top_leads: int = 3,
           window: int = 25, n_steps: int = 32, background=None) -> Report:
    """Classify one ECG and write a short clinician-style report.

    Parameters
    ----------
    bundle : a :class:`ecgkit.app.bundle.Bundle` (model, classes, thresholds,
        preprocessing), or a path to one.
    record : anything :func:`ecgkit.data.io.load_record` accepts: an
        :class:`~ecgkit.data.io.ECGRecord`, a PTB-XL ``ecg_id``, ``"ptbxl:17"``, a WFDB
        or CSV path.
    method : explanation method of :func:`ecgkit.explain.explain` used for the evidence.
        Default ``"integrated_gradients"`` (``n_steps`` steps from a flat baseline): on
        the course's ExplainableECGNet it removed the class probability fastest in
        chapter 12's deletion test, beat the random order on insertion and passed the
        randomisation check; lead shares and beats come from its positive part.
        ``"occlusion"`` instead measures probability drops directly: leads by removing
        each whole lead, beats by removing each ``window`` (samples) from all leads at
        once. Any method must pass chapter 12's tests for the model it explains.
    rephrase : optional ``callable(prompt: str) -> str``, e.g. a wrapper around a
        language model of the user's choice. It receives the report with instructions
        and its answer is stored in ``Report.rephrased``, next to the template text,
        never instead of it; if it fails, the failure is noted and the template text
        stands. Without it nothing is sent anywhere.
    top_leads : leads named per class.
    background : reference ECGs (model input units) for SHAP methods.

    Returns
    -------
    :class:`Report`; ``print(report)`` shows the text.
    """
    if isinstance(bundle, (str, bytes)) or hasattr(bundle, "__fspath__"):
        bundle = load_bundle(bundle)
    rec = io.load_record(record)
    signal, notes = io.to_model_input(rec, fs=bundle.fs, seconds=bundle.n_samples / bundle.fs)
    x = bundle.preprocess(signal)                                         # (1, 12, T)
    probs = bundle.predict_proba(signal)[0].astype(np.float64)
    thresholds = np.asarray(bundle.thresholds, dtype=np.float64)
    classes = tuple(bundle.classes)
    predicted = [c for c, p, t in zip(classes, probs, thresholds) if p >= t]
    explained = predicted or [classes[int(np.argmax(probs))]]
    lead_ii = filters.bandpass(signal, fs=bundle.fs)[LEADS.index("II")]
    evidence = _evidence(bundle, x, lead_ii, explained, method, top_leads, window, n_steps,
                         background)
    warnings_ = quality_warnings(rec.signal, rec.fs, rec.leads, rec.metadata)
    rep = Report(rec.name, classes, probs, thresholds, predicted, evidence, warnings_,
                 notes, method, f"{bundle.model_name} {bundle.model_kwargs}")
    rep.text = _render(rep, bundle, window)
    if rephrase is not None:
        _add_rephrasing(rep, rephrase)
    return rep


def _describe_class(name: str) -> str:
    full = CLASS_NAMES.get(name)
    return f"{name} ({full})" if full else name


def _render(rep: Report, bundle, window: int) -> str:
    fs = bundle.fs
    method = explain.METHOD_LABELS.get(rep.method, rep.method)
    if rep.method == "occlusion":
        method += f" (whole leads, and {window / fs:g} s windows of all leads)"
    elif rep.method == "integrated_gradients":
        method += " from a flat baseline, positive part"
    lines = [f"ECG report - {rep.record}",
             f"Model: {rep.model}; evidence from: {method}.", ""]
    if rep.predicted:
        lines.append("Findings at or above the model's thresholds:")
    else:
        top = rep.classes[int(np.argmax(rep.probabilities))]
        k = rep.classes.index(top)
        lines.append(f"No class reached its threshold. Most probable: "
                     f"{_describe_class(top)}, probability {rep.probabilities[k]:.2f} "
                     f"(threshold {rep.thresholds[k]:.2f}).")
    for name, ev in rep.evidence.items():
        k = rep.classes.index(name)
        if rep.predicted:
            lines.append(f"- {_describe_class(name)}: probability {rep.probabilities[k]:.2f} "
                         f"(threshold {rep.thresholds[k]:.2f}).")
        if not ev["leads"]:
            lines.append("  No lead or segment stands out as evidence for this class; it "
                         "is spread out or redundant.")
            continue
        share = sum(s for _, s in ev["leads"])
        lead_text = ", ".join(lead for lead, _ in ev["leads"])
        groups = f"; {' and '.join(ev['groups'])} leads" if ev["groups"] else ""
        lines.append(f"  Leads that drove it most: {lead_text} ({share:.0%} of the positive "
                     f"evidence{groups}).")
        if ev["beats"]:
            beats = ev["beats"]
            where = " and ".join(f"beat {b['beat']} (R peak at {b['time_s']:.1f} s)"
                                 for b in beats)
            lines.append(f"  Beats that mattered most: {where}; in beat {beats[0]['beat']} "
                         f"mostly {beats[0]['phase']}.")
    others = [f"{c} {p:.2f} (threshold {t:.2f})" for c, p, t in
              zip(rep.classes, rep.probabilities, rep.thresholds) if c not in rep.predicted]
    if others and rep.predicted:
        lines.append("Other classes: " + "; ".join(others) + ".")
    elif others:
        lines.append("All classes: " + "; ".join(others) + ".")
    lines.append("")
    if rep.warnings:
        lines.append("Signal quality:")
        lines += [f"- {w}" for w in rep.warnings]
    else:
        lines.append("Signal quality: no problem found by the simple checks.")
    if rep.notes:
        lines.append("Input: " + "; ".join(rep.notes) + ".")
    lines += ["", DISCLAIMER]
    return "\n".join(lines)
