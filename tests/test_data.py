"""ecgkit.data on the real PTB-XL and MIT-BIH files (ECGKIT_DATA)."""
import functools
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecgkit import data


@pytest.fixture(scope="module")
def db(data_root):
    return data.load_ptbxl_metadata(data_root)


@pytest.fixture(scope="module")
def statements(data_root):
    return data.load_scp_statements(data_root)


# ----------------------------------------------------------------------------- labels
def test_metadata_is_version_101_with_parsed_codes(db):
    assert len(db) == 21837 and db.attrs["version"] == "1.0.1"
    assert db.loc[1, "scp_codes"] == {"NORM": 100.0, "LVOLT": 0.0, "SR": 0.0}


def test_superdiagnostic_counts_match_the_ptbxl_paper(db, statements):
    # Wagner et al. 2020, Table 3 (every listed code counts, whatever its likelihood)
    y = data.ptbxl_labels(db, statements, "superdiagnostic")
    assert list(y.columns) == list(data.SUPERCLASSES)
    assert y.sum().to_dict() == {"NORM": 9528, "MI": 5486, "STTC": 5250, "CD": 4907, "HYP": 2655}
    assert (y.sum(axis=1) == 0).sum() == 407  # ECGs without any diagnostic statement


def test_labels_agree_with_an_independent_count(db, statements):
    """Count each rhythm code straight from the scp_codes strings of the CSV."""
    raw = pd.read_csv(Path(db.attrs["path"]) / "ptbxl_database.csv", usecols=["scp_codes"])
    y = data.ptbxl_labels(db, statements, "rhythm")
    for code in y.columns:
        assert y[code].sum() == raw.scp_codes.str.contains(f"'{code}'", regex=False).sum()
    mi_codes = statements.index[(statements.diagnostic == 1) & (statements.diagnostic_class == "MI")]
    has_mi = db.scp_codes.map(lambda c: any(k in mi_codes for k in c))
    assert has_mi.sum() == data.ptbxl_labels(db, statements, "superdiagnostic")["MI"].sum()


@pytest.mark.parametrize("task,n_classes", [("superdiagnostic", 5), ("subdiagnostic", 23),
                                            ("rhythm", 12), ("form", 19), ("all", 71)])
def test_task_sizes(db, statements, task, n_classes):
    y = data.ptbxl_labels(db, statements, task)
    assert y.shape == (len(db), n_classes) and set(np.unique(y.values)) <= {0, 1}


def test_unknown_task_is_rejected(db, statements):
    with pytest.raises(ValueError, match="unknown PTB-XL task"):
        data.ptbxl_labels(db, statements, "superclass")


def test_folds_split_patients(db):
    split = data.ptbxl_split(db)
    assert sum(len(v) for v in split.values()) == len(db)
    patients = {k: set(db.loc[v, "patient_id"]) for k, v in split.items()}
    assert not patients["train"] & patients["val"]
    assert not patients["train"] & patients["test"]
    assert not patients["val"] & patients["test"]
    assert db.groupby("patient_id").strat_fold.nunique().max() == 1


def test_v103_duplicates(db):
    assert len(data.drop_v103_duplicates(db)) == 21799


# ----------------------------------------------------------------------------- waveforms
def test_signals_are_in_lead_order_and_millivolts(db, data_root):
    x = data.load_ptbxl_signals([1, 2, 500], db=db)
    assert x.shape == (3, 12, 1000) and x.dtype == np.float32
    raw, meta = wfdb.rdsamp(str(data_root / "ptb-xl" / "records100/00000/00002_lr"))
    names = [n.upper() for n in meta["sig_name"]]
    for j, lead in enumerate(data.LEADS):
        np.testing.assert_allclose(x[1, j], raw[:, names.index(lead.upper())], atol=1e-6)


