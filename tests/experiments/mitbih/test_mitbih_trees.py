"""The gradient-boosted trees of the MIT-BIH benchmark: binning and out-of-fold predictions."""
import numpy as np
import pytest
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper

from ecgkit.data import beat_table
from ecgkit.experiments.mitbih import (WeightedQuantileBins, gbm_out_of_fold,
                                       gbm_probabilities, train_gbm)


def test_weighted_quantile_bins_are_the_trees_own():
    """The bins match scikit-learn's weighted binning (made in one sort per feature
    instead of one per quantile); heavy weights draw bins towards their beats."""
    g = np.random.default_rng(0)
    X = np.column_stack([g.normal(size=3000), g.integers(0, 4, 3000)]).astype(float)
    w = np.where(X[:, 0] > 1.5, 20.0, 1.0)  # the rare tail weighs more
    bins = WeightedQuantileBins().fit(X, sample_weight=w)
    reference = _BinMapper(n_bins=256).fit(X, sample_weight=w).bin_thresholds_
    for ours, theirs in zip(bins.thresholds_, reference):
        assert np.allclose(ours, theirs)
    assert np.allclose(bins.thresholds_[1], [0.5, 1.5, 2.5])  # few values: midpoints
    unweighted = WeightedQuantileBins().fit(X)
    assert (bins.thresholds_[0] > 1.5).sum() > 3 * (unweighted.thresholds_[0] > 1.5).sum()
    binned = bins.transform(X)
    assert binned.dtype == np.float32 and len(np.unique(binned[:, 0])) <= 255
    order = np.argsort(X[:, 0])
    assert (np.diff(binned[order, 0]) >= 0).all()  # order kept
    with pytest.raises(ValueError, match="finite"):
        WeightedQuantileBins().fit(np.array([[np.nan], [1.0]]))
    with pytest.raises(ValueError, match="features"):
        bins.transform(X[:, :1])


def test_gbm_out_of_fold_never_predicts_a_record_with_its_own_trees(small_table):
    # 8 points, 2 folds: a small, quick check
    feats, _ = beat_table.beat_features(small_table, n_points=8, relative_to_median=True)
    y = small_table.y()
    oof = gbm_out_of_fold(feats, y, small_table.records, n_splits=2, max_iter=20)
    assert oof.shape == (len(y), 5) and np.allclose(oof.sum(1), 1, atol=1e-4)
    # each record is predicted by trees trained on the other three: record 232's S beats
    # get far less confident S calls than from trees that saw record 232.
    s232 = (small_table.records == "232") & (y == 1)
    seen = gbm_probabilities(train_gbm(feats, y, max_iter=20), feats)
    assert oof[s232, 1].mean() < seen[s232, 1].mean() - 0.2
    with pytest.raises(ValueError, match="2 groups"):
        gbm_out_of_fold(feats[:50], y[:50], np.array(["100"] * 50))
