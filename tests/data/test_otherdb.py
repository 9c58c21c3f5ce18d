"""incartdb and svdb: loaders and beat tables, tested on records written in their formats
(rate, lead names, RECORDS file, atr annotations) from real MIT-BIH signal, resampled."""
import numpy as np
import pytest
import wfdb
from scipy.signal import resample_poly

from ecgkit.data import (LEADS, DataNotFoundError, beat_table, load_mitbih_record,
                         mitbih_path, otherdb)

SECONDS = 120


def write_db(folder, db, record, fs, names, mitdb):
    """Two minutes of MIT-BIH record 119 (many V beats) as a record of ``db``."""
    src = load_mitbih_record("119", mitdb)
    n = SECONDS * src.fs
    lead = resample_poly(src.lead("MLII")[:n], fs, src.fs)
    signal = np.stack([lead * (1 + 0.1 * k) for k in range(len(names))], axis=1)
    keep = src.ann_samples < n
    samples = np.round(src.ann_samples[keep] * fs / src.fs).astype(int)
    samples = np.clip(samples, 0, len(lead) - 1)
    target = folder / db
    target.mkdir(parents=True)
    wfdb.wrsamp(record, fs=fs, units=["mV"] * len(names), sig_name=list(names),
                p_signal=signal, fmt=["16"] * len(names), write_dir=str(target))
    wfdb.wrann(record, "atr", samples, list(src.ann_symbols[keep]), write_dir=str(target))
    (target / "RECORDS").write_text(f"{record}\n")
    return src, keep


@pytest.fixture
def dbs(tmp_path, monkeypatch):
    mitdb = mitbih_path()
    incart = write_db(tmp_path, "incartdb", "I01", 257, LEADS, mitdb)
    write_db(tmp_path, "svdb", "800", 128, ("ECG1", "ECG2"), mitdb)
    monkeypatch.setenv("ECGKIT_DATA", str(tmp_path))
    return mitdb, incart


def test_loaders_read_their_rate_and_lead(dbs):
    assert otherdb.db_records("incartdb") == ("I01",)
    rec = otherdb.load_db_record("incartdb", "I01")
    assert rec.fs == 257 and rec.leads == tuple(LEADS) and len(rec.lead("II")) == 257 * SECONDS
    assert otherdb.load_db_record("svdb", "800").fs == 128


def test_beat_tables_hold_the_same_beats_as_the_source(dbs):
    mitdb, _ = dbs
    table = otherdb.db_beat_table("incartdb")
    ref = beat_table.record_beats("119", path=mitdb)
    first = ref[ref.samples < SECONDS * 360 - 360]   # the beats of the first two minutes
    assert abs(len(table) - len(first)) <= 2
    assert table.class_counts()["V"] == pytest.approx(first.class_counts()["V"], abs=1)
    assert table.windows.shape[1] == beat_table.BeatSpec().length   # 120 Hz windows
    svdb = otherdb.db_beat_table("svdb")
    assert abs(len(svdb) - len(first)) <= 2 and set(svdb.records) == {"800"}


def test_clear_errors(dbs, tmp_path):
    with pytest.raises(ValueError, match="unknown database"):
        otherdb.db_records("ltafdb")
    with pytest.raises(ValueError, match="not a record of svdb"):
        otherdb.load_db_record("svdb", "801")
    with pytest.raises(DataNotFoundError, match="download incartdb"):
        otherdb.db_path("incartdb", tmp_path / "nowhere")
    with pytest.raises(ValueError, match="below half"):
        otherdb.db_beat_table("svdb", beat_table.BeatSpec(fs=180, band_hz=(0.5, 70)))
    # a record at another rate than the database's is refused
    write_db(tmp_path / "wrong", "svdb", "800", 250, ("ECG1", "ECG2"), dbs[0])
    with pytest.raises(ValueError, match="expected 128 Hz"):
        otherdb.load_db_record("svdb", "800", tmp_path / "wrong")



def test_bench_scores_the_ds1_model_on_another_database(dbs, tmp_path, capsys):
    import argparse

    from ecgkit.experiments import mitbih
    mitdb, _ = dbs
    (tmp_path / "mitdb").symlink_to(mitdb)          # MIT-BIH beside the fake svdb
    p = argparse.ArgumentParser()
    mitbih.add_mitbih_arguments(p)
    with pytest.raises(SystemExit, match="--split inter --model cnnlstm"):
        mitbih.run_mitbih_cli(p.parse_args(["--model", "gbm", "--test-db", "svdb"]))
    result = mitbih.run_mitbih_cli(p.parse_args(
        ["--profile", "smoke", "--test-db", "svdb", "--device", "cpu"]))
    other = result["test_db"]
    assert other["database"].startswith("MIT-BIH Supraventricular")
    assert other["records"] == 1 and other["beats"] > 100
    assert sum(r["beats_V"] for r in other["per_record"]) == other["per_class"]["V"]["support"]
    assert "Supraventricular" in capsys.readouterr().out
