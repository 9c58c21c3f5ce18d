"""Metrics: AUROC with undefined classes, F1 and thresholds, bootstrap, single-label."""
import warnings

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion, f1_score, roc_auc_score

from ecgkit import metrics as M


@pytest.fixture
def scored():
    rng = np.random.default_rng(0)
    y = (rng.random((300, 4)) < [0.5, 0.3, 0.2, 0.1]).astype(np.float32)
    # rounded scores create ties, which AUROC must count as one half
    s = np.round(rng.random((300, 4)) + 0.6 * y, 1)
    return y, s


def test_auroc_matches_sklearn_including_ties(scored):
    y, s = scored
    per = M.per_class_auroc(y, s, list("ABCD"))
    np.testing.assert_allclose(per.to_numpy(), [roc_auc_score(y[:, c], s[:, c]) for c in range(4)])
    assert M.macro_auroc(y, s) == pytest.approx(roc_auc_score(y, s, average="macro"))
    assert M.binary_auroc([0, 1], [0.3, 0.3]) == 0.5
    assert M.binary_auroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0


def test_undefined_class_is_nan_named_and_left_out_of_macro(scored):
    y, s = scored
    y = y.copy()
    y[:, 2] = 0          # no positive
    y[:, 3] = 1          # no negative
    with pytest.warns(M.UndefinedMetricWarning, match=r"\['C', 'D'\]"):
        per = M.per_class_auroc(y, s, list("ABCD"))
    assert np.isnan(per["C"]) and np.isnan(per["D"])
    summary = M.auroc_summary(y, s, list("ABCD"))
    assert summary["n_defined"] == 2 and summary["n_classes"] == 4
    assert summary["undefined"] == ["C", "D"]
    assert summary["macro_auroc"] == pytest.approx(np.mean([per["A"], per["B"]]))
    with pytest.warns(M.UndefinedMetricWarning, match="over 2 of 4"):
        M.macro_auroc(y, s)


def test_single_label_inputs_are_one_vs_rest():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 100)
    probs = rng.dirichlet(np.ones(3), 100)
    expected = roc_auc_score(labels, probs, multi_class="ovr", average="macro")
    assert M.macro_auroc(labels, probs) == pytest.approx(expected)


@pytest.mark.parametrize("bad, match", [
    (lambda y, s: (y, s[:, :3]), "differ in shape"),
    (lambda y, s: (y, np.where(s > 0.5, np.nan, s)), "NaN"),
    (lambda y, s: (y * 2, s), "0/1"),
    (lambda y, s: (y[:0], s[:0]), "empty"),
])
def test_bad_inputs_raise(scored, bad, match):
    with pytest.raises(ValueError, match=match):
        M.macro_auroc(*bad(*scored))


def test_f1_at_threshold_matches_sklearn_and_marks_undefined(scored):
    y, s = scored
    f1 = M.f1_at_threshold(y, s, 0.6)
    np.testing.assert_allclose(f1, [f1_score(y[:, c], s[:, c] >= 0.6) for c in range(4)])
    y0 = np.zeros((3, 1))
    assert np.isnan(M.f1_at_threshold(y0, np.array([[0.1], [0.2], [0.3]]), 0.5)[0])  # 0/0
    assert M.f1_at_threshold(y0, np.array([[0.9], [0.2], [0.3]]), 0.5)[0] == 0.0


def test_tuned_thresholds_maximise_validation_f1(scored):
    y, s = scored
    thr = M.tune_thresholds(y, s)
    tuned = M.f1_at_threshold(y, s, thr)
    for c in range(4):
        best = max(f1_score(y[:, c], s[:, c] >= t) for t in np.unique(s[:, c]))
        assert tuned[c] == pytest.approx(best)
    assert np.all(tuned >= M.f1_at_threshold(y, s, 0.5) - 1e-12)
    y2 = y.copy()
    y2[:, 1] = 0
    with pytest.warns(M.UndefinedMetricWarning):
        assert M.tune_thresholds(y2, s)[1] == 0.5


