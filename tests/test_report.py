"""ecgkit.report, ecgkit.predict (bundles and CLI) on real PTB-XL records.

The model is a tiny untrained ExplainableECGNet: the report's *content* (classes,
thresholds, leads, warnings, disclaimer) is what is tested, not its medicine.
"""
import numpy as np
import pytest
import torch

import ecgkit
from ecgkit import data, io, predict, signal as ecgsignal
from ecgkit import report as report_module


def make_bundle(path):
    torch.manual_seed(0)
    model = predict.build_model("explainable", 5, channels=[4, 8, 8]).eval()
    X = np.stack([io.ptbxl_record(i).signal for i in range(1, 9)])
    scaler = ecgsignal.LeadStandardizer().fit(ecgsignal.bandpass(X, fs=100))
    return predict.save_bundle(model, "explainable", data.SUPERCLASSES, [0.5] * 5, scaler,
                               path, model_kwargs={"channels": [4, 8, 8]},
                               info={"trained_on": "nothing (test)"})


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory, data_root):
    return make_bundle(tmp_path_factory.mktemp("bundle") / "tiny.pt")


@pytest.fixture(scope="module")
def bundle(bundle_file):
    return predict.load_bundle(bundle_file)


def test_bundle_round_trip_keeps_predictions(bundle, bundle_file, tmp_path):
    x = io.ptbxl_record(17).signal
    again = predict.load_bundle(predict.save_bundle(
        bundle.model, bundle.model_name, bundle.classes, bundle.thresholds, bundle.scaler,
        tmp_path / "copy.pt", model_kwargs=bundle.model_kwargs))
    np.testing.assert_allclose(bundle.predict_proba(x), again.predict_proba(x), rtol=1e-6)
    assert bundle.classes == data.SUPERCLASSES and bundle.thresholds.shape == (5,)
    with pytest.raises(FileNotFoundError, match="train-bundle"):
        predict.load_bundle(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a bundle")
    with pytest.raises(ValueError, match="not a model bundle"):
        predict.load_bundle(tmp_path / "junk.pt")


def test_report_content_is_complete_and_deterministic(bundle):
    rep = ecgkit.report(bundle, 17)  # the module is callable
    again = report_module.report(bundle, io.ptbxl_record(17))
    assert rep.text == again.text
    probs = bundle.predict_proba(io.ptbxl_record(17).signal)[0]
    np.testing.assert_allclose(rep.probabilities, probs, rtol=1e-6)
    assert rep.predicted == [c for c, p in zip(bundle.classes, probs) if p >= 0.5]
    for c, p in zip(bundle.classes, probs):
        assert f"{c}" in rep.text and f"{p:.2f}" in rep.text
    assert report_module.DISCLAIMER in rep.text
    assert "static noise" in rep.text  # PTB-XL's own note on record 17
    for name, ev in rep.evidence.items():
        assert all(lead in data.LEADS for lead, _ in ev["leads"])
        assert sum(share for _, share in ev["leads"]) <= 1.0 + 1e-6


def test_quality_checks_name_the_bad_lead():
    rec = io.ptbxl_record(17)
    signal = rec.signal.copy()
    signal[data.LEADS.index("V3")] = 0.0
    warnings = report_module.quality_warnings(signal, 100, data.LEADS)
    assert any("flat" in w and "V3" in w for w in warnings)
    clean = report_module.quality_warnings(io.ptbxl_record(1).signal, 100, data.LEADS)
    assert not any("flat" in w for w in clean)


def test_rephrase_hook_is_optional_and_safe(bundle):
    seen = []
    rep = report_module.report(bundle, 17, rephrase=lambda prompt: seen.append(prompt) or "Short.")
    assert seen and rep.text in seen[0]
    assert rep.rephrased.startswith("Short.") and report_module.DISCLAIMER in rep.rephrased

    def broken(prompt):
        raise ConnectionError("no network")

    rep = report_module.report(bundle, 17, rephrase=broken)
    assert rep.rephrased is None and any("rephrasing failed" in n for n in rep.notes)


def test_lead_shares_and_beats():
    a = np.zeros((12, 1000))
    a[7, 300:320] = 1.0
    shares = report_module.lead_shares(a)
    assert shares[7] == 1.0 and shares.sum() == pytest.approx(1.0)
    lead_ii = ecgsignal.bandpass(io.ptbxl_record(1).signal, fs=100)[1]
    beats = report_module.beat_evidence(a, lead_ii, 100)
    assert beats and beats[0]["share"] > 0.5


def test_cli(bundle_file, capsys, data_root):
    wfdb_path = data_root / "ptb-xl" / "records100" / "00000" / "00017_lr.hea"
    assert predict.main([str(wfdb_path), "--model", str(bundle_file)]) == 0
    out = capsys.readouterr().out
    assert "ECG report - 00017_lr" in out and report_module.DISCLAIMER in out
    assert predict.main(["mitdb:100", "--model", str(bundle_file)]) == 2
    assert "needs the 12 leads" in capsys.readouterr().err
    assert predict.main(["ptbxl:17", "--model", str(bundle_file.with_name("none.pt"))]) == 2
    assert "train-bundle" in capsys.readouterr().err
