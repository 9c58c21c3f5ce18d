"""Per-record figures and the bootstrap over records (patients)."""
import doctest

import numpy as np
import pytest

from ecgkit import metrics
from ecgkit.experiments.mitbih import records as R


def beats(seed=0, n_records=12):
    rng = np.random.default_rng(seed)
    y, recs = [], []
    for k in range(n_records):
        n = rng.integers(50, 400)
        y.append(rng.choice(5, n, p=[0.8, 0.08, 0.08, 0.03, 0.01]))
        recs += [f"r{k:02d}"] * n
    y = np.concatenate(y)
    pred = np.where(rng.random(len(y)) < 0.85, y, rng.integers(0, 5, len(y)))
    return y, pred, np.array(recs)


def test_doctest():
    assert doctest.testmod(R).failed == 0


def test_pooled_figures_match_the_beat_level_report():
    y, pred, recs = beats()
    names, cms = R.record_confusions(y, pred, recs)
    assert len(names) == 12 and cms.sum() == len(y)
    pooled = R.figures_from_confusion(cms.sum(0))
    report = metrics.aami_summary(y, pred)
    assert np.isclose(pooled["accuracy"], report["accuracy"])
    assert np.isclose(pooled["macro_f1_nsvf"], report["macro_f1_nsvf"])
    for c in "SV":
        assert np.isclose(pooled[f"{c}_sensitivity"], report["per_class"][c]["sensitivity"])
        assert np.isclose(pooled[f"{c}_ppv"], report["per_class"][c]["ppv"])


def test_per_record_rows():
    y = np.array([0, 0, 1, 1, 2])
    pred = np.array([0, 1, 1, 0, 2])
    rows = {r["record"]: r for r in R.per_record_figures(y, pred, ["a", "a", "a", "b", "b"])}
    assert rows["a"]["beats_N"] == 2 and rows["a"]["beats_S"] == 1
    assert rows["a"]["S_sensitivity"] == 1.0 and rows["a"]["S_ppv"] == 0.5
    assert rows["b"]["S_sensitivity"] == 0.0 and rows["b"]["S_ppv"] is None  # none called
    assert rows["b"]["V_sensitivity"] == 1.0


def test_record_bootstrap_is_wider_than_a_beat_bootstrap():
    # records differ a lot (one calls everything right, one almost nothing): resampling
    # records must show that, resampling beats hides it
    y, pred, recs = beats(1)
    bad = recs == "r00"
    pred[bad] = (y[bad] + 1) % 5
    ci = R.record_bootstrap_ci(y, pred, recs, n=300)
    assert ci["accuracy"]["low"] < ci["accuracy"]["point"] < ci["accuracy"]["high"]
    rng = np.random.default_rng(0)
    acc = [np.mean(y[i] == pred[i]) for i in (rng.integers(0, len(y), len(y))
                                               for _ in range(300))]
    beat_width = np.diff(np.quantile(acc, [0.025, 0.975]))[0]
    assert ci["accuracy"]["high"] - ci["accuracy"]["low"] > 2 * beat_width
    without = R.record_bootstrap_ci(y, pred, recs, n=100, exclude=["r00"])
    assert without["records"] == 11 and without["accuracy"]["point"] > ci["accuracy"]["point"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same 1-D shape"):
        R.record_confusions([0, 1], [0], ["a", "a"])
    with pytest.raises(ValueError, match="0..4"):
        R.record_confusions([0, 7], [0, 1], ["a", "a"])
    with pytest.raises(ValueError, match="no record left"):
        R.record_bootstrap_ci([0], [0], ["232"], exclude=["232"])
