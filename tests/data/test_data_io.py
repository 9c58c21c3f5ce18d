"""ecgkit.data.io: validated readers for uploaded ECGs - every bad file is a clear ValueError."""
import io as _io

import numpy as np
import pytest

from ecgkit import data
from ecgkit.data import io


@pytest.fixture(scope="module")
def ptbxl_files(data_root):
    base = data_root / "ptb-xl" / "records100" / "00000" / "00017_lr"
    return base, base.with_suffix(".hea").read_bytes(), base.with_suffix(".dat").read_bytes()


def _csv(array, header=None) -> bytes:
    out = _io.StringIO()
    if header:
        out.write(",".join(header) + "\n")
    np.savetxt(out, array, delimiter=",", fmt="%.5f")
    return out.getvalue().encode()


def test_wfdb_from_disk_matches_the_data_loader(ptbxl_files):
    base, _, _ = ptbxl_files
    rec = io.read_wfdb(base.with_suffix(".hea"))
    assert rec.signal.shape == (12, 1000) and rec.fs == 100 and rec.leads == data.LEADS
    np.testing.assert_allclose(rec.signal, data.read_ptbxl_record(base, 100), atol=1e-6)


def test_wfdb_upload_needs_its_dat(ptbxl_files):
    _, hea, dat = ptbxl_files
    rec = io.read_wfdb_upload({"00017_lr.hea": hea, "00017_lr.dat": dat})
    assert rec.signal.shape == (12, 1000)
    with pytest.raises(ValueError, match=r"\.dat"):
        io.read_wfdb_upload({"00017_lr.hea": hea})
    with pytest.raises(ValueError, match="not a WFDB header"):
        io.read_wfdb_upload({"x.hea": b"hello world"})
    with pytest.raises(ValueError, match="exactly one .hea"):
        io.read_wfdb_upload({"00017_lr.dat": dat})
    with pytest.raises(ValueError, match="truncated|could not be read"):
        io.read_wfdb_upload({"00017_lr.hea": hea, "00017_lr.dat": dat[:1000]})


def test_csv_with_named_leads_in_any_order(ptbxl_files):
    base, _, _ = ptbxl_files
    signal = data.read_ptbxl_record(base, 100)
    order = list(reversed(data.LEADS))
    text = _csv(signal[::-1].T, header=order)
    rec = io.read_csv(text, fs=100)
    x, notes = io.to_model_input(rec)
    np.testing.assert_allclose(x, signal, atol=1e-4)
    assert notes == []


def test_csv_errors_are_clear():
    rng = np.random.default_rng(0)
    good = rng.normal(0, 0.3, (1000, 12))
    with_nan = good.copy()
    with_nan[10, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        io.read_csv(_csv(with_nan))
    with pytest.raises(ValueError, match="12 columns"):
        io.read_csv(_csv(good[:, :5]))
    with pytest.raises(ValueError, match="microvolts"):
        io.read_csv(_csv(good * 1000))
    with pytest.raises(ValueError, match="too low"):
        io.read_csv(_csv(good), fs=20)
    with pytest.raises(ValueError, match="unknown lead"):
        io.read_csv(_csv(good, header=["X"] * 12))
    with pytest.raises(ValueError, match="at least 10 s"):
        io.to_model_input(io.read_csv(_csv(good[:500])))


def test_single_lead_csv_is_read_but_not_accepted_by_a_12_lead_model():
    rec = io.read_csv(_csv(np.random.default_rng(0).normal(0, 0.3, (1000, 1))))
    assert rec.leads == ("II",) and any("lead II" in n for n in rec.notes)
    with pytest.raises(ValueError, match="missing I, III"):
        io.to_model_input(rec)


def test_resampling_is_done_and_said():
    rng = np.random.default_rng(0)
    rec = io.ECGRecord(rng.normal(0, 0.3, (12, 6000)).astype(np.float32), 500.0, data.LEADS)
    x, notes = io.to_model_input(rec)
    assert x.shape == (12, 1000)
    assert any("resampled from 500 Hz to 100 Hz" in n for n in notes)
    assert any("first 10 s" in n for n in notes)


def test_course_records(data_root):
    rec = io.load_record("ptbxl:17")
    assert rec.signal.shape == (12, 1000) and rec.metadata["ecg_id"] == 17
    assert "static_noise" in rec.metadata  # PTB-XL's technicians flagged record 17
    mit = io.load_record("mitdb:100@60")
    assert mit.signal.shape == (2, 3600) and mit.leads == ("II", "V5") and mit.fs == 360
    assert (mit.metadata["ann_samples"] < 3600).all()
    with pytest.raises(ValueError, match="unknown kind"):
        io.load_record("ecg.xml")


def test_wfdb_header_rate_and_csv_rate_are_checked(ptbxl_files, tmp_path):
    base, hea, dat = ptbxl_files
    (tmp_path / "00017_lr.dat").write_bytes(dat)
    (tmp_path / "00017_lr.hea").write_bytes(hea.replace(b" 100 ", b" 20 ", 1))
    with pytest.raises(ValueError, match="too low"):
        io.read_wfdb(tmp_path / "00017_lr.hea")
    with pytest.raises(ValueError, match="sampling rate"):
        io.read_csv(_csv(np.zeros((1000, 12))), fs=None)
