"""Beat tables of MIT-BIH: windows, RR features, splits, caching and R-peak detection."""
import numpy as np
import pytest

from ecgkit import beats, data

SPEC = beats.BeatSpec()


@pytest.fixture(scope="module")
def small_table():
    """Two DS1 and two DS2 records (about 8,000 beats), built once for the module."""
    return beats.build_beat_table(("101", "119", "100", "232"), SPEC, cache=False)


# --------------------------------------------------------------------------- spec
def test_spec_default_window_at_120_hz():
    assert (SPEC.before, SPEC.after, SPEC.length) == (30, 54, 84)
    assert "MLII" in SPEC.key() and "120hz" in SPEC.key()


@pytest.mark.parametrize("kwargs, match", [
    ({"fs": 500}, "between"),
    ({"before_s": -0.1}, "before_s"),
    ({"fs": 60, "band_hz": (0.5, 40.0)}, "alias"),
    ({"fs": 120.5}, "integer"),
    ({"band_hz": (40.0, 0.5)}, "low < high"),
])
def test_spec_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        beats.BeatSpec(**kwargs)


# --------------------------------------------------------------------------- RR features
def test_rr_features_regular_rhythm_is_all_ones():
    peaks = np.arange(20) * 300  # 300 samples = 0.833 s at 360 Hz
    rr, rr_abs = beats.rr_features(peaks, 360)
    assert rr.shape == (20, len(beats.RR_FEATURES)) and rr.dtype == np.float32
    np.testing.assert_allclose(rr, 1.0, rtol=1e-6)
    np.testing.assert_allclose(rr_abs, 300 / 360, rtol=1e-6)


def test_rr_features_premature_beat_and_compensatory_pause():
    peaks = np.cumsum([0] + [360] * 9 + [200, 520] + [360] * 8)  # beat 10 comes early
    rr, _ = beats.rr_features(peaks, 360)
    names = list(beats.RR_FEATURES)
    early = rr[10]
    assert early[names.index("pre_rr")] < 0.6
    assert early[names.index("pre_over_local")] < 0.6
    assert early[names.index("post_over_pre")] > 2.0
    # the mean RR is unchanged by the early beat (200 + 520 = 2 * 360)
    assert rr[5, names.index("pre_rr")] == pytest.approx(1.0)


def test_rr_features_are_rate_invariant_but_absolute_rr_is_not():
    base = np.cumsum([0] + [300] * 5 + [180, 420] + [300] * 5)
    rr_slow, abs_slow = beats.rr_features(base * 2, 360)   # same rhythm, half the rate
    rr_fast, abs_fast = beats.rr_features(base, 360)
    np.testing.assert_allclose(rr_slow, rr_fast, rtol=1e-6)
    np.testing.assert_allclose(abs_slow, 2 * abs_fast, rtol=1e-6)


@pytest.mark.parametrize("peaks", [[1, 2], [5, 3, 9, 12], np.zeros((3, 2))])
def test_rr_features_rejects_bad_peaks(peaks):
    with pytest.raises(ValueError):
        beats.rr_features(peaks, 360)


# --------------------------------------------------------------------------- one record
def test_record_beats_windows_are_centred_on_r_peaks():
    table = beats.record_beats("100", SPEC)
    samples, labels = data.load_mitbih_record("100").beats()
    assert table.windows.shape == (len(table), SPEC.length)
    assert len(table) >= len(samples) - 2  # at most the first and last beat dropped
    assert set(np.unique(table.labels)) <= set(data.AAMI_CLASSES)
    assert (table.records == "100").all()
    # On normal beats the largest deflection of the window sits within 30 ms of the R mark
    n = table.windows[table.labels == "N"]
    peak = np.abs(n - np.median(n, axis=1, keepdims=True)).argmax(axis=1)
    assert np.mean(np.abs(peak - SPEC.before) <= 0.03 * SPEC.fs) > 0.95


