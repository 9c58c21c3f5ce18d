"""ecgkit.transforms.spectra: spectra and scalograms of sines."""
import numpy as np
import pytest

from ecgkit import transforms as tr

FS = 100


def _random_walks(n=6, t=1000, seed=0):
    # maths checks only: the transforms' formulas do not depend on the signal being an ECG
    return np.cumsum(np.random.default_rng(seed).standard_normal((n, t)), axis=1)


# --------------------------------------------------------------------------- spectra
def test_fft_spectrum_reads_a_sine_in_mv_and_hz():
    t = np.arange(1000) / FS
    x = (1.5 * np.sin(2 * np.pi * 5.0 * t) + 0.2)[None, :]
    spec = tr.fft_spectrum(x, FS)
    assert spec.freqs[1] == pytest.approx(0.1) and spec.freqs[-1] == pytest.approx(50.0)
    k = int(np.argmax(spec.amplitude[0]))
    assert spec.freqs[k] == pytest.approx(5.0)
    assert spec.amplitude[0, k] == pytest.approx(1.5, rel=1e-4)
    assert spec.amplitude[0, 0] == pytest.approx(0.2, rel=1e-4)       # DC: the offset
    # amplitude + phase is the signal again
    coef = spec.amplitude[0] * 1000 / 2 * np.exp(1j * spec.phase[0])
    coef[0] *= 2
    coef[-1] *= 2
    np.testing.assert_allclose(np.fft.irfft(coef, n=1000), x[0], atol=1e-4)


def test_phase_randomized_keeps_the_amplitude_spectrum_only():
    x = _random_walks(3, 1000).astype(np.float32)
    surrogate = tr.phase_randomized(x, seed=1)
    assert surrogate.shape == x.shape and surrogate.dtype == np.float32
    np.testing.assert_allclose(tr.fft_spectrum(surrogate, FS).amplitude,
                               tr.fft_spectrum(x, FS).amplitude, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(surrogate.mean(1), x.mean(1), rtol=1e-4, atol=1e-3)
    assert np.abs(surrogate - x).max() > 0.5 * np.abs(x).std()


def test_fft_features_shape_and_band():
    x = _random_walks(2, 1000)[:, None, :].repeat(3, axis=1)          # (2, 3, 1000)
    feats = tr.fft_features(x, FS, fmax=40.0)
    assert feats.shape == (2, 3, 401) and feats.dtype == np.float32
    assert len(tr.fft_frequencies(1000, FS, 40.0)) == 401
    with pytest.raises(ValueError, match="fmax"):
        tr.fft_features(x, FS, fmax=80.0)
    with pytest.raises(ValueError, match="fs"):
        tr.fft_features(x, -1)


def test_scalogram_puts_a_sine_in_its_frequency_row():
    t = np.arange(1000) / FS
    x = np.stack([np.sin(2 * np.pi * f * t) for f in (3.0, 12.0)])
    img = tr.scalogram(x, FS, n_freqs=32, n_times=64)
    freqs = tr.scalogram_frequencies(32)
    assert img.shape == (2, 32, 64) and img.dtype == np.float32
    assert np.all(np.diff(freqs) > 0) and freqs[0] == pytest.approx(0.5)
    centre = img[:, :, 16:48].mean(axis=2)                 # away from the edges
    peaks = freqs[np.argmax(centre, axis=1)]
    assert peaks[0] == pytest.approx(3.0, rel=0.15)
    assert peaks[1] == pytest.approx(12.0, rel=0.15)
    with pytest.raises(ValueError, match="Nyquist"):
        tr.scalogram(x, FS, fmax=60.0)
