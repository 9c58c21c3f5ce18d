"""ecgkit.signal.filters: filter maths on synthetic sines, errors, one real PTB-XL record."""
import numpy as np
import pytest

from ecgkit.signal import filters as S


def sine(freq, fs, seconds=10.0, amplitude=1.0):
    t = np.arange(int(seconds * fs)) / fs
    return amplitude * np.sin(2 * np.pi * freq * t)


def amplitude(x, fs, freq, trim_s=2.0):
    """Amplitude of the ``freq`` Hz component, by least squares away from the edges.

    A fit, not the peak: sampled peaks miss the crest (30 Hz at 100 Hz peaks at 0.95).
    """
    k = int(trim_s * fs)
    t = np.arange(x.shape[-1])[k:-k] / fs
    basis = np.c_[np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)]
    coef = np.linalg.lstsq(basis, x[k:-k], rcond=None)[0]
    return float(np.hypot(*coef))


# ----------------------------------------------------------------------------- filters


def test_bandpass_keeps_10hz_and_attenuates_out_of_band():
    fs = 100
    assert amplitude(S.bandpass(sine(10, fs), fs), fs, 10) == pytest.approx(1.0, abs=0.02)
    # 0.1 Hz needs a long record for its amplitude to be meaningful
    drift = sine(0.1, fs, seconds=60)
    assert amplitude(S.bandpass(drift, fs), fs, 0.1, trim_s=15) < 0.05
    assert amplitude(S.bandpass(sine(45, fs), fs), fs, 45) < 0.1


def test_highpass_removes_drift_keeps_5hz():
    fs = 100
    drift = sine(0.1, fs, seconds=60, amplitude=2.0) + 0.7  # wander plus a DC offset
    wave = sine(5, fs, seconds=60)
    out = S.highpass(drift + wave, fs)
    k = 15 * fs
    assert np.abs(out[k:-k] - wave[k:-k]).max() < 0.05


def test_lowpass_keeps_5hz_removes_40hz():
    fs = 250
    assert amplitude(S.lowpass(sine(5, fs), fs, cutoff=20), fs, 5) == pytest.approx(1, abs=0.02)
    assert amplitude(S.lowpass(sine(40, fs), fs, cutoff=20), fs, 40) < 0.01


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_notch_kills_powerline_keeps_10hz(mains):
    fs = 500
    assert amplitude(S.notch(sine(mains, fs), fs, freq=mains), fs, mains) < 0.01
    assert amplitude(S.notch(sine(10, fs), fs, freq=mains), fs, 10) == pytest.approx(1, abs=0.02)


def test_frequency_response_is_zero_phase_squared_magnitude():
    fs = 100
    sos = S.design_bandpass(fs, 0.5, 40.0, 4)
    freqs, gain = S.frequency_response(sos, fs, n=4096)
    assert freqs.shape == gain.shape == (4096,)
    assert freqs[0] == 0 and freqs[-1] < fs / 2
    # at the Butterworth -3 dB edge one pass has |H| = 1/sqrt(2): filtfilt gives 0.5
    assert np.interp(40.0, freqs, gain) == pytest.approx(0.5, abs=0.01)
    assert np.interp(10.0, freqs, gain) == pytest.approx(1.0, abs=0.01)
    # the measured gain of a 30 Hz sine matches the predicted one
    measured = amplitude(S.bandpass(sine(30, fs), fs), fs, 30)
    assert measured == pytest.approx(np.interp(30.0, freqs, gain), abs=0.02)


def test_resample_changes_length_and_keeps_a_sine():
    fs_in, fs_out = 360, 100
    x = sine(5, fs_in, seconds=10).astype(np.float32)
    y = S.resample(x, fs_in, fs_out)
    assert y.shape == (1000,) and y.dtype == np.float32
    assert np.abs(y[100:-100] - sine(5, fs_out)[100:-100]).max() < 0.02
    assert S.resample(np.zeros((3, 12, 1000)), 100, 500).shape == (3, 12, 5000)