def test_record_114_uses_mlii_from_its_second_channel():
    rec = data.load_mitbih_record("114")
    assert rec.leads.index("MLII") == 1
    raw = beats.record_beats("114", beats.BeatSpec(fs=360, band_hz=None))
    r = raw.samples[5]
    start, stop = r - round(0.25 * 360), r + round(0.45 * 360)
    np.testing.assert_allclose(raw.windows[5], rec.signal[start:stop, 1], rtol=1e-6)
    assert not np.allclose(raw.windows[5], rec.signal[start:stop, 0])


def test_paced_records_are_refused():
    with pytest.raises(ValueError, match="paced"):
        beats.build_beat_table(("100", "102"), SPEC, cache=False)


def test_beat_table_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    first = beats.build_beat_table(("100",), SPEC)
    files = list(tmp_path.glob("mitbih_beats_*.npz"))
    assert len(files) == 1 and SPEC.key() in files[0].name
    second = beats.build_beat_table(("100",), SPEC)
    np.testing.assert_array_equal(first.windows, second.windows)
    np.testing.assert_array_equal(first.labels, second.labels)
    other = beats.build_beat_table(("100",), beats.BeatSpec(before_s=0.3))
    assert other.windows.shape[1] != first.windows.shape[1]
    assert len(list(tmp_path.glob("mitbih_beats_*.npz"))) == 2


def test_table_helpers(small_table):
    t = small_table
    counts = t.class_counts()
    assert sum(counts.values()) == len(t)
    assert counts["S"] > 1000  # record 232 holds most of DS2's S beats
    y = t.y()
    assert y.dtype == np.int64 and (np.array(data.AAMI_CLASSES)[y] == t.labels).all()
    assert len(t.of_records(["232"])) == (t.records == "232").sum()
    assert "beats from 4 records" in repr(t)


# --------------------------------------------------------------------------- splits
def test_inter_patient_split_keeps_patients_apart(small_table):
    train, test = beats.inter_patient_split(small_table)
    train_recs, test_recs = set(small_table.records[train]), set(small_table.records[test])
    assert train_recs == {"101", "119"} and test_recs == {"100", "232"}
    assert not train_recs & test_recs
    assert len(train) + len(test) == len(small_table)


def test_inter_patient_split_needs_both_sides():
    table = beats.build_beat_table(("100",), SPEC, cache=False)
    with pytest.raises(ValueError, match="empty"):
        beats.inter_patient_split(table)


def test_intra_patient_split_mixes_patients_and_keeps_class_shares(small_table):
    train, test = beats.intra_patient_split(small_table, test_size=0.2, seed=1)
    assert not set(train) & set(test) and len(train) + len(test) == len(small_table)
    assert len(test) == pytest.approx(0.2 * len(small_table), abs=2)
    # the leak: every record is on both sides
    assert set(small_table.records[train]) == set(small_table.records[test])
    s_share = lambda idx: np.mean(small_table.labels[idx] == "S")  # noqa: E731
    assert s_share(test) == pytest.approx(s_share(train), abs=0.005)
    again, _ = beats.intra_patient_split(small_table, test_size=0.2, seed=1)
    np.testing.assert_array_equal(train, again)


def test_split_beats_rejects_unknown_split(small_table):
    with pytest.raises(ValueError, match="inter"):
        beats.split_beats(small_table, "random")


