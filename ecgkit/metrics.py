"""Evaluation metrics: AUROC, ROC curves, F1, bootstrap intervals, AAMI beat report, R-peak scores.

Multi-label (PTB-XL) and single-label (MIT-BIH beats) classification, and R-peak
detection against reference annotations.

Multi-label inputs: ``y_true`` 0/1 array ``(N, C)``, ``y_score`` real scores ``(N, C)``
(probabilities or logits; AUROC only uses their order). Single-label inputs: integer
labels ``(N,)`` in ``0..C-1``.

A class with no positive or no negative example in a split has no AUROC. It is reported
as NaN with status ``"undefined"`` and left out of the macro average, which then says
over how many classes it was taken; it is never dropped silently nor counted as 0 or 0.5.
"""
from __future__ import annotations

import warnings
from typing import Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd
import wfdb.processing as wp

from ecgkit.data.mitbih import AAMI_CLASSES

__all__ = [
    "paired_bootstrap_difference",
    "UndefinedMetricWarning", "defined_classes", "binary_auroc", "per_class_auroc", "macro_auroc",
    "auroc_summary", "f1_at_threshold", "tune_thresholds", "bootstrap_ci", "BootstrapCI",
    "classification_report_multilabel", "confusion_matrix", "single_label_report",
    "accuracy", "macro_f1", "as_multilabel", "class_names", "roc_curve", "aami_summary",
    "macro_f1_nsvf", "evaluate_detector", "versus_baseline",
]


class UndefinedMetricWarning(UserWarning):
    """A per-class metric is undefined on this split (no positive or no negative)."""


