"""The non-deep MIT-BIH reference: gradient-boosted trees on flat beat features.

Histogram gradient boosting on 32 points of the beat minus its record's median beat, plus
the five RR features, binned at class-weighted quantiles (:class:`BinnedGBM`).
"""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from ecgkit.data.mitbih import AAMI_CLASSES

__all__ = ["WeightedQuantileBins", "BinnedGBM", "train_gbm", "gbm_probabilities",
           "gbm_out_of_fold"]


class WeightedQuantileBins:
    """Replace each feature by the index of its weighted-quantile bin (at most 255 bins).

    What :class:`~sklearn.ensemble.HistGradientBoostingClassifier` does itself when it
    gets sample weights, done in one sort per feature: scikit-learn 1.9 finds each of the
    254 weighted quantiles with a sort of its own, which made binning (not boosting) take
    ~95 % of a fit. Given features with at most 255 distinct values, the trees use them
    as they are, so the bins are these.
    """

    def __init__(self, max_bins: int = 255):
        self.max_bins = max_bins

    def fit(self, X, y=None, sample_weight=None):
        """Bin thresholds of each column of ``X`` (n_beats, n_features), by weight."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or not np.isfinite(X).all():
            raise ValueError("features must be a finite (n_beats, n_features) array")
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)
        targets = np.linspace(0, 1, self.max_bins + 1)[1:-1]
        X, w = X[w > 0], w[w > 0]  # beats of weight 0 do not place bins
        self.thresholds_ = []
        for col in X.T:
            order = np.argsort(col, kind="stable")
            values, cum = col[order], np.cumsum(w[order])
            distinct = np.unique(values)
            if len(distinct) <= self.max_bins:
                thr = (distinct[:-1] + distinct[1:]) / 2
            else:
                # the weighted "averaged inverted CDF": a quantile that falls exactly on
                # a step of the cumulative weight is the mean of the two values there
                rank = targets * cum[-1]
                idx = np.minimum(np.searchsorted(cum, rank, side="left"), len(values) - 1)
                on_step = cum[idx] - rank <= np.finfo(float).eps
                nxt = np.minimum(idx + 1, len(values) - 1)
                thr = np.unique(np.where(on_step, (values[idx] + values[nxt]) / 2,
                                         values[idx]))
            self.thresholds_.append(thr)
        return self

    def transform(self, X):
        """float32 (n_beats, n_features) bin indices of ``X``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.thresholds_):
            raise ValueError(f"expected (n, {len(self.thresholds_)}) features, got {X.shape}")
        return np.stack([np.searchsorted(t, c, side="left") for t, c in
                         zip(self.thresholds_, X.T)], axis=1).astype(np.float32)


class BinnedGBM:
    """:class:`WeightedQuantileBins` then histogram gradient boosting; a classifier with
    ``classes_``, ``fit(X, y, sample_weight)`` and ``predict_proba(X)``."""

    def __init__(self, max_iter: int = 150, seed: int = 0):
        self.bins = WeightedQuantileBins()
        self.trees = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1,
                                                    random_state=seed)

    @property
    def classes_(self):
        return self.trees.classes_

    def fit(self, X, y, sample_weight=None):
        binned = self.bins.fit(X, sample_weight=sample_weight).transform(X)
        self.trees.fit(binned, y, sample_weight=sample_weight)
        return self

    def predict_proba(self, X):
        return self.trees.predict_proba(self.bins.transform(X))


def train_gbm(features, y, seed: int = 0, class_weight: str | None = "sqrt",
              max_iter: int = 150):
    """Histogram gradient boosting on flat beat features (:func:`ecgkit.data.beat_features`).

    ``class_weight="sqrt"`` weighs each beat by ``sqrt(n_max / n_class)`` (square-root
    balancing; full balancing lets the 8 Q beats of DS1 and the F beats of one record,
    208, pull thousands of N beats into F). The features are binned at weighted
    quantiles first (:class:`BinnedGBM`). Returns the fitted classifier.
    """
    y = np.asarray(y)
    weights = None
    if class_weight == "sqrt":
        counts = np.bincount(y).astype(float)
        per_class = np.sqrt(counts.max() / np.where(counts > 0, counts, np.inf))
        weights = per_class[y]
    elif class_weight is not None:
        raise ValueError(f"class_weight must be 'sqrt' or None, got {class_weight!r}")
    return BinnedGBM(max_iter, seed).fit(features, y, sample_weight=weights)


def gbm_probabilities(clf, features) -> np.ndarray:
    """(n, 5) probabilities of a :func:`train_gbm` model, even for classes absent from
    its training beats (probability 0)."""
    probs = np.zeros((len(features), len(AAMI_CLASSES)), dtype=np.float32)
    probs[:, clf.classes_] = clf.predict_proba(features)
    return probs


def gbm_out_of_fold(features, y, groups=None, n_splits: int = 5, seed: int = 0,
                    max_iter: int = 150) -> np.ndarray:
    """Out-of-fold probabilities ``(n, 5)`` of :func:`train_gbm` by cross-validation.

    ``groups`` (e.g. the record of each beat) keeps each group in one fold
    (``GroupKFold``): every beat is then predicted by trees that never saw its patient,
    as the test patients of the inter-patient split will be. Without groups the folds
    are stratified random beat splits (the intra-patient protocol). The result feeds
    :func:`~ecgkit.experiments.mitbih.choose_s_threshold`.
    """
    features, y = np.asarray(features), np.asarray(y)
    if groups is not None:
        groups = np.asarray(groups)
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ValueError("need beats of at least 2 groups (records) to cross-validate")
        folds = GroupKFold(n_splits=min(n_splits, n_groups)).split(features, y, groups)
    else:
        if len(y) < n_splits:
            raise ValueError(f"need at least {n_splits} beats for {n_splits} folds")
        counts = np.bincount(y)
        # stratify when every class can be in every fold (not, e.g., 1 Q beat)
        kfold = StratifiedKFold if counts[counts > 0].min() >= n_splits else KFold
        folds = kfold(n_splits, shuffle=True, random_state=seed).split(features, y)
    oof = np.zeros((len(y), 5), dtype=np.float32)
    for fit_idx, held_idx in folds:
        clf = train_gbm(features[fit_idx], y[fit_idx], seed, max_iter=max_iter)
        oof[held_idx] = gbm_probabilities(clf, features[held_idx])
    return oof
