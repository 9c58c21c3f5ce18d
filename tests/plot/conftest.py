"""Fixtures of the plot tests: real records, and figures closed after each test."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

wfdb = pytest.importorskip("wfdb")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ptbxl_record(data_root):
    path = data_root / "ptb-xl" / "records100" / "00000" / "00001_lr"
    if not path.with_suffix(".dat").is_file():
        pytest.skip(f"{path} not present")
    raw, meta = wfdb.rdsamp(str(path))
    return raw.T.astype(np.float32), meta["fs"]  # (12, 1000) mV, 100 Hz


@pytest.fixture(scope="module")
def mitbih_strip(data_root):
    base = data_root / "mitdb" / "208"
    if not base.with_suffix(".dat").is_file():
        pytest.skip(f"{base} not present")
    sig, meta = wfdb.rdsamp(str(base), sampfrom=0, sampto=3600)  # the first 10 s
    ann = wfdb.rdann(str(base), "atr", sampto=3599)
    lead = meta["sig_name"].index("MLII")
    return sig[:, lead], meta["fs"], np.asarray(ann.sample), np.asarray(ann.symbol)