# ----------------------------------------------------------------------------- checks
def as_multilabel(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    """Validate and return ``(y_true, y_score)`` as float arrays ``(N, C)``.

    A 1-D integer ``y_true`` with a 2-D ``y_score`` (single-label problem) is one-hot
    encoded, so that the one-vs-rest metrics below also serve single-label tasks.
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_score.ndim != 2:
        raise ValueError(f"y_score must be 2-D (N, C), got shape {y_score.shape}")
    if y_true.ndim == 1:
        if not np.issubdtype(y_true.dtype, np.integer):
            raise ValueError("1-D y_true must hold integer class labels")
        if y_true.size and (y_true.min() < 0 or y_true.max() >= y_score.shape[1]):
            raise ValueError(f"labels must lie in 0..{y_score.shape[1] - 1}")
        y_true = np.eye(y_score.shape[1])[y_true]
    if y_true.shape != y_score.shape:
        raise ValueError(f"y_true {y_true.shape} and y_score {y_score.shape} differ in shape")
    if len(y_true) == 0:
        raise ValueError("empty inputs: no examples")
    if not np.all(np.isfinite(y_score)):
        raise ValueError("y_score contains NaN or inf")
    if not np.all((y_true == 0) | (y_true == 1)):
        raise ValueError("y_true must be 0/1 (multi-hot)")
    return y_true.astype(np.float64), y_score


def class_names(classes, n: int) -> list[str]:
    """``n`` class names as strings: ``classes`` checked to have ``n`` entries, or
    ``"0"``, ``"1"``, ... when ``classes`` is None."""
    if classes is None:
        return [str(i) for i in range(n)]
    classes = [str(c) for c in classes]
    if len(classes) != n:
        raise ValueError(f"{len(classes)} class names for {n} columns")
    return classes


def defined_classes(y_true) -> np.ndarray:
    """Boolean mask ``(C,)``: classes with at least one positive and one negative."""
    y_true = np.asarray(y_true)
    pos = y_true.sum(axis=0)
    return (pos > 0) & (pos < len(y_true))


# ----------------------------------------------------------------------------- AUROC
def binary_auroc(y, score) -> float:
    """AUROC of one binary problem: the probability that a random positive outscores a
    random negative (ties count one half), i.e. the Mann-Whitney U statistic divided by
    ``n_pos * n_neg``. Same value as ``sklearn.metrics.roc_auc_score``; NaN if ``y`` has
    no positive or no negative.
    """
    y = np.asarray(y) == 1
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(np.asarray(score), return_inverse=True, return_counts=True)
    avg_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based mean rank of each tie group
    rank_sum = avg_rank[inverse.ravel()][y].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def per_class_auroc(y_true, y_score, classes=None) -> pd.Series:
    """AUROC of each class, one-vs-rest; NaN where the class is undefined on this split.

    Returns a Series indexed by class name. Undefined classes are named in an
    :class:`UndefinedMetricWarning`.
    """
    y_true, y_score = as_multilabel(y_true, y_score)
    names = class_names(classes, y_true.shape[1])
    ok = defined_classes(y_true)
    values = np.full(len(names), np.nan)
    for c in np.flatnonzero(ok):
        values[c] = binary_auroc(y_true[:, c], y_score[:, c])
    if not ok.all():
        warnings.warn(f"AUROC undefined (no positive or no negative example) for "
                      f"{[n for n, d in zip(names, ok) if not d]}", UndefinedMetricWarning,
                      stacklevel=2)
    return pd.Series(values, index=names, name="auroc")


def auroc_summary(y_true, y_score, classes=None) -> dict:
    """Macro-AUROC with its bookkeeping.

    Returns
    -------
    dict with ``macro_auroc`` (mean over defined classes; NaN if none),
    ``n_defined`` and ``n_classes``, ``undefined`` (names), ``per_class`` (name -> AUROC,
    NaN when undefined).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        per = per_class_auroc(y_true, y_score, classes)
    defined = per.notna()
    return {"macro_auroc": float(per[defined].mean()) if defined.any() else float("nan"),
            "n_defined": int(defined.sum()), "n_classes": int(len(per)),
            "undefined": list(per.index[~defined]), "per_class": per.to_dict()}


def macro_auroc(y_true, y_score) -> float:
    """Macro-averaged AUROC over the classes defined on this split.

    Equals ``sklearn.metrics.roc_auc_score(average="macro")`` when every class is defined
    (the PTB-XL benchmark metric). Undefined classes are left out with an
    :class:`UndefinedMetricWarning` naming them; NaN if no class is defined. Use
    :func:`auroc_summary` to get the count of classes averaged over.
    """
    s = auroc_summary(y_true, y_score)
    if s["undefined"]:
        warnings.warn(f"macro-AUROC over {s['n_defined']} of {s['n_classes']} classes; "
                      f"undefined: {s['undefined']}", UndefinedMetricWarning, stacklevel=2)
    return s["macro_auroc"]


def roc_curve(y, score) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates of one binary problem, thresholds from high to low.

    Returns ``(fpr, tpr)``, both starting at 0 and ending at 1; NaN-free only when ``y``
    has positives and negatives (else ``ValueError``).
    """
    y = np.asarray(y) == 1
    score = np.asarray(score, dtype=np.float64)
    if y.all() or not y.any():
        raise ValueError("a ROC curve needs positive and negative examples")
    values, inverse = np.unique(score, return_inverse=True)
    pos = np.bincount(inverse.ravel(), weights=y, minlength=len(values))[::-1]
    neg = np.bincount(inverse.ravel(), weights=~y, minlength=len(values))[::-1]
    tpr = np.concatenate([[0.0], np.cumsum(pos) / y.sum()])
    fpr = np.concatenate([[0.0], np.cumsum(neg) / (~y).sum()])
    return fpr, tpr


# ----------------------------------------------------------------------------- F1
def _f1_from_counts(tp, fp, fn) -> np.ndarray:
    denom = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


def f1_at_threshold(y_true, y_score, threshold=0.5) -> np.ndarray:
    """Per-class F1 ``(C,)`` predicting positive where ``y_score >= threshold``.

    ``threshold`` is a scalar or one value per class. F1 is NaN (undefined) for a class
    with no positive example that is never predicted positive (0/0), and 0 when it has
    none but is predicted positive.
    """
    y_true, y_score = as_multilabel(y_true, y_score)
    thr = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (y_true.shape[1],))
    pred = y_score >= thr
    tp = (pred & (y_true == 1)).sum(0)
    fp = (pred & (y_true == 0)).sum(0)
    fn = (~pred & (y_true == 1)).sum(0)
    return _f1_from_counts(tp, fp, fn)


def tune_thresholds(y_val, p_val, default: float = 0.5) -> np.ndarray:
    """Per-class threshold ``(C,)`` that maximises F1 on the validation set.

    Candidates are the observed scores (``score >= threshold`` is positive). A class with
    no positive validation example cannot be tuned: it keeps ``default`` and is named in
    an :class:`UndefinedMetricWarning`. Tune on validation, never on the test split.
    """
    y_val, p_val = as_multilabel(y_val, p_val)
    thresholds = np.full(y_val.shape[1], float(default))
    untuned = []
    for c in range(y_val.shape[1]):
        if y_val[:, c].sum() == 0:
            untuned.append(c)
            continue
        values, inverse = np.unique(p_val[:, c], return_inverse=True)
        pos = np.bincount(inverse.ravel(), weights=y_val[:, c], minlength=len(values))
        neg = np.bincount(inverse.ravel(), weights=1 - y_val[:, c], minlength=len(values))
        # threshold = values[k] predicts positive for every score >= values[k]
        tp, fp = np.cumsum(pos[::-1])[::-1], np.cumsum(neg[::-1])[::-1]
        f1 = 2 * tp / (2 * tp + fp + (pos.sum() - tp))
        thresholds[c] = values[len(values) - 1 - int(np.argmax(f1[::-1]))]  # highest best
    if untuned:
        warnings.warn(f"no positive validation example for class index(es) {untuned}; "
                      f"threshold left at {default}", UndefinedMetricWarning, stacklevel=2)
    return thresholds


# ----------------------------------------------------------------------------- bootstrap
class BootstrapCI(NamedTuple):
    """Point estimate on the full data and the percentile interval of the resamples."""

    point: float
    low: float
    high: float


def bootstrap_ci(metric: Callable, y_true, y_score, n: int = 100, seed: int = 0,
                 level: float = 0.95, max_tries: int | None = None) -> BootstrapCI:
    """Bootstrap confidence interval of ``metric(y_true, y_score)`` over examples.

    Resamples examples with replacement ``n`` times (the PTB-XL benchmark uses 100). A
    resample in which a class that is defined on the full data (has positives and
    negatives) lacks positives or negatives is drawn again, so that every resample
    scores the same classes; after ``max_tries`` draws in all (default ``20 * n``) a
    ``ValueError`` says the split is too small for a stable interval.

    Returns ``BootstrapCI(point, low, high)``; unpacks as a 3-tuple.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    if len(y_true) != len(y_score):
        raise ValueError(f"{len(y_true)} labels but {len(y_score)} scores")
    onehot = y_true if y_true.ndim == 2 else np.eye(y_score.shape[1])[y_true]
    need = defined_classes(onehot)
    max_tries = 20 * n if max_tries is None else max_tries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        point = float(metric(y_true, y_score))
        rng = np.random.default_rng(seed)
        values, tries = [], 0
        while len(values) < n:
            if tries >= max_tries:
                raise ValueError(f"only {len(values)} of {n} bootstrap resamples had every "
                                 f"class present after {tries} draws; the split is too small")
            tries += 1
            idx = rng.integers(0, len(y_true), len(y_true))
            if not np.array_equal(defined_classes(onehot[idx]) & need, need):
                continue
            values.append(float(metric(y_true[idx], y_score[idx])))
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return BootstrapCI(point, float(low), float(high))


def paired_bootstrap_difference(metric: Callable, y_true, score_a, score_b, n: int = 100,
                                seed: int = 0, level: float = 0.95) -> BootstrapCI:
    """Interval of ``metric(A) - metric(B)`` for two models scored on the same examples.

    Each resample draws the same examples for both models (a paired bootstrap), so the
    interval reflects the difference between the models, not the spread of the test set
    twice. ``score_a``, ``score_b``: ``(N, C)`` scores of the two models for ``y_true``.
    An interval that contains 0 means the test set cannot tell the models apart.
    """
    score_a, score_b = np.asarray(score_a), np.asarray(score_b)
    if score_a.shape != score_b.shape:
        raise ValueError(f"the two models' scores differ in shape: {score_a.shape} vs "
                         f"{score_b.shape}")
    c = score_a.shape[1]

    def difference(y, both):
        return metric(y, both[:, :c]) - metric(y, both[:, c:])

    return bootstrap_ci(difference, y_true, np.hstack([score_a, score_b]), n=n, seed=seed,
                        level=level)



def versus_baseline(y_true, y_score, classes=None, n: int = 200, seed: int = 0,
                    level: float = 0.95) -> pd.DataFrame:
    """Has the model learned each class? Per-class AUROC with a bootstrap interval, against
    the trivial baseline: a constant score (the class prior for every record), whose AUROC
    is 0.5 whatever the prior.

    Parameters
    ----------
    y_true : (N, C) multi-hot labels.
    y_score : (N, C) scores or probabilities of the model.
    classes : C names (default ``class_0`` ...).
    n, seed, level : the bootstrap over records (:func:`bootstrap_ci`).

    Returns
    -------
    DataFrame, one row per class with positives: ``positives``, ``prior`` (the baseline's
    score), ``auroc``, ``low``, ``high`` and ``learned`` (True when the whole interval is
    above 0.5). A chapter asserts ``learned`` for every class its lesson reads.

    Example
    -------
    >>> y = np.array([[1], [0], [1], [0]] * 10)
    >>> versus_baseline(y, y * 0.8 + 0.1, ["MI"]).loc["MI", "learned"]
    np.True_
    """
    y_true, y_score = as_multilabel(y_true, y_score)
    names = class_names(classes, y_true.shape[1])
    rows = {}
    for k in np.flatnonzero(defined_classes(y_true)):
        ci = bootstrap_ci(lambda y, s: binary_auroc(y[:, 0], s[:, 0]), y_true[:, [k]],
                          y_score[:, [k]], n=n, seed=seed, level=level)
        rows[names[k]] = {"positives": int(y_true[:, k].sum()), "prior": y_true[:, k].mean(),
                          "auroc": ci.point, "low": ci.low, "high": ci.high,
                          "learned": ci.low > 0.5}
    return pd.DataFrame.from_dict(rows, orient="index")

# ----------------------------------------------------------------------------- reports
def classification_report_multilabel(y_true, y_score, classes=None, thresholds=None
                                     ) -> pd.DataFrame:
    """Per-class table for a multi-label test set, with a final ``macro`` row.

    Columns: ``auroc`` (NaN when undefined), ``f1@0.5``, ``f1@tuned`` and ``threshold``
    (when per-class ``thresholds``, e.g. from :func:`tune_thresholds` on validation, are
    given), ``support`` (positives), ``negatives``, ``status`` (``"ok"`` or
    ``"undefined"``). The macro row averages over defined classes and its ``status``
    says over how many (e.g. ``"4 of 5 defined"``).
    """
    y_true, y_score = as_multilabel(y_true, y_score)
    names = class_names(classes, y_true.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        auroc = per_class_auroc(y_true, y_score, names).to_numpy()
    ok = defined_classes(y_true)
    table = pd.DataFrame({"auroc": auroc, "f1@0.5": f1_at_threshold(y_true, y_score, 0.5)},
                         index=pd.Index(names, name="class"))
    if thresholds is not None:
        thresholds = np.asarray(thresholds, dtype=np.float64)
        if thresholds.shape != (len(names),):
            raise ValueError(f"thresholds must have shape ({len(names)},), got {thresholds.shape}")
        table["f1@tuned"] = f1_at_threshold(y_true, y_score, thresholds)
        table["threshold"] = thresholds
    table["support"] = y_true.sum(0).astype(int)
    table["negatives"] = (len(y_true) - y_true.sum(0)).astype(int)
    table["status"] = np.where(ok, "ok", "undefined")
    macro = {col: float(np.nanmean(table.loc[ok, col])) if ok.any() else np.nan
             for col in table.columns if col not in ("support", "negatives", "status")}
    macro.update(support=int(table["support"].sum()), negatives=int(table["negatives"].sum()),
                 status=f"{int(ok.sum())} of {len(names)} defined")
    table.loc["macro"] = pd.Series(macro)
    return table


# ----------------------------------------------------------------------------- single label
def _as_labels(y_true, y_pred, n_classes=None) -> tuple[np.ndarray, np.ndarray, int]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must be 1-D of equal length, got "
                         f"{y_true.shape} and {y_pred.shape}")
    if not (np.issubdtype(y_true.dtype, np.integer) and np.issubdtype(y_pred.dtype, np.integer)):
        raise ValueError("single-label metrics need integer class labels (use argmax first)")
    if len(y_true) == 0:
        raise ValueError("empty inputs: no examples")
    k = int(max(y_true.max(), y_pred.max())) + 1 if n_classes is None else int(n_classes)
    if min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= k:
        raise ValueError(f"labels must lie in 0..{k - 1}")
    return y_true, y_pred, k


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``(C, C)``: row = true class, column = predicted class."""
    y_true, y_pred, k = _as_labels(y_true, y_pred, n_classes)
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def single_label_report(y_true, y_pred, classes: Sequence[str] | None = None) -> pd.DataFrame:
    """Per-class sensitivity (recall), PPV (precision), specificity, F1 and support.

    A ratio with a zero denominator (e.g. PPV of a class never predicted) is NaN, not 0.
    A final ``macro`` row averages over classes where the value is defined; the overall
    accuracy is in ``report.attrs["accuracy"]``.
    """
    n = None if classes is None else len(classes)
    cm = confusion_matrix(y_true, y_pred, n)
    names = class_names(classes, len(cm))
    tp = np.diag(cm).astype(float)
    fn = cm.sum(1) - tp
    fp = cm.sum(0) - tp
    tn = cm.sum() - tp - fn - fp

    def ratio(a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)

    table = pd.DataFrame({"sensitivity": ratio(tp, tp + fn), "ppv": ratio(tp, tp + fp),
                          "specificity": ratio(tn, tn + fp), "f1": _f1_from_counts(tp, fp, fn),
                          "support": cm.sum(1).astype(int)}, index=pd.Index(names, name="class"))
    macro = table.drop(columns="support").mean(skipna=True)
    macro["support"] = int(cm.sum())
    table.loc["macro"] = macro
    table.attrs["accuracy"] = float(tp.sum() / cm.sum())
    return table


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct single-label predictions."""
    y_true, y_pred, _ = _as_labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def macro_f1(y_true, y_pred, n_classes: int | None = None) -> float:
    """Unweighted mean of per-class F1 over classes where F1 is defined."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(float)
    f1 = _f1_from_counts(tp, cm.sum(0) - tp, cm.sum(1) - tp)
    return float(np.nanmean(f1))


# ----------------------------------------------------------------------------- MIT-BIH beats
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
    classes = list(AAMI_CLASSES)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    report = single_label_report(y_true, y_pred, classes)
    cm = confusion_matrix(y_true, y_pred, len(classes))
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


def macro_f1_nsvf(y_true, probs) -> float:
    """Mean F1 over N, S, V and F of the most probable class (:func:`aami_summary`), 0.0
    when undefined: the validation metric of the MIT-BIH networks.

    ``y_true``: (n,) int class indices into ``AAMI_CLASSES``; ``probs``: (n, 5).
    """
    return aami_summary(y_true, np.asarray(probs).argmax(1))["macro_f1_nsvf"] or 0.0


# ----------------------------------------------------------------------------- R peaks
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