def test_cache_is_written_once_then_mapped(db, monkeypatch, tmp_path):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    first = data.load_ptbxl_signals([5, 7], db=db, progress=False)
    files = list(tmp_path.glob("ptbxl_100hz_*.npy"))
    assert len(files) == 1
    assert np.load(files[0], mmap_mode="r").shape == (500, 12, 1000)

    def no_reading(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(data, "read_ptbxl_record", no_reading)
    again = data.load_ptbxl_signals([5, 7], db=db)
    np.testing.assert_array_equal(first, again)


def test_missing_waveforms_are_named(db):
    with pytest.raises(FileNotFoundError, match=r"1 of 2 requested records.*ecg_id \[501\]"):
        data.load_ptbxl_signals([1, 501], db=db)


def test_unknown_ids_are_rejected(db):
    with pytest.raises(ValueError, match="not in ptbxl_database.csv"):
        data.load_ptbxl_signals([999999], db=db)


@pytest.fixture
def record_copy(data_root, tmp_path):
    src = data_root / "ptb-xl" / "records100/00000/00003_lr"
    for ext in (".hea", ".dat"):
        shutil.copy(src.with_suffix(ext), tmp_path / f"00003_lr{ext}")
    return tmp_path / "00003_lr"


def test_truncated_record(record_copy):
    dat = record_copy.with_suffix(".dat")
    dat.write_bytes(dat.read_bytes()[:10000])
    with pytest.raises(ValueError, match="truncated"):
        data.read_ptbxl_record(record_copy)


def test_missing_file(record_copy):
    record_copy.with_suffix(".dat").unlink()
    with pytest.raises(FileNotFoundError, match="missing PTB-XL file"):
        data.read_ptbxl_record(record_copy)


def test_missing_lead(record_copy):
    hea = record_copy.with_suffix(".hea")
    hea.write_text(hea.read_text().replace(" V6", " V7"))
    with pytest.raises(ValueError, match=r"missing lead\(s\) \['V6'\]"):
        data.read_ptbxl_record(record_copy)


def test_wrong_sampling_rate(record_copy):
    with pytest.raises(ValueError, match="sampling rate 100 Hz, expected 500 Hz"):
        data.read_ptbxl_record(record_copy, rate=500)


def test_task_loading_reports_how_many_of_how_many(data_root, capsys):
    task = data.load_ptbxl_task("superdiagnostic", max_records=10)
    assert task.X_train.shape == (10, 12, 1000) and task.y_train.shape == (10, 5)
    assert (task.y_train.sum(1) > 0).all()  # unlabelled records are dropped
    assert task.counts["test"]["labelled"] == 2163 and task.counts["test"]["present"] == 64
    assert "of 17111 labelled" in capsys.readouterr().out


def test_data_not_found_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_DATA", str(tmp_path))
    with pytest.raises(data.DataNotFoundError, match="ECGKIT_DATA"):
        data.load_ptbxl_metadata()
    with pytest.raises(data.DataNotFoundError, match="download sample"):
        data.load_mitbih_record("100")


# ----------------------------------------------------------------------------- MIT-BIH
def test_ds1_ds2_are_disjoint_and_exclude_paced_records():
    assert not set(data.DS1) & set(data.DS2)
    assert not (set(data.DS1) | set(data.DS2)) & set(data.PACED_RECORDS)
    assert len(data.DS1) == len(data.DS2) == 22
    assert set(data.DS1) | set(data.DS2) | set(data.PACED_RECORDS) == set(data.MITBIH_RECORDS)


def test_aami_counts_match_de_chazal(data_root):
    # de Chazal et al. 2004, Table I: beats per AAMI class in DS1 and DS2
    counts = data.mitbih_class_counts()
    assert counts.loc[list(data.DS1)].sum().to_dict() == {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
    assert counts.loc[list(data.DS2)].sum().to_dict() == {"N": 44259, "S": 1837, "V": 3221, "F": 388, "Q": 7}


def test_aami_map_covers_every_beat_symbol():
    assert set(data.AAMI_MAP.values()) == set(data.AAMI_CLASSES)
    assert data.AAMI_MAP["V"] == "V" and data.AAMI_MAP["A"] == "S" and data.AAMI_MAP["/"] == "Q"
    assert "+" not in data.AAMI_MAP and "~" not in data.AAMI_MAP  # rhythm/noise marks are not beats


def test_mlii_is_picked_by_name(data_root):
    rec = data.load_mitbih_record("114")
    assert rec.leads == ("V5", "MLII") and rec.fs == 360
    np.testing.assert_array_equal(rec.lead("MLII"), rec.signal[:, 1])
    with pytest.raises(ValueError, match="no lead 'V1'"):
        rec.lead("V1")


def test_beat_windows_drop_edge_beats():
    signal = np.arange(1000, dtype=np.float32)
    windows, kept = data.beat_windows(signal, [5, 100, 995], before=10, after=20)
    assert kept.tolist() == [False, True, False]
    np.testing.assert_array_equal(windows[0], np.arange(90, 120))
    with pytest.raises(ValueError, match="one lead"):
        data.beat_windows(np.zeros((10, 2)), [5], 1, 1)


def test_not_a_mitbih_record():
    with pytest.raises(ValueError, match="not a MIT-BIH"):
        data.load_mitbih_record("999")


# ----------------------------------------------------------------------------- downloads
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def physionet(tmp_path, data_root, monkeypatch):
    """A PhysioNet stand-in on 127.0.0.1 serving the real files in PhysioNet's URL layout."""
    site = tmp_path / "site"
    (site / "mitdb").mkdir(parents=True)
    (site / "ptb-xl").mkdir()
    shutil.copytree(data_root / "mitdb", site / "mitdb" / "1.0.0")
    (site / "ptb-xl" / "1.0.1").symlink_to(data_root / "ptb-xl")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ECGKIT_PHYSIONET_URL", f"http://127.0.0.1:{server.server_port}")
    yield site
    server.shutdown()


def test_download_checks_hashes_and_resumes(physionet, tmp_path):
    dest = tmp_path / "dest"
    out = data.download("mitdb", dest, records=["100"], progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["100.atr", "100.dat", "100.hea", "ANNOTATORS", "RECORDS"]
    assert data.load_mitbih_record("100", dest).signal.shape == (650000, 2)
    # a second run finds everything in place and downloads nothing
    mtime = (out / "100.dat").stat().st_mtime_ns
    data.download("mitdb", dest, records=["100"], progress=False)
    assert (out / "100.dat").stat().st_mtime_ns == mtime


def test_download_of_ptbxl_sample_subset(physionet, tmp_path):
    dest = tmp_path / "dest"
    data.download("ptb-xl-sample", dest, records=["00001_lr"], progress=False)
    db = data.load_ptbxl_metadata(dest)
    assert data.available_ptbxl_records(db).tolist() == [1]


def test_corrupt_download_is_rejected(physionet, tmp_path):
    bad = physionet / "mitdb" / "1.0.0" / "101.hea"
    bad.write_bytes(bad.read_bytes().replace(b"360", b"361", 1))
    dest = tmp_path / "dest"
    with pytest.raises(data.ChecksumError, match="SHA-256"):
        data.download("mitdb", dest, records=["101"], progress=False)
    assert not (dest / "mitdb" / "101.hea").exists()


def test_existing_wrong_file_is_not_overwritten(physionet, tmp_path):
    dest = tmp_path / "dest" / "mitdb"
    dest.mkdir(parents=True)
    (dest / "100.hea").write_text("my own notes")
    with pytest.raises(data.ChecksumError, match="not overwritten"):
        data.download("mitdb", dest.parent, records=["100"], progress=False)
    assert (dest / "100.hea").read_text() == "my own notes"


def test_offline_download_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_PHYSIONET_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(data.DownloadError, match="ECGKIT_DATA"):
        data.download("mitdb", tmp_path, records=["100"], progress=False)


def test_cooccurrence_of_superclasses(db, statements):
    y = data.ptbxl_labels(db, statements, "superdiagnostic")
    co = data.label_cooccurrence(y)
    assert (np.diag(co) == y.sum().values).all() and (co.values == co.values.T).all()
    assert co.loc["MI", "STTC"] == ((y.MI == 1) & (y.STTC == 1)).sum()
