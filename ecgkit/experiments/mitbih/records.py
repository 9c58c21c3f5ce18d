"""The benchmark's figures per record, and intervals from a bootstrap over records.

Beats of one patient are not independent: a record holds hundreds to thousands of beats
that look alike, and record 232 alone holds about three quarters of DS2's S beats. An
interval from resampling beats is therefore far too narrow. Here the unit is the record
(the patient): each resample draws DS2's records with replacement and pools their beats.

Every figure is computed from confusion matrices (rows true, columns predicted, classes
in ``ecgkit.data.AAMI_CLASSES`` order), so a resample is a sum of per-record matrices.
"""
from __future__ import annotations

import numpy as np

from ecgkit import data, metrics
from ecgkit.data import AAMI_CLASSES
from ecgkit.experiments.mitbih.network import predict_beats

__all__ = ["FIGURES", "record_confusions", "figures_from_confusion", "per_record_figures",
           "record_bootstrap_ci", "record_checksums", "score_table"]

# The figures the benchmark's targets are set on (scripts/bench_mitbih.py).
FIGURES = ("accuracy", "S_sensitivity", "S_ppv", "V_sensitivity", "V_ppv", "macro_f1_nsvf")
_N_CLASSES = len(AAMI_CLASSES)


def record_confusions(y_true, y_pred, records, n_classes: int = _N_CLASSES
                      ) -> tuple[list[str], np.ndarray]:
    """One confusion matrix per record.

    Parameters
    ----------
    y_true, y_pred : (n,) int class indices into ``AAMI_CLASSES``.
    records : (n,) the record of each beat.
    n_classes : 5, or 6 when index 5 stands for "no beat" (a false detection as the
        truth, a missed beat as the call; :data:`ecgkit.data.beat_table.NO_BEAT`).

    Returns
    -------
    (names, matrices): the sorted record names and an ``(R, n_classes, n_classes)`` array.
    """
    y_true, y_pred, records = map(np.asarray, (y_true, y_pred, records))
    if not y_true.shape == y_pred.shape == records.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape}, y_pred {y_pred.shape} and records "
                         f"{records.shape} must be the same 1-D shape")
    if len(y_true) and (min(y_true.min(), y_pred.min()) < 0
                        or max(y_true.max(), y_pred.max()) >= n_classes):
        raise ValueError(f"class indices must be in 0..{n_classes - 1} (AAMI_CLASSES)")
    names, which = np.unique(records, return_inverse=True)
    matrices = np.zeros((len(names), n_classes, n_classes), dtype=np.int64)
    np.add.at(matrices, (which, y_true, y_pred), 1)
    return [str(n) for n in names], matrices


def _ratio(num, den) -> float | None:
    return float(num / den) if den else None


def figures_from_confusion(cm: np.ndarray) -> dict:
    """Accuracy, S and V sensitivity (Se) and positive predictivity (+P), and the mean
    F1 over N, S, V, F (a class with no true and no called beat left out) of one
    ``(5, 5)`` confusion matrix; a ratio with a zero denominator is None. With a sixth
    "no beat" row and column (detected beats), a missed beat counts against its class's
    Se and the accuracy, a false detection against the +P of what it was called."""
    cm = np.asarray(cm)
    tp, true, called = np.diag(cm), cm.sum(1), cm.sum(0)
    out = {"accuracy": _ratio(tp.sum(), cm.sum())}
    for c in ("S", "V"):
        k = AAMI_CLASSES.index(c)
        out[f"{c}_sensitivity"] = _ratio(tp[k], true[k])
        out[f"{c}_ppv"] = _ratio(tp[k], called[k])
    f1 = [2 * tp[k] / (true[k] + called[k]) for k in range(4) if true[k] + called[k]]
    out["macro_f1_nsvf"] = float(np.mean(f1)) if f1 else None
    return out


def per_record_figures(y_true, y_pred, records) -> list[dict]:
    """For each record: its beats per class, accuracy, and S and V Se and +P."""
    names, matrices = record_confusions(y_true, y_pred, records)
    rows = []
    for name, cm in zip(names, matrices):
        row = {"record": name, **{f"beats_{c}": int(n) for c, n in zip(AAMI_CLASSES, cm.sum(1))}}
        row.update({k: v for k, v in figures_from_confusion(cm).items() if k != "macro_f1_nsvf"})
        rows.append(row)
    return rows


def record_bootstrap_ci(y_true, y_pred, records, n: int = 1000, seed: int = 0,
                        level: float = 0.95, exclude=(), n_classes: int = _N_CLASSES
                        ) -> dict:
    """Interval of each of :data:`FIGURES` from a bootstrap over records (patients).

    Each of ``n`` resamples draws the records (all but ``exclude``) with replacement and
    pools their beats. A resample in which a figure is undefined (e.g. no S beat drawn)
    does not count for that figure.

    Returns
    -------
    ``{figure: {"point", "low", "high", "resamples"}}``, and ``"records"``: how many
    records were resampled.

    Example
    -------
    >>> ci = record_bootstrap_ci([0, 0, 2, 0, 1], [0, 0, 2, 1, 1], ["a", "a", "b", "c", "c"],
    ...                          n=200)
    >>> ci["accuracy"]["point"], ci["records"]
    (0.8, 3)
    """
    if not 0 < level < 1 or n < 1:
        raise ValueError(f"level must be in (0, 1) and n >= 1, got {level}, {n}")
    names, matrices = record_confusions(y_true, y_pred, records, n_classes)
    keep = [i for i, name in enumerate(names) if name not in {str(e) for e in exclude}]
    if not keep:
        raise ValueError("no record left to resample")
    matrices = matrices[keep]
    point = figures_from_confusion(matrices.sum(0))
    rng = np.random.default_rng(seed)
    draws = [figures_from_confusion(matrices[rng.integers(0, len(keep), len(keep))].sum(0))
             for _ in range(n)]
    alpha = (1 - level) / 2
    out = {"records": len(keep)}
    for name in FIGURES:
        values = [d[name] for d in draws if d[name] is not None]
        low, high = np.quantile(values, [alpha, 1 - alpha]) if values else (None, None)
        out[name] = {"point": point[name], "low": None if low is None else float(low),
                     "high": None if high is None else float(high), "resamples": len(values)}
    return out


def record_checksums(records) -> dict[str, str]:
    """SHA-256 of each MIT-BIH file a run read (``.hea``, ``.dat``, ``.atr`` of
    ``records``), by file name: the data a result JSON was computed from."""
    folder = data.mitbih_path()
    return {f"{r}.{ext}": data.sha256_of(folder / f"{r}.{ext}")
            for r in sorted(map(str, records)) for ext in ("hea", "dat", "atr")}


def score_table(model, recipe, decision, table, device=None) -> dict:
    """A trained beat model on the annotated beats of ``table`` (e.g. another database,
    :func:`ecgkit.data.otherdb.db_beat_table`): the AAMI summary of ``decision``'s calls,
    per-record figures and intervals from a bootstrap over records."""
    y = table.y()
    pred = decision(predict_beats(model, recipe.model_inputs(table), device=device)[0])
    return {**metrics.aami_summary(y, pred, table.records),
            "per_record": per_record_figures(y, pred, table.records),
            "ci95_by_record": record_bootstrap_ci(y, pred, table.records),
            "beats": len(y), "records": len(set(table.records))}
