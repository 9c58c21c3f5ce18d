"""Figures of evaluation results: ROC curves and confusion matrices.

(To be merged into :mod:`ecgkit.plot`.) Inputs follow :mod:`ecgkit.metrics`:
``y_true`` 0/1 ``(N, C)`` and ``y_score`` ``(N, C)`` for multi-label results, integer
labels ``(N,)`` for single-label ones. Every function returns the matplotlib Figure.
"""
from __future__ import annotations

import numpy as np

from ecgkit import metrics

__all__ = ["roc_curve", "plot_roc_curves", "plot_confusion_matrices", "plot_confusion_matrix"]


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


def plot_roc_curves(y_true, y_score, classes=None, ax=None, title: str | None = None):
    """One ROC curve per class with its AUROC in the legend; undefined classes listed.

    A class without positives or negatives in this split has no curve; the legend says
    so instead of drawing nothing silently.
    """
    import matplotlib.pyplot as plt

    y_true, y_score = metrics._as_multilabel(y_true, y_score)
    names = metrics._class_names(classes, y_true.shape[1])
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.8, 4.5))
    else:
        fig = ax.figure
    defined = metrics.defined_classes(y_true)
    for c, name in enumerate(names):
        if not defined[c]:
            ax.plot([], [], " ", label=f"{name}: undefined (no pos. or neg.)")
            continue
        fpr, tpr = roc_curve(y_true[:, c], y_score[:, c])
        ax.plot(fpr, tpr, lw=1.5,
                label=f"{name}: AUROC {metrics.binary_auroc(y_true[:, c], y_score[:, c]):.3f}")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=0.8)
    ax.set(xlabel="false-positive rate (1 - specificity)",
           ylabel="true-positive rate (sensitivity)", xlim=(0, 1), ylim=(0, 1.01))
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_confusion_matrices(y_true, y_score, classes=None, thresholds=0.5, fig=None):
    """A 2x2 confusion matrix per class of a multi-label result.

    ``thresholds``: scalar or one per class (e.g. from :func:`ecgkit.metrics.tune_thresholds`);
    predicted positive where ``y_score >= threshold``. Rows: true 0/1; columns:
    predicted 0/1 (TN FP / FN TP).
    """
    import matplotlib.pyplot as plt

    y_true, y_score = metrics._as_multilabel(y_true, y_score)
    names = metrics._class_names(classes, y_true.shape[1])
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (len(names),))
    n = len(names)
    if fig is None:
        fig = plt.figure(figsize=(2.6 * n, 2.8))
    else:
        fig.clear()
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, c, name in zip(axes, range(n), names):
        pred = (y_score[:, c] >= thr[c]).astype(int)
        cm = metrics.confusion_matrix(y_true[:, c].astype(int), pred, 2)
        ax.imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center",
                    color="white" if v > cm.max() / 2 else "black")
        ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["0", "1"], yticklabels=["0", "1"],
               xlabel="predicted", title=f"{name} (t={thr[c]:.2f})")
        if c == 0:
            ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, classes=None, normalize: bool = False, ax=None,
                          title: str | None = None):
    """Single-label confusion matrix (rows true, columns predicted).

    ``normalize=True`` divides each row by its count (row = sensitivity per class);
    the counts stay printed in the cells either way.
    """
    import matplotlib.pyplot as plt

    n = None if classes is None else len(classes)
    cm = metrics.confusion_matrix(y_true, y_pred, n)
    names = metrics._class_names(classes, len(cm))
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(cm), 0.8 + 0.7 * len(cm)))
    else:
        fig = ax.figure
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    for (i, j), v in np.ndenumerate(cm):
        text = f"{shown[i, j]:.2f}\n({v})" if normalize else str(v)
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if shown[i, j] > shown.max() / 2 else "black")
    ax.set(xticks=range(len(cm)), yticks=range(len(cm)), xticklabels=names,
           yticklabels=names, xlabel="predicted", ylabel="true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    if title:
        ax.set_title(title)
    return fig
