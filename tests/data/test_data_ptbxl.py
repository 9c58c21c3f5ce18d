"""ecgkit.data.ptbxl on the real PTB-XL files: labels, splits, waveforms, preprocessing."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecgkit import data
from ecgkit.data import ptbxl


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


def test_cooccurrence_of_superclasses(db, statements):
    y = data.ptbxl_labels(db, statements, "superdiagnostic")
    co = data.label_cooccurrence(y)
    assert (np.diag(co) == y.sum().values).all() and (co.values == co.values.T).all()
    assert co.loc["MI", "STTC"] == ((y.MI == 1) & (y.STTC == 1)).sum()


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

    monkeypatch.setattr(ptbxl, "read_ptbxl_record", no_reading)
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


def test_lead_names_are_compared_without_case_or_spaces():
    assert data.normalise_lead_name(" aVR ") == data.normalise_lead_name("a VR") == "AVR"
    assert [data.normalise_lead_name(lead) for lead in data.LEADS][:4] == ["I", "II", "III", "AVR"]


# ----------------------------------------------------------------------------- preprocessing
def test_preprocessed_splits_standardise_on_train_only(data_root):
    task = data.load_ptbxl_task("superdiagnostic", max_records=16, verbose=False)
    splits = data.preprocessed_splits(task, leads=("II", "V5"))
    assert set(splits) == {"train", "val", "test"}
    assert splits["train"].shape == (len(task.X_train), 2, 1000)
    assert splits["test"].dtype == np.float32
    train = data.preprocessed_splits(task)["train"]
    np.testing.assert_allclose(train.mean(axis=(0, 2)), 0, atol=1e-3)
    np.testing.assert_allclose(train.std(axis=(0, 2)), 1, atol=1e-2)
    np.testing.assert_allclose(train[:, [1, 10]], splits["train"], atol=1e-6)
    with pytest.raises(ValueError, match="unknown lead"):
        data.preprocessed_splits(task, leads=("MLII",))
