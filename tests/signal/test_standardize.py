"""ecgkit.signal.standardize: z-scores, the per-lead standardiser and the PTB-XL preprocessing."""
import numpy as np
import pytest

from ecgkit.signal import filters
from ecgkit.signal import standardize as S


def test_zscore_per_lead():
    rng = np.random.default_rng(2)
    x = rng.normal(loc=3.0, scale=[[2.0], [0.5]], size=(2, 1000)).astype(np.float32)
    z = S.zscore(x)
    assert z.dtype == np.float32
    assert np.allclose(z.mean(axis=-1), 0, atol=1e-5)
    assert np.allclose(z.std(axis=-1), 1, atol=1e-4)
    assert np.all(S.zscore(np.ones((3, 50))) == 0)  # a flat lead becomes 0, not NaN


def test_lead_standardizer_uses_training_stats_only():
    rng = np.random.default_rng(3)
    means, stds = np.array([1.0, -2.0, 0.0]), np.array([0.5, 2.0, 1.0])
    train = (rng.normal(size=(40, 3, 200)) * stds[:, None] + means[:, None]).astype(np.float32)
    test = rng.normal(loc=10.0, size=(5, 3, 200)).astype(np.float32)
    st = S.LeadStandardizer().fit(train)
    expected_mean = train.astype(np.float64).mean(axis=(0, 2))
    expected_std = train.astype(np.float64).std(axis=(0, 2))
    assert np.allclose(st.mean_, expected_mean) and np.allclose(st.std_, expected_std)
    assert np.allclose(st.mean_, means, atol=0.1)
    out = st.transform(test)
    assert out.dtype == np.float32 and out.shape == test.shape
    assert np.allclose(st.mean_, expected_mean)  # transform does not refit
    assert out.mean() > 3  # test data far from the training mean stays far
    assert np.allclose(st.inverse_transform(out), test, atol=1e-4)
    z = st.fit_transform(train)
    assert np.allclose(z.mean(axis=(0, 2)), 0, atol=1e-4)
    assert np.allclose(z.std(axis=(0, 2)), 1, atol=1e-4)


def test_standardizer_misuse():
    with pytest.raises(ValueError, match="not fitted"):
        S.LeadStandardizer().transform(np.zeros((2, 12, 100)))
    st = S.LeadStandardizer().fit(np.random.default_rng(0).normal(size=(4, 12, 100)))
    with pytest.raises(ValueError, match="8 leads .* fitted on 12"):
        st.transform(np.zeros((2, 8, 100)))
    with pytest.raises(ValueError, match=r"\(N, C, T\)"):
        st.transform(np.zeros((12, 100)))
    with pytest.raises(ValueError, match="NaN"):
        S.LeadStandardizer().fit(np.full((2, 12, 100), np.nan))


def test_preprocessing_is_bandpass_then_training_statistics():
    rng = np.random.default_rng(5)
    train = rng.normal(1.0, 0.5, size=(6, 12, 1000)).astype(np.float32)
    test = rng.normal(0.0, 0.5, size=(3, 12, 1000)).astype(np.float32)
    assert S.BAND_HZ == (0.5, 40.0)
    scaler = S.fit_preprocessing(train, 100)
    manual = S.LeadStandardizer().fit(filters.bandpass(train, 100, 0.5, 40.0))
    np.testing.assert_array_equal(scaler.mean_, manual.mean_)
    np.testing.assert_array_equal(scaler.std_, manual.std_)
    out = S.preprocess(test, scaler, 100)
    assert out.dtype == np.float32 and out.shape == test.shape
    np.testing.assert_array_equal(
        out, manual.transform(filters.bandpass(test, 100)).astype(np.float32))
    narrow = S.preprocess(test, S.fit_preprocessing(train, 100, 1.0, 30.0), 100, 1.0, 30.0)
    assert not np.allclose(narrow, out)
