"""Heartbeats of a record with the beat bundle (ecgkit.app.beat_analysis): predictions,
cutting, explanations, figures and the report, on MIT-BIH records.

The bundle is the small one of test_beat_bundle.make_beat_bundle (trained once per session).
"""
import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import data, signal as ecgsignal
from ecgkit.app import beat_analysis as ba, beat_bundle as bb
from ecgkit.app.report import DISCLAIMER
from ecgkit.data import beat_table, io
from ecgkit.data.beat_table import BeatSpec
from test_beat_bundle import make_beat_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, data_root):
    return bb.load_beat_bundle(make_beat_bundle(tmp_path_factory))


@pytest.fixture(scope="module")
def analysis_200(bundle):
    return ba.analyse_record(bundle, "mitdb:200")


def test_predictions_on_ds2_beat_always_normal_on_v_beats(bundle):
    """Inter-patient: five DS2 records with many V beats, never seen in training.

    Always-N finds none of their V beats (sensitivity 0, F1 0); guessing one of five
    classes finds a fifth at a +P of about 0.25. The small test budget finds half or more."""
    true, pred = [], []
    for record in ("200", "213", "214", "221", "233"):
        a = ba.analyse_record(bundle, record)
        assert a.side == "DS2" and a.beat_source == "reference annotations"
        assert np.allclose(a.probs.sum(1), 1, atol=1e-4)
        true.append(a.reference)
        pred.append(a.predicted)
    true, pred = np.concatenate(true), np.concatenate(pred)
    v = true == "V"
    assert v.sum() > 2000
    sensitivity = (pred[v] == "V").mean()
    ppv = (true[pred == "V"] == "V").mean()
    # measured 0.50 (1 torch thread) and 0.63 (2 threads) at +P 0.87-0.90: the bound
    # leaves room for thread-count noise and stays far above always-N and guessing
    assert sensitivity > 0.3 and ppv > 0.7, (sensitivity, ppv)
    assert (pred == true).mean() > 0.6


def test_counts_table_and_window(analysis_200):
    a = analysis_200
    table = a.counts()
    assert list(table.index) == list(data.AAMI_CLASSES)
    assert table["predicted"].sum() == len(a) == table["reference"].sum()
    assert (table["agree"] <= table["reference"]).all()
    in_10s = a.in_window(0.0, 10.0)
    assert 5 <= len(in_10s) <= 30 and (a.samples[in_10s] < 3600).all()


def test_generic_cutting_matches_the_training_table():
    """beats_from_signal with the reference peaks = beat_table.record_beats (the training
    code)."""
    spec = BeatSpec()
    rec = data.load_mitbih_record("100")
    samples, _ = rec.beats()
    ours = ba.beats_from_signal(rec.lead("MLII"), rec.fs, spec, samples, "100")
    theirs = beat_table.record_beats("100", spec)
    np.testing.assert_array_equal(ours.samples, theirs.samples)
    np.testing.assert_allclose(ours.windows, theirs.windows, atol=1e-4)
    np.testing.assert_allclose(ours.rr, theirs.rr, rtol=1e-5)


def test_an_upload_without_annotations_uses_detected_beats(bundle):
    rec = io.mitbih_record("119", 0.0, 60.0)
    upload = io.ECGRecord(rec.signal, rec.fs, rec.leads, "upload.csv")  # no annotations
    a = ba.analyse_record(bundle, upload)
    n_ref = int(np.isin(rec.metadata["ann_symbols"], list(data.AAMI_MAP)).sum())
    assert a.reference is None and "XQRS" in a.beat_source
    assert abs(len(a) - n_ref) <= 3 + 0.05 * n_ref
    assert any("XQRS" in n for n in a.notes)
    assert "reference" not in a.counts().columns


@pytest.mark.parametrize("case, message", [
    ("100hz", "too low"), ("nan", "NaN"), ("short", "at least 10 s"),
    ("flat", "heartbeat"), ("12 leads", "12 leads"),
])
def test_bad_input_gets_a_clear_message(bundle, case, message):
    rec = io.mitbih_record("100", 0.0, 20.0)
    lead = rec.signal[0]
    if case == "100hz":
        x = io.ECGRecord(ecgsignal.resample(rec.signal, 360, 100), 100.0, rec.leads, "u")
    elif case == "nan":
        sig = rec.signal.copy()
        sig[0, 100] = np.nan
        x = io.ECGRecord(sig, 360.0, rec.leads, "u")
    elif case == "short":
        x = io.ECGRecord(rec.signal[:, :1800], 360.0, rec.leads, "u")
    elif case == "flat":
        x = io.ECGRecord(np.zeros((1, len(lead)), np.float32), 360.0, ("II",), "u")
    else:
        x = io.ECGRecord(np.zeros((12, 3600), np.float32), 360.0, data.LEADS, "u")
    with pytest.raises(ValueError, match=message):
        ba.analyse_record(bundle, x)


class _Toy(nn.Module):
    """Class 1's logit reads samples 10-19 of channel 0; class 2's the first RR feature."""

    n_rr = 2

    def forward(self, x):
        z = torch.zeros(len(x), 3)
        z[:, 1] = 5 * x[:, 0, 10:20].mean(1)
        z[:, 2] = 3 * x[:, 0, -2]
        return z


def test_beat_occlusion_finds_what_the_model_reads():
    x = np.zeros((2, 40 + 2), np.float32)
    x[0, :40] = 1.0
    x[0, 40:] = 2.0
    beat, rr = ba.beat_occlusion(_Toy(), x, target=1, window=5)
    assert beat.shape == (40,) and rr.shape == (2,)
    assert (beat[10:20] > 0.1).all() and np.allclose(beat[:10], 0) and np.allclose(beat[20:], 0)
    assert abs(rr[1]) < 1e-6   # class 1 does not read RR feature 1
    beat, rr = ba.beat_occlusion(_Toy(), x, target=2, window=5)
    assert rr[0] > 0.1 and abs(rr[1]) < 1e-6   # setting RR to 1 (the mean) lowers class 2


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion"])
def test_explain_a_beat(bundle, analysis_200, method):
    i = int(np.flatnonzero(analysis_200.predicted == "V")[0])
    e = ba.explain_beat(bundle, analysis_200, i, method=method)
    assert e.target == "V" and e.beat.shape == (bundle.window,) and np.isfinite(e.beat).all()
    assert e.rr.shape == (5,) and np.abs(e.beat).sum() > 0
    fig = ba.plot_beat_explanation(bundle, analysis_200, e)
    assert len(fig.axes) >= 2
    rec = io.mitbih_record("200", 0.0)
    fig = ba.plot_beat_strip(rec.signal[0], rec.fs, analysis_200, 0.0, highlight=i)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) == len(analysis_200.in_window(0, 10)) and set(labels) <= set("NSVFQ")
    with pytest.raises(ValueError, match="outside"):
        ba.explain_beat(bundle, analysis_200, len(analysis_200), method=method)


def test_report_is_deterministic_and_says_which_side(bundle, analysis_200):
    rep = ba.beat_report(bundle, analysis_200)
    assert rep.text == ba.beat_report(bundle, analysis_200).text
    assert DISCLAIMER in rep.text
    assert f"Beats analysed: {len(analysis_200)}" in rep.text
    assert "DS2" in rep.text and "inter-patient" in rep.text
    assert sum(rep.counts.values()) == len(analysis_200)
    assert any("ventricular ectopic (V)" in f for f in rep.findings)
    ds1 = ba.beat_report(bundle, ba.analyse_record(bundle, "106"))
    assert "training patient" in ds1.text and "not an honest test" in ds1.text
