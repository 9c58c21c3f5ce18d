"""ecgkit.transforms.images: formulas on hand-computed cases, input checks and equality
with pyts."""
import numpy as np
import pytest

from ecgkit import transforms as tr


def _random_walks(n=6, t=1000, seed=0):
    # maths checks only: the transforms' formulas do not depend on the signal being an ECG
    return np.cumsum(np.random.default_rng(seed).standard_normal((n, t)), axis=1)


# --------------------------------------------------------------------------- PAA
def test_paa_bounds_cover_the_signal_without_overlap():
    start, end = tr.paa_bounds(1000, 64)
    assert start[0] == 0 and end[-1] == 1000
    assert np.array_equal(start[1:], end[:-1])
    assert set(np.unique(end - start)) == {15, 16}


def test_paa_is_the_mean_of_each_segment():
    x = _random_walks(3, 100)
    start, end = tr.paa_bounds(100, 7)
    expected = np.stack([[row[a:b].mean() for a, b in zip(start, end)] for row in x])
    np.testing.assert_allclose(tr.paa(x, 7), expected, rtol=1e-12)
    assert tr.paa(x.astype(np.float32), 7).dtype == np.float32


# --------------------------------------------------------------------------- RPM
def test_rpm_matches_the_formula_on_a_hand_computed_example():
    # x = 0..5, three segments: PAA means 0.5, 2.5, 4.5 (z-normalising only rescales
    # them); M[i, j] = p[j] - p[i] = [[0, 2, 4], [-2, 0, 2], [-4, -2, 0]] (in units of 1
    # before z-normalisation); min-max over [-4, 4] gives (M + 4) / 8.
    x = np.arange(6, dtype=np.float64)[None, :]
    expected = np.array([[0.5, 0.75, 1.0], [0.25, 0.5, 0.75], [0.0, 0.25, 0.5]])
    out = tr.relative_position_matrix(x, image_size=3)
    assert out.shape == (1, 3, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], expected, atol=1e-7)


def test_rpm_step_by_step_equals_the_function():
    x = _random_walks(4, 1000)
    z = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
    p = tr.paa(z, 64)
    m = p[:, None, :] - p[:, :, None]
    lo, hi = m.min(axis=(1, 2), keepdims=True), m.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(tr.relative_position_matrix(x, 64), (m - lo) / (hi - lo),
                               atol=1e-6)


def test_rpm_properties_and_shapes():
    x = _random_walks(4, 1000)
    img = tr.relative_position_matrix(x, 32)
    assert img.shape == (4, 32, 32)
    assert img.min() >= 0 and img.max() <= 1
    np.testing.assert_allclose(np.diagonal(img, axis1=1, axis2=2), 0.5, atol=1e-6)
    np.testing.assert_allclose(img.transpose(0, 2, 1), 1 - img, atol=1e-6)
    # blind to offset and amplitude
    np.testing.assert_allclose(tr.relative_position_matrix(3.0 * x - 7.0, 32), img, atol=1e-6)
    leads = np.stack([x, -x], axis=1)                    # (N, C, T)
    both = tr.relative_position_matrix(leads, 32)
    assert both.shape == (4, 2, 32, 32)
    np.testing.assert_allclose(both[:, 0], img, atol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (np.zeros(100), "batch"),                             # one signal without batch axis
    (np.zeros((2, 3, 4, 100)), "batch"),
    (np.array([[0.0, 1.0, np.nan, 2.0] * 25]), "NaN"),
    (np.ones((2, 100)), "flat"),
    (np.zeros((0, 100)), "empty"),
])
def test_rpm_rejects_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        tr.relative_position_matrix(bad, 16)


def test_image_size_is_checked():
    x = _random_walks(2, 50)
    for size in (1, 51, 8.5):
        with pytest.raises(ValueError, match="image_size"):
            tr.relative_position_matrix(x, size)


