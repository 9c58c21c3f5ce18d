"""The plain-language 12-lead report (ecgkit.app.report) on real PTB-XL records.

The model is a tiny untrained ExplainableECGNet (test_bundle.make_bundle): the report's
*content* (classes, thresholds, leads, warnings, disclaimer) is what is tested, not its
medicine.
"""
import numpy as np
import pytest

from ecgkit import data, signal as ecgsignal
from ecgkit.app import bundle as bundles, report as app_report
from ecgkit.data import io
from test_bundle import make_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, data_root):
    return bundles.load_bundle(make_bundle(tmp_path_factory.mktemp("bundle") / "tiny.pt"))


def test_report_content_is_complete_and_deterministic(bundle):
    rep = app_report.report(bundle, 17)
    again = app_report.report(bundle, io.ptbxl_record(17))
    assert rep.text == again.text
    probs = bundle.predict_proba(io.ptbxl_record(17).signal)[0]
    np.testing.assert_allclose(rep.probabilities, probs, rtol=1e-6)
    assert rep.predicted == [c for c, p in zip(bundle.classes, probs) if p >= 0.5]
    for c, p in zip(bundle.classes, probs):
        assert f"{c}" in rep.text and f"{p:.2f}" in rep.text
    assert app_report.DISCLAIMER in rep.text
    assert "static noise" in rep.text  # PTB-XL's own note on record 17
    for name, ev in rep.evidence.items():
        assert all(lead in data.LEADS for lead, _ in ev["leads"])
        assert sum(share for _, share in ev["leads"]) <= 1.0 + 1e-6


def test_quality_checks_name_the_bad_lead():
    rec = io.ptbxl_record(17)
    signal = rec.signal.copy()
    signal[data.LEADS.index("V3")] = 0.0
    warnings = app_report.quality_warnings(signal, 100, data.LEADS)
    assert any("flat" in w and "V3" in w for w in warnings)
    clean = app_report.quality_warnings(io.ptbxl_record(1).signal, 100, data.LEADS)
    assert not any("flat" in w for w in clean)


def test_rephrase_hook_is_optional_and_safe(bundle):
    seen = []
    rep = app_report.report(bundle, 17, rephrase=lambda prompt: seen.append(prompt) or "Short.")
    assert seen and rep.text in seen[0]
    assert rep.rephrased.startswith("Short.") and app_report.DISCLAIMER in rep.rephrased

    def broken(prompt):
        raise ConnectionError("no network")

    rep = app_report.report(bundle, 17, rephrase=broken)
    assert rep.rephrased is None and any("rephrasing failed" in n for n in rep.notes)


def test_lead_shares_and_beats():
    a = np.zeros((12, 1000))
    a[7, 300:320] = 1.0
    shares = app_report.lead_shares(a)
    assert shares[7] == 1.0 and shares.sum() == pytest.approx(1.0)
    lead_ii = ecgsignal.bandpass(io.ptbxl_record(1).signal, fs=100)[1]
    beats = app_report.beat_evidence(a, lead_ii, 100)
    assert beats and beats[0]["share"] > 0.5
