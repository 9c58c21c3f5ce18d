"""The Streamlit app, driven by Streamlit's own AppTest (no browser, no server).

Picking a record must show predictions; every bad upload must show a clear error and
never raise. The 12-lead model is a tiny untrained bundle (see test_bundle.make_bundle);
the heartbeat model a small one trained in seconds (test_beat_bundle.make_beat_bundle).
"""
import io as _io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from ecgkit import signal as ecgsignal  # noqa: E402
from ecgkit.data import io  # noqa: E402
from test_beat_bundle import make_beat_bundle  # noqa: E402
from test_bundle import make_bundle  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory, data_root):
    return make_bundle(tmp_path_factory.mktemp("app") / "tiny.pt")


@pytest.fixture(scope="module")
def beat_bundle_file(tmp_path_factory, data_root):
    return make_beat_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def app(bundle_file, beat_bundle_file):
    """One app session for the module (each AppTest run executes the whole script)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ECGKIT_BUNDLE", str(bundle_file))
    mp.setenv("ECGKIT_BEAT_BUNDLE", str(beat_bundle_file))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    yield at
    mp.undo()


def _csv(array) -> bytes:
    out = _io.StringIO()
    np.savetxt(out, array, delimiter=",", fmt="%.5f")
    return out.getvalue().encode()


def _upload(at, files):
    at.sidebar.radio(key="source").set_value("Upload a file").run()
    at.sidebar.file_uploader(key="upload").set_value(files).run()
    return at


def test_picking_a_ptbxl_record_shows_predictions(app, monkeypatch):
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert len(table) == 5 and table["probability"].between(0, 1).all()
    assert any("teaching model" in c.value for c in app.code)  # the report's disclaimer
    app.sidebar.selectbox(key="ptbxl_id").set_value(17).run()
    assert not app.exception and app.subheader[0].value == "PTB-XL 17"


@pytest.mark.parametrize("name, content, message", [
    ("nan.csv", "nan", "NaN"),
    ("wide.csv", "wide", "12 columns"),
    ("00017_lr.hea", "header-only", ".dat"),
    ("00017_lr.dat", b"\x00\x01" * 100, "exactly one .hea"),
], ids=["csv-with-nan", "csv-7-columns", "hea-without-dat", "dat-without-hea"])
def test_bad_uploads_give_a_clear_message(app, data_root, name, content, message):
    rng = np.random.default_rng(0)
    signal = rng.normal(0, 0.3, (1000, 12))
    if content == "nan":
        signal[10, 3] = np.nan
        content = _csv(signal)
    elif content == "wide":
        content = _csv(signal[:, :7])
    elif content == "header-only":
        content = (data_root / "ptb-xl" / "records100" / "00000" / "00017_lr.hea").read_bytes()
    at = _upload(app, (name, content, "application/octet-stream"))
    assert not at.exception
    assert at.error and message in at.error[0].value
    assert not at.dataframe  # no prediction from a bad file


def test_a_valid_wfdb_upload_is_classified(app, data_root):
    base = data_root / "ptb-xl" / "records100" / "00000" / "00017_lr"
    at = _upload(app, [("00017_lr.hea", base.with_suffix(".hea").read_bytes(), "text/plain"),
                       ("00017_lr.dat", base.with_suffix(".dat").read_bytes(),
                        "application/octet-stream")])
    assert not at.exception and not at.error
    assert len(at.dataframe[0].value) == 5


def test_without_a_model_the_app_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_BUNDLE", str(tmp_path / "absent.pt"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("python -m ecgkit.predict train-bundle" in m.value for m in at.markdown)


def _beat_table(at):
    tables = [d.value for d in at.dataframe if "predicted" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_a_mitbih_record_gets_beat_predictions_explanation_and_report(app):
    at = app
    at.sidebar.radio(key="source").set_value("MIT-BIH record").run()
    assert not at.exception and not at.error
    table = _beat_table(at)
    assert list(table.index) == ["N", "S", "V", "F", "Q"]
    assert table["predicted"].sum() == table["reference"].sum() > 2000  # whole record 100
    subheaders = [h.value for h in at.subheader]
    assert {"Heartbeats", "Explanation", "Report"} <= set(subheaders)
    assert len(at.get("image")) >= 3  # the ECG, the labelled strip, the beat attribution
    report = at.code[0].value
    assert "Heartbeat report for MIT-BIH 100" in report and "teaching model" in report
    assert any("DS2" in i.value and "inter-patient" in i.value for i in at.info)
    # another record, a later strip, the other explanation method, another class
    at.sidebar.selectbox(key="mitdb_record").set_value("208").run()
    at.sidebar.number_input(key="mitdb_start").set_value(60.0).run()
    at.sidebar.selectbox(key="beat_method").set_value("occlusion").run()
    at.selectbox(key="beat_class").set_value("N").run()
    assert not at.exception and not at.error
    assert at.subheader[0].value.startswith("MIT-BIH 208 (60-70 s)")
    assert any("DS1" in i.value and "not an honest test" in i.value for i in at.info)
    assert 60 <= float(at.selectbox(key="beat").format_func(at.selectbox(key="beat").value)
                       .split(" s")[0]) < 70


def _mitbih_csv(fs):
    lead = io.mitbih_record("119", 0.0, 30.0).lead("II")
    if fs != 360:
        lead = ecgsignal.resample(lead, 360, fs)
    return _csv(lead[:, None])


def test_a_single_lead_upload_at_100_hz_is_refused_for_beats(app):
    at = app
    at.sidebar.radio(key="source").set_value("Upload a file").run()
    at.sidebar.number_input(key="csv_fs").set_value(100.0).run()
    at = _upload(at, ("lead.csv", _mitbih_csv(100), "text/csv"))
    assert not at.exception
    assert at.error and "too low" in at.error[0].value and "250 Hz" in at.error[0].value
    assert not at.dataframe


def test_a_single_lead_upload_at_360_hz_gets_detected_beats(app):
    at = app
    at.sidebar.radio(key="source").set_value("Upload a file").run()
    at.sidebar.number_input(key="csv_fs").set_value(360.0).run()
    at = _upload(at, ("lead.csv", _mitbih_csv(360), "text/csv"))
    assert not at.exception and not at.error
    table = _beat_table(at)
    assert "reference" not in table.columns and 25 <= table["predicted"].sum() <= 45
    assert "XQRS" in at.code[0].value


def test_mitbih_without_a_beat_model_says_how_to_make_one(tmp_path, monkeypatch, bundle_file):
    monkeypatch.setenv("ECGKIT_BUNDLE", str(bundle_file))
    monkeypatch.setenv("ECGKIT_BEAT_BUNDLE", str(tmp_path / "absent.pt"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.radio(key="source").set_value("MIT-BIH record").run()
    assert not at.exception
    assert any("python -m ecgkit.predict train-beat-bundle" in m.value for m in at.markdown)