# ----------------------------------------------------------------------------- shapes, dtypes


@pytest.mark.parametrize("shape", [(1000,), (12, 1000), (3, 12, 1000)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [S.bandpass, S.highpass, S.lowpass])
def test_shape_and_dtype_preserved(fn, shape, dtype):
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    out = fn(x, 100)
    assert out.shape == shape and out.dtype == dtype


def test_integer_input_gives_float64_and_batch_equals_loop():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 12, 500))
    batch = S.bandpass(x, 100)
    assert np.allclose(batch[1, 5], S.bandpass(x[1, 5], 100))
    assert S.highpass(np.arange(500), 100).dtype == np.float64


# ----------------------------------------------------------------------------- bad input


def test_cutoff_at_or_above_nyquist():
    with pytest.raises(ValueError, match=r"Nyquist .* 50\.0 Hz"):
        S.lowpass(np.zeros(500), 100, cutoff=50)
    with pytest.raises(ValueError, match="Nyquist"):
        S.bandpass(np.zeros(5000), 100, high=60)
    # notch at the powerline frequency of a 100 Hz record: fs looks wrong for this filter
    with pytest.raises(ValueError, match=r"notch frequency .* Nyquist .* Is fs right"):
        S.notch(np.zeros(500), 100, freq=50)
    with pytest.raises(ValueError, match="positive frequency"):
        S.highpass(np.zeros(500), 100, cutoff=0)


def test_low_not_below_high():
    with pytest.raises(ValueError, match="low < high"):
        S.bandpass(np.zeros(500), 100, low=20, high=10)
    with pytest.raises(ValueError, match="low < high"):
        S.design_bandpass(100, 5, 5)


def test_too_short_signal_names_lengths():
    need = S.min_signal_length(S.design_bandpass(100, 0.5, 40, 4))
    S.bandpass(np.zeros(need), 100)  # exactly enough works
    with pytest.raises(ValueError, match=rf"{need - 1} samples .* needs more than {need - 1}"
                                         r".*lower order"):
        S.bandpass(np.zeros(need - 1), 100)
    # (T, 12) from wfdb instead of (12, T): time axis too short
    with pytest.raises(ValueError, match="12 samples .* time axis last"):
        S.highpass(np.zeros((1000, 12)), 100)


# ----------------------------------------------------------------------------- real data


def test_highpass_on_real_ptbxl_record_removes_baseline(data_root):
    wfdb = pytest.importorskip("wfdb")
    path = data_root / "ptb-xl" / "records100" / "00000" / "00001_lr"
    if not path.with_suffix(".dat").is_file():
        pytest.skip(f"{path} not present")
    raw, meta = wfdb.rdsamp(str(path))
    x = raw.T.astype(np.float32)  # (12, 1000) mV at 100 Hz
    assert meta["fs"] == 100 and x.shape == (12, 1000)
    out = S.highpass(x, meta["fs"])
    assert out.dtype == np.float32 and np.isfinite(out).all()
    # baseline = 1 s running median; its range is the wander (0.04-0.17 mV in this record)
    from scipy.ndimage import median_filter

    def wander(v):
        return np.ptp(median_filter(v, size=(1, 101), mode="nearest")[:, 100:-100], axis=1)

    assert wander(x).max() > 0.1
    assert wander(out).max() < 0.05
    assert wander(out).mean() < wander(x).mean() / 2
    assert np.abs(np.median(out, axis=1)).max() < 0.05
    # an electrode offset (a constant added to every lead) is removed entirely
    shifted = S.highpass(x + 1.0, meta["fs"])
    assert np.abs(np.median(shifted, axis=1)).max() < 0.05
    # the QRS complexes survive: the peak-to-peak amplitude of each lead stays similar
    ratio = np.ptp(out, axis=1) / np.ptp(x, axis=1)
    assert ((ratio > 0.7) & (ratio < 1.3)).all()
