"""ecgkit.plot.paper on real PTB-XL and MIT-BIH signals (Agg backend, nothing shown)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ecgkit.data import LEADS  # noqa: E402
from ecgkit.plot import paper as P  # noqa: E402


def texts(fig, gid=None):
    return [t.get_text() for ax in fig.axes for t in ax.texts
            if gid is None or t.get_gid() == gid]


# ----------------------------------------------------------------------------- ECG paper
def test_ecg_paper_on_real_ptbxl_record(ptbxl_record):
    x, fs = ptbxl_record
    fig = P.plot_ecg_paper(x, fs, title="PTB-XL ecg_id 1")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    labels = texts(fig, "lead-label")
    assert sorted(labels) == sorted(LEADS + ("II",))  # 12 leads + the rhythm strip
    ax = fig.axes[0]
    # 10 s at 25 mm/s + 10 mm calibration margin; 4 rows of ROW_HEIGHT_MM
    assert ax.get_xlim() == (0.0, 260.0)
    assert ax.get_ylim() == (0.0, 4 * P.ROW_HEIGHT_MM)
    # the paper is square: the axes box has the width/height ratio of the paper in mm
    fig.canvas.draw()
    box = ax.get_window_extent()
    assert box.width / box.height == pytest.approx(260.0 / (4 * P.ROW_HEIGHT_MM), rel=0.01)
    # figure size is proportional to millimetres (1 mm of paper = 1 mm of figure)
    assert box.width / fig.dpi * 25.4 == pytest.approx(260.0, rel=0.01)
    # each column shows a consecutive quarter: lead V4's trace starts at 7.5 s
    v4_start = 10 + 7.5 * 25
    starts = sorted({round(line.get_xdata()[0], 3) for line in ax.lines
                     if len(line.get_xdata()) > 50})
    assert v4_start in starts and 10 + 2.5 * 25 in starts
    assert ax.get_title(loc="left") == "PTB-XL ecg_id 1"


def test_ecg_paper_rejects_bad_input(ptbxl_record):
    x, fs = ptbxl_record
    with pytest.raises(ValueError, match=r"\(12, T\).*transpose"):
        P.plot_ecg_paper(x.T, fs)
    with pytest.raises(ValueError, match="2 dimension"):
        P.plot_ecg_paper(x[0], fs)
    bad = x.copy()
    bad[4, 10] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*\(4, 10\)"):
        P.plot_ecg_paper(bad, fs)
    with pytest.raises(ValueError, match="rhythm_lead"):
        P.plot_ecg_paper(x, fs, rhythm_lead="MLII")
    with pytest.raises(ValueError, match="sampling rate"):
        P.plot_ecg_paper(x, 0)


# ----------------------------------------------------------------------------- strips
def test_strip_on_real_mitbih_with_beat_labels(mitbih_strip):
    sig, fs, samples, symbols = mitbih_strip
    beats = np.isin(symbols, ["N", "L", "R", "A", "V", "F", "/", "j", "E", "a", "J", "S"])
    fig = P.plot_strip(sig, fs, annotations=(samples[beats], symbols[beats]),
                       title="MIT-BIH 208, MLII")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    labels = texts(fig, "beat-label")
    assert labels == list(symbols[beats]) and len(labels) > 5
    assert {"N", "V"} <= set(labels)  # record 208 has many PVCs
    ax = fig.axes[0]
    assert ax.get_legend() is not None  # one marker colour per beat class
    assert ax.get_aspect() == pytest.approx(10 / 25)  # 0.04 s squares as tall as 0.1 mV


def test_strip_without_paper_into_given_axes(mitbih_strip):
    sig, fs, *_ = mitbih_strip
    fig, axes = plt.subplots(2)
    out = P.plot_strip(sig[:720], fs, ax=axes[1], paper=False)
    assert out is fig and len(axes[1].lines) == 1 and not axes[0].lines


def test_strip_rejects_bad_input(mitbih_strip):
    sig, fs, samples, symbols = mitbih_strip
    with pytest.raises(ValueError, match="1 dimension"):
        P.plot_strip(np.zeros((2, 100)), fs)
    with pytest.raises(ValueError, match="outside the strip"):
        P.plot_strip(sig[:360], fs, annotations=(samples, symbols))  # record-level samples
    with pytest.raises(ValueError, match="equal length"):
        P.plot_strip(sig, fs, annotations=(samples[:3], symbols[:2]))