def test_bootstrap_interval_is_reproducible_and_brackets_the_point(scored):
    y, s = scored
    a = M.bootstrap_ci(M.macro_auroc, y, s, n=100, seed=3)
    b = M.bootstrap_ci(M.macro_auroc, y, s, n=100, seed=3)
    assert a == b
    point, low, high = a
    assert low < point < high
    assert point == pytest.approx(M.macro_auroc(y, s))
    assert 0 < high - low < 0.2


def test_bootstrap_resamples_keep_every_class_present():
    rng = np.random.default_rng(2)
    y = np.zeros((30, 2))
    y[:15, 0] = 1
    y[0, 1] = 1          # a single positive: most resamples miss it
    s = rng.random((30, 2))

    def strict_macro(yt, ys):
        assert M.defined_classes(yt).all(), "a resample lacked a class"
        return M.macro_auroc(yt, ys)

    point, low, high = M.bootstrap_ci(strict_macro, y, s, n=20, seed=0)
    assert low <= high
    with pytest.raises(ValueError, match="too small"):
        M.bootstrap_ci(strict_macro, y, s, n=20, seed=0, max_tries=20)


def test_report_has_per_class_rows_and_macro(scored):
    y, s = scored
    y = y.copy()
    y[:, 3] = 0
    thr = M.tune_thresholds(y[:, :3], s[:, :3])
    report = M.classification_report_multilabel(y, s, list("ABCD"),
                                                 np.append(thr, 0.5))
    assert list(report.index) == ["A", "B", "C", "D", "macro"]
    assert report.loc["D", "status"] == "undefined" and np.isnan(report.loc["D", "auroc"])
    assert report.loc["macro", "status"] == "3 of 4 defined"
    assert report.loc["macro", "auroc"] == pytest.approx(report.loc[list("ABC"), "auroc"].mean())
    assert report.loc["A", "support"] == y[:, 0].sum()
    with pytest.raises(ValueError, match="thresholds"):
        M.classification_report_multilabel(y, s, list("ABCD"), [0.5, 0.5])


def test_single_label_metrics_match_sklearn():
    rng = np.random.default_rng(4)
    t = rng.integers(0, 5, 400)
    p = np.where(rng.random(400) < 0.7, t, rng.integers(0, 5, 400))
    np.testing.assert_array_equal(M.confusion_matrix(t, p, 5), sk_confusion(t, p, labels=range(5)))
    assert M.accuracy(t, p) == pytest.approx(np.mean(t == p))
    assert M.macro_f1(t, p) == pytest.approx(f1_score(t, p, average="macro"))
    report = M.single_label_report(t, p, list("NSVFQ"))
    cm = sk_confusion(t, p)
    assert report.loc["S", "sensitivity"] == pytest.approx(cm[1, 1] / cm[1].sum())
    assert report.loc["S", "ppv"] == pytest.approx(cm[1, 1] / cm[:, 1].sum())
    assert report.attrs["accuracy"] == pytest.approx(M.accuracy(t, p))


def test_single_label_never_predicted_class_has_undefined_ppv():
    report = M.single_label_report([0, 1, 2, 2], [0, 0, 2, 2], ["N", "S", "V"])
    assert np.isnan(report.loc["S", "ppv"])         # S never predicted: 0/0
    assert report.loc["S", "sensitivity"] == 0.0
    with pytest.raises(ValueError, match="integer"):
        M.confusion_matrix([0.0, 1.0], [0, 1])


def test_roc_curve_and_metric_figures(scored):
    import matplotlib
    matplotlib.use("Agg")
    from sklearn.metrics import roc_curve as sk_roc

    from ecgkit import plot as PM

    y, s = scored
    fpr, tpr = M.roc_curve(y[:, 0], s[:, 0])
    f2, t2, _ = sk_roc(y[:, 0], s[:, 0], drop_intermediate=False)
    np.testing.assert_allclose(fpr, f2)
    np.testing.assert_allclose(tpr, t2)
    y = y.copy()
    y[:, 3] = 0
    fig = PM.plot_roc_curves(y, s, list("ABCD"))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == 4 and "undefined" in labels[3]
    assert len(PM.plot_confusion_matrices(y, s, list("ABCD")).axes) == 4
    fig = PM.plot_confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 0, 2, 1]), list("NSV"))
    assert fig.axes[0].get_xlabel() == "predicted"
    with pytest.raises(ValueError, match="positive and negative"):
        M.roc_curve(np.zeros(5), np.arange(5))


