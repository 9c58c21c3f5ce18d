"""ecgkit.signal.beats: RR features, beat windows, normalisation and R-peak detection."""
import numpy as np
import pytest

from ecgkit import data, metrics
from ecgkit.signal import beats

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


# --------------------------------------------------------------------------- windows


def test_beat_windows_drop_edge_beats():
    signal = np.arange(1000, dtype=np.float32)
    windows, kept = beats.beat_windows(signal, [5, 100, 995], before=10, after=20)
    assert kept.tolist() == [False, True, False]
    np.testing.assert_array_equal(windows[0], np.arange(90, 120))
    with pytest.raises(ValueError, match="one lead"):
        beats.beat_windows(np.zeros((10, 2)), [5], 1, 1)


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


# --------------------------------------------------------------------------- detection


def test_xqrs_finds_the_annotated_beats_of_record_100():
    rec = data.load_mitbih_record("100")
    n = 120 * rec.fs  # two minutes keep the test fast
    detected = beats.detect_r_peaks(rec.lead("MLII")[:n], rec.fs)
    ref, _ = rec.beats()
    ref = ref[ref < n]
    result = metrics.evaluate_detector(ref, detected, rec.fs)
    assert result["sensitivity"] > 0.99 and result["ppv"] > 0.99
    assert result["tp"] + result["fn"] == len(ref)


def test_detect_r_peaks_rejects_short_or_bad_signals():
    with pytest.raises(ValueError, match="10 s"):
        beats.detect_r_peaks(np.zeros(360 * 5), 360)
    with pytest.raises(ValueError, match="one lead"):
        beats.detect_r_peaks(np.zeros((2, 360 * 20)), 360)
    x = np.zeros(360 * 20)
    x[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        beats.detect_r_peaks(x, 360)


def test_pack_beats_puts_rr_at_the_end_of_channel_0():
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    rr = np.ones((3, 2), dtype=np.float32)
    x = beats.pack_beats(w, rr, extra_channels=w[:, None, :] * 2)
    assert x.shape == (3, 2, 6) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0, :4], w)
    np.testing.assert_array_equal(x[:, 0, 4:], rr)
    np.testing.assert_array_equal(x[:, 1, 4:], 0)
    with pytest.raises(ValueError, match="extra_channels"):
        beats.pack_beats(w, extra_channels=np.zeros((3, 1, 5)))