# --------------------------------------------------------------------------- other images
def test_recurrence_plot_is_the_distance_matrix():
    x = np.array([[0.0, 1.0, 3.0, 6.0]])
    out = tr.recurrence_plot(x, image_size=None)
    np.testing.assert_allclose(out[0], np.abs(x[0][:, None] - x[0][None, :]))
    binary = tr.recurrence_plot(x, image_size=None, threshold=2.5)
    np.testing.assert_array_equal(binary[0], np.abs(x[0][:, None] - x[0][None, :]) < 2.5)
    embedded = tr.recurrence_plot(x, image_size=None, dimension=2, time_delay=1)
    # states (0, 1), (1, 3), (3, 6): distance between the first two is sqrt(1 + 4)
    assert embedded.shape == (1, 3, 3)
    assert embedded[0, 0, 1] == pytest.approx(np.sqrt(5), rel=1e-6)


def test_gasf_diagonal_keeps_the_scaled_signal_and_gadf_is_antisymmetric():
    x = _random_walks(3, 640)
    p = tr.paa(x, 64)
    scaled = 2 * (p - p.min(1, keepdims=True)) / np.ptp(p, axis=1, keepdims=True) - 1
    gasf = tr.gramian_angular_field(x, 64, "summation")
    np.testing.assert_allclose(np.diagonal(gasf, axis1=1, axis2=2), 2 * scaled ** 2 - 1,
                               atol=1e-5)
    gadf = tr.gramian_angular_field(x, 64, "difference")
    np.testing.assert_allclose(gadf, -gadf.transpose(0, 2, 1), atol=1e-6)
    with pytest.raises(ValueError, match="method"):
        tr.gramian_angular_field(x, 64, "product")


def test_mtf_of_an_alternating_signal():
    # two levels that always alternate: every step leaves its bin, W = [[0, 1], [1, 0]]
    x = np.tile([0.0, 1.0], 8)[None, :]
    out = tr.markov_transition_field(x, image_size=16, n_bins=2)
    expected = (np.add.outer(np.arange(16), np.arange(16)) % 2).astype(float)
    np.testing.assert_allclose(out[0], expected)
    rows = tr.markov_transition_field(_random_walks(2, 1000), 64)
    assert rows.shape == (2, 64, 64) and rows.min() >= 0 and rows.max() <= 1


@pytest.fixture(scope="session")
def pyts_image():
    """pyts, imported once per test session (its import compiles numba code: ~18 s)."""
    pytest.importorskip("pyts")
    import pyts.approximation
    import pyts.image

    return pyts


@pytest.mark.parametrize("size", [64, 50])
def test_numpy_versions_equal_pyts(pyts_image, size):
    image, approx = pyts_image.image, pyts_image.approximation
    x = _random_walks(8, 1000, seed=size)
    paa = approx.PiecewiseAggregateApproximation(window_size=None, output_size=size,
                                                 overlapping=False).fit_transform(x)
    np.testing.assert_allclose(tr.paa(x, size), paa, rtol=1e-10, atol=1e-10)
    for kwargs in ({}, {"dimension": 3, "time_delay": 2}, {"threshold": "point"},
                   {"threshold": "distance", "percentage": 20}):
        ours = tr.recurrence_plot(x, size, **kwargs)
        theirs = image.RecurrencePlot(**kwargs).fit_transform(paa)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * np.abs(theirs).max())
    for method in ("summation", "difference"):
        np.testing.assert_allclose(
            tr.gramian_angular_field(x, size, method),
            image.GramianAngularField(image_size=size, method=method).fit_transform(x),
            atol=1e-5)
    for strategy in ("quantile", "uniform"):
        np.testing.assert_allclose(
            tr.markov_transition_field(x, size, n_bins=8, strategy=strategy),
            image.MarkovTransitionField(image_size=size, n_bins=8,
                                        strategy=strategy).fit_transform(x),
            atol=1e-6)
