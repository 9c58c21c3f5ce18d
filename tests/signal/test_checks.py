"""ecgkit.signal.checks: one check_fs and one check_signal, directly and through the filters."""
import numpy as np
import pytest

from ecgkit import signal as S
from ecgkit.signal.checks import check_fs, check_signal


def test_nan_and_inf_are_reported_with_count_and_position():
    x = np.zeros((12, 500))
    x[3, 7] = np.nan
    x[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"2 NaN .* first at index \(3, 7\)"):
        S.bandpass(x, 100)
    x = np.zeros(500)
    x[10] = np.inf
    with pytest.raises(ValueError, match=r"1 inf"):
        S.highpass(x, 100)
    with pytest.raises(ValueError, match="NaN"):
        S.zscore([1.0, np.nan, 2.0])


@pytest.mark.parametrize("fs", [0, -100, np.nan, np.inf, "100", None, True])
def test_bad_sampling_rate(fs):
    with pytest.raises(ValueError, match="sampling rate"):
        S.bandpass(np.zeros(500), fs)


def test_non_numeric_and_scalar_inputs():
    with pytest.raises(ValueError, match="dtype object"):
        S.bandpass(np.array([{}, {}], dtype=object), 100)
    with pytest.raises(ValueError, match="numeric"):
        S.bandpass("ecg", 100)
    with pytest.raises(ValueError, match="0-d"):
        S.highpass(np.float64(1.0), 100)
    with pytest.raises(ValueError, match="order"):
        S.bandpass(np.zeros(500), 100, order=0)


# ----------------------------------------------------------------------------- direct
def test_check_fs_returns_a_float_and_names_the_argument():
    assert check_fs(np.int64(360)) == 360.0 and isinstance(check_fs(100), float)
    with pytest.raises(ValueError, match="fs_out .*sampling rate"):
        check_fs("100", "fs_out")
    with pytest.raises(ValueError, match="too low .* at least 50 Hz"):
        check_fs(20, minimum=50)
    assert check_fs(50, minimum=50) == 50.0


def test_check_signal_dtype_rules_and_layouts():
    assert check_signal(np.zeros(5, dtype=np.float32)).dtype == np.float32
    assert check_signal(np.arange(5)).dtype == np.float64
    assert check_signal(np.zeros((2, 5)), dtype=np.float32).dtype == np.float32
    assert check_signal(np.zeros((0, 12, 5))).shape == (0, 12, 5)  # an empty batch is fine
    with pytest.raises(ValueError, match="2 dimension"):
        check_signal(np.zeros(5), "x", ndim=2)
    with pytest.raises(ValueError, match="empty"):
        check_signal(np.zeros((0, 5)), ndim=2)
    with pytest.raises(ValueError, match="no samples"):
        check_signal(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="microvolts"):
        check_signal(np.full((2, 5), 100.0), max_abs=20.0)
    with pytest.raises(ValueError, match=r"upload\.csv contains 1 NaN .*\(1, 3\)"):
        check_signal(np.array([[0, 0, 0, 0], [0, 0, 0, np.nan]]), "upload.csv", ndim=2)