def test_load_beat_table_cap_keeps_both_sides(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    t = beats.load_beat_table(max_records=2)
    assert set(t.records) == {data.DS1[0], data.DS2[0]}


# --------------------------------------------------------------------------- inputs
def test_normalize_beats():
    rng = np.random.default_rng(0)
    w = rng.normal(2.0, 3.0, size=(5, 50)).astype(np.float32)
    z = beats.normalize_beats(w, "zscore")
    np.testing.assert_allclose(z.mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(1), 1, atol=1e-3)
    c = beats.normalize_beats(w, "center")
    np.testing.assert_allclose(c.std(1), w.std(1), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown"):
        beats.normalize_beats(w, "minmax")
    w[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        beats.normalize_beats(w)


def test_record_median_beats(small_table):
    t = small_table[:3000]
    med = beats.record_median_beats(t.windows, t.records)
    assert med.shape == t.windows.shape
    for r in np.unique(t.records):
        m = t.records == r
        np.testing.assert_allclose(med[m][0], np.median(t.windows[m], axis=0), rtol=1e-5)
        assert (med[m] == med[m][0]).all()


def test_model_inputs_shapes(small_table):
    t = small_table[:100]
    x = beats.model_inputs(t, rr=True, median_beat=True)
    assert x.shape == (100, 2, SPEC.length + len(beats.RR_FEATURES))
    np.testing.assert_allclose(x[:, 0, -len(beats.RR_FEATURES):], t.rr)
    x = beats.model_inputs(t, rr=False, median_beat=False)
    assert x.shape == (100, 1, SPEC.length)
    # relative to the median: channel 0 is the normalised beat minus its record's median
    x = beats.model_inputs(t, rr=True, median_beat=False, relative_to_median=True)
    z = beats.normalize_beats(t.windows)
    assert x.shape == (100, 1, SPEC.length + len(beats.RR_FEATURES))
    np.testing.assert_allclose(x[:, 0, :SPEC.length],
                               z - beats.record_median_beats(z, t.records), atol=1e-5)
    x2 = beats.model_inputs(t, rr=False, median_beat=True, relative_to_median=True)
    np.testing.assert_allclose(x2[:, 1], beats.record_median_beats(z, t.records), atol=1e-5)


def test_beat_features(small_table):
    X, names = beats.beat_features(small_table[:50], n_points=16, rr="normalized")
    assert X.shape == (50, 16 + len(beats.RR_FEATURES)) == (50, len(names))
    X_abs, names_abs = beats.beat_features(small_table[:50], n_points=16, rr="absolute")
    assert names_abs[-1] == "local_rr_s" and X_abs.shape == (50, 19)
    with pytest.raises(ValueError, match="n_points"):
        beats.beat_features(small_table[:5], n_points=1000)
    # beat minus its record's median beat: a record's median row of the difference is 0
    t = small_table
    X_rel, names_rel = beats.beat_features(t, n_points=t.windows.shape[1], rr=None,
                                           relative_to_median=True)
    assert names_rel[0] == "diff_0" and X_rel.shape == t.windows.shape
    for record in np.unique(t.records):
        rows = X_rel[t.records == record]
        np.testing.assert_allclose(np.median(rows, axis=0), 0, atol=1e-5)
    X_plain, _ = beats.beat_features(t, n_points=t.windows.shape[1], rr=None)
    assert not np.allclose(X_plain, X_rel)


# --------------------------------------------------------------------------- metrics
def test_aami_summary_counts_and_record_232():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    y_pred = np.array([0, 1, 1, 0, 0, 2, 2, 0])
    records = np.array(["100", "100", "100", "232", "232", "100", "100", "100"])
    s = beats.aami_summary(y_true, y_pred, records)
    assert s["accuracy"] == pytest.approx(4 / 8)
    assert s["per_class"]["S"]["sensitivity"] == pytest.approx(1 / 3)
    assert s["per_class"]["S"]["ppv"] == pytest.approx(1 / 2)
    assert s["s_sensitivity_without_232"] == pytest.approx(1.0)
    assert s["confusion_matrix"][1] == [2, 1, 0, 0, 0]
    # N: tp 1, fp 3, fn 1; S: tp 1, fp 1, fn 2; V: perfect; F: missed
    f1 = [2 / (2 + 3 + 1), 2 / (2 + 1 + 2), 1.0, 0.0]
    assert s["macro_f1_nsvf"] == pytest.approx(np.mean(f1))


# --------------------------------------------------------------------------- detection
def test_xqrs_finds_the_annotated_beats_of_record_100():
    rec = data.load_mitbih_record("100")
    n = 120 * rec.fs  # two minutes keep the test fast
    detected = beats.detect_r_peaks(rec.lead("MLII")[:n], rec.fs)
    ref, _ = rec.beats()
    ref = ref[ref < n]
    result = beats.evaluate_detector(ref, detected, rec.fs)
    assert result["sensitivity"] > 0.99 and result["ppv"] > 0.99
    assert result["tp"] + result["fn"] == len(ref)


def test_evaluate_detector_counts_with_tolerance():
    ref = np.array([1000, 2000, 3000, 4000])
    det = np.array([1040, 2100, 3000, 3500])  # 40 ms: hit; 100 samples = 278 ms: miss
    r = beats.evaluate_detector(ref, det, fs=360, tolerance_s=0.15)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 2, 2)
    assert r["sensitivity"] == pytest.approx(0.5) and r["ppv"] == pytest.approx(0.5)
    assert beats.evaluate_detector(ref, [], 360)["sensitivity"] == 0.0


def test_detect_r_peaks_rejects_short_or_bad_signals():
    with pytest.raises(ValueError, match="10 s"):
        beats.detect_r_peaks(np.zeros(360 * 5), 360)
    with pytest.raises(ValueError, match="one lead"):
        beats.detect_r_peaks(np.zeros((2, 360 * 20)), 360)
    x = np.zeros(360 * 20)
    x[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        beats.detect_r_peaks(x, 360)


# --------------------------------------------------------------------------- validation
def test_validation_records_hold_out_whole_patients_with_s_and_v():
    from ecgkit.bench_mitbih import validation_records

    rng = np.random.default_rng(0)
    names = [f"r{i}" for i in range(12)]
    records = np.repeat(names, 1000)
    y = np.zeros(len(records), dtype=np.int64)
    for i, r in enumerate(names):  # S in records 0-3, V in 4-7; record 0 holds most S
        m = np.flatnonzero(records == r)
        if i < 4:
            y[rng.choice(m, 400 if i == 0 else 60, replace=False)] = 1
        elif i < 8:
            y[rng.choice(m, 100, replace=False)] = 2
    for seed in range(5):
        val = validation_records(records, y, seed, val_fraction=0.1)
        assert val and len(val) < len(names)
        held = np.isin(records, val)
        assert y[held].tolist().count(1) > 0 and y[held].tolist().count(2) > 0
        assert "r0" not in val  # holds over 30 % of the S beats: training needs it
        assert held.sum() <= 0.2 * len(y) + 1000
    assert validation_records(records[:2000], y[:2000]) == []  # 2 records: none held out
    assert validation_records(records[:9000], y[:9000]) == []  # 9: too few to hold one out


def test_split_indices_inter_validates_on_unseen_records(small_table):
    from ecgkit.bench_mitbih import split_indices

    idx = split_indices(small_table, "inter", seed=0)
    rec = {k: set(small_table.records[v]) for k, v in idx.items()}
    # two DS1 records only: too few to hold one out, so the validation is beat-wise
    assert rec["train"] == rec["val"] == {"101", "119"}
    idx = split_indices(small_table, "intra", seed=0)
    assert set(small_table.records[idx["val"]]) <= set(small_table.records[idx["train"]])
    assert len(np.intersect1d(idx["train"], idx["val"])) == 0


def test_beat_augment_changes_beats_not_the_median_channel():
    import torch

    from ecgkit.bench_mitbih import BeatAugment

    x = torch.randn(16, 2, 84 + 5)
    x[:, 1, -5:] = 0
    out = BeatAugment(n_rr=5, strength=1.0, seed=0)(x)
    assert out.shape == x.shape and not torch.equal(out[:, 0], x[:, 0])
    assert torch.equal(out[:, 1], x[:, 1])
    assert torch.equal(BeatAugment(5, 0.0)(x), x)


# --------------------------------------------------------------------------- decisions
def test_decide_beats_threshold_only_turns_n_into_s():
    probs = np.array([[0.90, 0.08, 0.02, 0, 0],    # N, p(S) 0.08
                      [0.97, 0.01, 0.02, 0, 0],    # N, p(S) 0.01
                      [0.30, 0.10, 0.60, 0, 0],    # V stays V whatever p(S)
                      [0.20, 0.70, 0.10, 0, 0]])   # S already
    assert beats.decide_beats(probs).tolist() == [0, 0, 2, 1]
    assert beats.decide_beats(probs, 0.05).tolist() == [1, 0, 2, 1]
    assert beats.decide_beats(probs, 0.005).tolist() == [1, 1, 2, 1]


@pytest.mark.parametrize("probs, threshold, match", [
    (np.ones((3, 4)) / 4, None, "must be"),
    (np.array([[np.nan, 0, 0, 0, 1.0]]), None, "NaN"),
    (np.array([[1.0, 0, 0, 0, 0]]), 1.5, "s_threshold"),
    (np.array([[1.0, 0, 0, 0, 0]]), 0.0, "s_threshold"),
])
def test_decide_beats_rejects_bad_input(probs, threshold, match):
    with pytest.raises(ValueError, match=match):
        beats.decide_beats(probs, threshold)


def test_choose_s_threshold_finds_the_separating_threshold():
    from ecgkit.bench_mitbih import choose_s_threshold

    rng = np.random.default_rng(0)
    y = np.array([0] * 200 + [1] * 20 + [2] * 20)

    def probs_with(s_low, s_high):
        probs = np.zeros((len(y), 5))
        probs[:200, 0], probs[:200, 1] = 0.99, rng.uniform(0.0, 0.008, 200)  # N: p(S) < .01
        probs[200:220, 0], probs[200:220, 1] = 0.9, rng.uniform(s_low, s_high, 20)
        probs[220:, 2] = 0.95
        probs[:, 3] = 1 - probs.sum(1)  # rows sum to 1
        return probs

    threshold, scores = choose_s_threshold(y, probs_with(0.012, 0.09))
    assert threshold == 0.01  # the only threshold that separates S from N
    assert scores[0.01] == pytest.approx(1.0) and scores["argmax"] < 0.8
    # 0.03, 0.02 and 0.01 all separate: the tie goes to the largest (fewest S calls)
    assert choose_s_threshold(y, probs_with(0.031, 0.09))[0] == 0.03
    # no S beat in the data: nothing to tune on, plain argmax
    assert choose_s_threshold(y[y != 1], probs_with(0.03, 0.09)[y != 1])[0] is None


def test_adjust_for_prior_is_bayes_rule_at_weight_one():
    probs = np.array([[0.5, 0.5, 0, 0, 0], [0.2, 0.2, 0.6, 0, 0]])
    ratio = np.array([1.0, 0.1, 0.2, 0.05, 0.0])
    assert np.array_equal(beats.adjust_for_prior(probs, ratio, 0), probs)
    full = beats.adjust_for_prior(probs, ratio, 1)
    assert np.allclose(full.sum(1), 1)
    assert full[0, 0] == pytest.approx(0.5 / (0.5 + 0.05))  # p(c) * ratio_c, renormalised
    half = beats.adjust_for_prior(probs, ratio, 0.5)
    assert probs[0, 0] < half[0, 0] < full[0, 0]  # part of the way
    # the balanced model's V call of row 2 survives a half correction, not a full one
    assert half[1].argmax() == 2 and full[1].argmax() == 0


@pytest.mark.parametrize("probs, ratio, weight, match", [
    (np.ones((2, 5)) / 5, np.ones(4), 1, "do not match"),
    (np.ones((2, 5)) / 5, np.array([1, np.nan, 1, 1, 1]), 1, "NaN"),
    (np.ones((2, 5)) / 5, np.array([1, -1, 1, 1, 1]), 1, ">= 0"),
    (np.ones((2, 5)) / 5, np.zeros(5), 1, ">= 0"),
    (np.ones((2, 5)) / 5, np.ones(5), 1.5, "weight"),
])
def test_adjust_for_prior_rejects_bad_input(probs, ratio, weight, match):
    with pytest.raises(ValueError, match=match):
        beats.adjust_for_prior(probs, ratio, weight)


def test_prior_ratio_and_decision_weights():
    from dataclasses import replace

    from ecgkit.bench_mitbih import PRIOR_WEIGHTS, RECIPES, decision_weights, prior_ratio

    y = np.array([0] * 900 + [1] * 25 + [2] * 75)
    # square-root sampler and square-root loss weights: every class weighed as N, so the
    # ratio is the class frequencies (scaled to N = 1); Q is absent
    assert np.allclose(prior_ratio(y), [1, 25 / 900, 75 / 900, 0, 0])
    assert np.allclose(prior_ratio(y, None, None), [1, 1, 1, 0, 0])  # nothing to undo
    assert np.allclose(prior_ratio(y, None, "sqrt"), [1, 5 / 30, np.sqrt(75 / 900), 0, 0])
    with pytest.raises(ValueError, match="balancing"):
        prior_ratio(y, "squared")
    recipe = RECIPES["full"]
    assert decision_weights(recipe, patientwise=True) == (0.0,)  # new patients' mix unknown
    assert decision_weights(recipe, patientwise=False) == PRIOR_WEIGHTS
    assert decision_weights(replace(recipe, prior_weight=0.5), patientwise=True) == (0.5,)
    with pytest.raises(ValueError, match="prior_weight"):
        decision_weights(replace(recipe, prior_weight=2), patientwise=False)


def test_choose_decision_corrects_a_balanced_model():
    """A model that calls a third of the N beats V (balanced training) is corrected
    towards the training mix when that scores better on held-out beats."""
    from ecgkit.bench_mitbih import BeatDecision, choose_decision

    y = np.array([0] * 900 + [2] * 100)
    probs = np.zeros((len(y), 5))
    probs[:600, 0], probs[:600, 2] = 0.9, 0.1       # N beats, clearly N
    probs[600:900, 0], probs[600:900, 2] = 0.4, 0.6  # N beats the model calls V
    probs[900:, 0], probs[900:, 2] = 0.02, 0.98      # V beats
    ratio = np.array([1.0, 0.05, 0.11, 0.01, 0.0])
    decision, scores = choose_decision(y, probs, ratio, weights=(0.0, 0.5, 1.0))
    assert decision.prior_weight == 0.5  # the smallest weight that fixes the 300 N beats
    assert (decision(probs) == y).all() and (probs.argmax(1) != y).sum() == 300
    assert set(scores) == {0.0, 0.5, 1.0}
    only_zero, _ = choose_decision(y, probs, ratio, weights=(0.0,))
    assert only_zero.prior_weight == 0.0 and (only_zero(probs) == probs.argmax(1)).all()
    assert BeatDecision().describe() == "argmax"
    with pytest.raises(ValueError, match="prior ratio"):
        choose_decision(y, probs, None, weights=(0.0, 1.0))


def test_weighted_quantile_bins_are_the_trees_own():
    """The bins match scikit-learn's weighted binning (made in one sort per feature
    instead of one per quantile); heavy weights draw bins towards their beats."""
    from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper

    from ecgkit.bench_mitbih import WeightedQuantileBins

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
    from ecgkit.bench_mitbih import gbm_out_of_fold, gbm_probabilities, train_gbm

    # 8 points, 2 folds: a small, quick check
    feats, _ = beats.beat_features(small_table, n_points=8, relative_to_median=True)
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
