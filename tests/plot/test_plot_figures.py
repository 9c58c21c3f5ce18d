"""ecgkit.plot.figures on real PTB-XL and MIT-BIH data and small tables (Agg backend)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecgkit.data import LEADS  # noqa: E402
from ecgkit import signal as S  # noqa: E402
from ecgkit.plot import figures as P  # noqa: E402


# ----------------------------------------------------------------------------- datasets
def test_class_distribution_of_real_mitbih_beats(mitbih_strip):
    *_, symbols = mitbih_strip
    counts = pd.Series(symbols).value_counts()
    fig = P.plot_class_distribution(counts, title="MIT-BIH 208, first 10 s")
    ax = fig.axes[0]
    assert len(ax.patches) == len(counts)
    bar_texts = [t.get_text() for t in ax.texts]
    share = counts.iloc[0] / counts.sum() * 100
    assert f"{counts.iloc[0]}\n({share:.1f}%)" in bar_texts
    with pytest.raises(ValueError, match="non-negative"):
        P.plot_class_distribution(pd.Series({"N": 3, "V": -1}))
    with pytest.raises(ValueError, match="empty"):
        P.plot_class_distribution(pd.Series(dtype=float))


def test_cooccurrence_counts_and_row_normalisation():
    from ecgkit.data import label_cooccurrence

    labels = pd.DataFrame({"NORM": [1, 0, 0, 0], "MI": [0, 1, 1, 0], "CD": [0, 1, 0, 1]})
    m = label_cooccurrence(labels)
    assert m.loc["MI", "MI"] == 2 and m.loc["MI", "CD"] == 1 and m.loc["NORM", "MI"] == 0
    fig = P.plot_cooccurrence(m)
    assert "2" in [t.get_text() for t in fig.axes[0].texts]
    fig = P.plot_cooccurrence(m, normalize="row")
    annotations = [t.get_text() for t in fig.axes[0].texts]
    # P(CD | MI) = 1/2, P(MI | CD) = 1/2, P(NORM | NORM) = 1
    assert annotations.count("0.50") == 2 and "1.00" in annotations
    with pytest.raises(ValueError, match="square"):
        P.plot_cooccurrence(m.iloc[:, :2])
    with pytest.raises(ValueError, match="normalize"):
        P.plot_cooccurrence(m, normalize="column")


def test_cooccurrence_of_real_ptbxl_labels(data_root):
    data = pytest.importorskip("ecgkit.data")
    label_cooccurrence = data.label_cooccurrence
    db = data.load_ptbxl_metadata(data_root)
    y = data.ptbxl_labels(db, data.load_scp_statements(data_root), "superdiagnostic")
    m = label_cooccurrence(y)
    assert np.diag(m).tolist() == y.sum().tolist()
    fig = P.plot_cooccurrence(m, normalize="row")
    assert len(fig.axes) == 2  # heatmap + colour bar


# ----------------------------------------------------------------------------- filters
def test_frequency_response_and_comparison_on_real_record(ptbxl_record):
    x, fs = ptbxl_record
    gains = {}
    for order in (2, 4):
        freqs, gains[f"band-pass 0.5-40 Hz, order {order}"] = S.frequency_response(
            S.design_bandpass(fs, 0.5, 40, order), fs)
    fig = P.plot_frequency_response(freqs, gains, fs)
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 3  # two filters + the -6 dB line
    assert ax.get_xlim() == (0, fs / 2)
    t = np.arange(x.shape[1]) / fs
    fig = P.plot_signal_comparison(t, x[1], S.bandpass(x[1], fs))
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="same length"):
        P.plot_signal_comparison(t, x[1], x[1, :-1])
    with pytest.raises(ValueError, match="shape"):
        P.plot_frequency_response(freqs, {"bad": gains[next(iter(gains))][:10]}, fs)


# ----------------------------------------------------------------------------- training
def test_history_panels():
    history = {"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.7],
               "val_auc": [0.6, 0.7, 0.75], "lr": [1e-3, 5e-4, 1e-4]}
    fig = P.plot_history(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "auc", "lr"]
    assert len(fig.axes[0].lines) == 2 and fig.axes[2].get_yscale() == "log"
    fig = P.plot_history(pd.DataFrame(history).assign(epoch=[5, 6, 7]), metrics=["auc"])
    assert len(fig.axes) == 1 and list(fig.axes[0].lines[0].get_xdata()) == [5, 6, 7]
    with pytest.raises(ValueError, match="not in history"):
        P.plot_history(history, metrics=["f1"])


def test_plot_history_accepts_a_history_object():
    import matplotlib
    matplotlib.use("Agg")
    from ecgkit.train import History

    h = History(records=[{"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "val_macro_auroc": 0.5 + e / 10,
                          "lr": 1e-3, "time_s": 3.0, "train_samples_per_s": 100.0} for e in (1, 2, 3)])
    fig = P.plot_history(h)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "macro_auroc", "lr"]
    assert len(fig.axes[0].lines) == 2 and list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]


def test_plot_radar_draws_one_closed_polygon_per_row():
    values = pd.DataFrame(np.abs(np.random.default_rng(0).normal(size=(3, 12))),
                          index=["NORM", "MI", "CD"], columns=list(LEADS))
    fig = P.plot_radar(values, title="lead attention")
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.lines[0].get_xdata()) == 13   # closed
    assert [t.get_text() for t in ax.get_xticklabels()] == list(LEADS)
    with pytest.raises(ValueError, match="at least 3"):
        P.plot_radar(values.iloc[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        P.plot_radar(values.where(values > 0.1))


def test_plot_block_diagram_has_a_box_per_block():
    fig = P.plot_block_diagram([("input", "(N, 12, 1000)"), ("encoder", "k7"), ("head", "5")])
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    texts = [t.get_text() for t in ax.texts]
    assert "encoder" in texts and "(N, 12, 1000)" in texts
    with pytest.raises(ValueError, match="empty"):
        P.plot_block_diagram([])