def test_paired_bootstrap_difference():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 3)) < 0.4).astype(float)
    perfect = y + 0.01 * rng.random(y.shape)
    noise = rng.random(y.shape)
    same = M.paired_bootstrap_difference(M.macro_auroc, y, noise, noise, n=30)
    assert same == (0.0, 0.0, 0.0)
    better = M.paired_bootstrap_difference(M.macro_auroc, y, perfect, noise, n=30)
    assert better.low > 0.2 and better.point == pytest.approx(M.macro_auroc(y, perfect) - M.macro_auroc(y, noise))
    with pytest.raises(ValueError, match="differ in shape"):
        M.paired_bootstrap_difference(M.macro_auroc, y, noise, noise[:, :2])


def test_class_names_and_as_multilabel_are_public():
    assert M.class_names(None, 3) == ["0", "1", "2"]
    assert M.class_names(("N", "S"), 2) == ["N", "S"]
    with pytest.raises(ValueError, match="3 class names for 2 columns"):
        M.class_names("NSV", 2)
    y, s = M.as_multilabel(np.array([0, 2]), np.zeros((2, 3)))
    np.testing.assert_array_equal(y, [[1, 0, 0], [0, 0, 1]])
    assert y.dtype == s.dtype == np.float64


# ----------------------------------------------------------------------------- MIT-BIH beats
def test_aami_summary_counts_and_record_232():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    y_pred = np.array([0, 1, 1, 0, 0, 2, 2, 0])
    records = np.array(["100", "100", "100", "232", "232", "100", "100", "100"])
    s = M.aami_summary(y_true, y_pred, records)
    assert s["accuracy"] == pytest.approx(4 / 8)
    assert s["per_class"]["S"]["sensitivity"] == pytest.approx(1 / 3)
    assert s["per_class"]["S"]["ppv"] == pytest.approx(1 / 2)
    assert s["s_sensitivity_without_232"] == pytest.approx(1.0)
    assert s["confusion_matrix"][1] == [2, 1, 0, 0, 0]
    # N: tp 1, fp 3, fn 1; S: tp 1, fp 1, fn 2; V: perfect; F: missed
    f1 = [2 / (2 + 3 + 1), 2 / (2 + 1 + 2), 1.0, 0.0]
    assert s["macro_f1_nsvf"] == pytest.approx(np.mean(f1))


def test_macro_f1_nsvf_of_probabilities():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    probs = np.eye(5)[[0, 1, 1, 0, 0, 2, 2, 0]]
    assert M.macro_f1_nsvf(y_true, probs) == pytest.approx(
        M.aami_summary(y_true, probs.argmax(1))["macro_f1_nsvf"])
    assert M.macro_f1_nsvf(np.array([4, 4]), np.eye(5)[[4, 4]]) == 0.0  # undefined -> 0.0


# ----------------------------------------------------------------------------- R peaks
def test_evaluate_detector_counts_with_tolerance():
    ref = np.array([1000, 2000, 3000, 4000])
    det = np.array([1040, 2100, 3000, 3500])  # 40 ms: hit; 100 samples = 278 ms: miss
    r = M.evaluate_detector(ref, det, fs=360, tolerance_s=0.15)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 2, 2)
    assert r["sensitivity"] == pytest.approx(0.5) and r["ppv"] == pytest.approx(0.5)
    assert M.evaluate_detector(ref, [], 360)["sensitivity"] == 0.0


def test_versus_baseline_separates_a_learned_class_from_one_at_chance():
    rng = np.random.default_rng(0)
    y = (rng.random((300, 3)) < 0.3).astype(int)
    y[:, 2] = 0                                        # no positive: no row for it
    score = rng.random((300, 3))
    score[:, 0] += 0.5 * y[:, 0]                       # class A learned, B at chance
    table = M.versus_baseline(y, score, ["A", "B", "C"], n=100)
    assert list(table.index) == ["A", "B"]
    assert table.loc["A", "learned"] and not table.loc["B", "learned"]
    assert table.loc["B", "low"] < 0.5 < table.loc["B", "high"]
    assert table.loc["A", "positives"] == y[:, 0].sum()
    assert np.isclose(table.loc["A", "prior"], y[:, 0].mean())
