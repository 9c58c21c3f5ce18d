"""ecgkit.data.beat_table: MIT-BIH beat tables, their cache, splits and model inputs."""
import numpy as np
import pytest

from ecgkit import data
from ecgkit.data import beat_table
from ecgkit.signal import beats

SPEC = beat_table.BeatSpec()


@pytest.fixture(scope="module")
def small_table():
    """Two DS1 and two DS2 records (about 8,000 beats), built once for the module."""
    return beat_table.build_beat_table(("101", "119", "100", "232"), SPEC, cache=False)


# --------------------------------------------------------------------------- one record


def test_record_beats_windows_are_centred_on_r_peaks():
    table = beat_table.record_beats("100", SPEC)
    samples, labels = data.load_mitbih_record("100").beats()
    assert table.windows.shape == (len(table), SPEC.length)
    assert len(table) >= len(samples) - 2  # at most the first and last beat dropped
    assert set(np.unique(table.labels)) <= set(data.AAMI_CLASSES)
    assert (table.records == "100").all()
    # On normal beats the largest deflection of the window sits within 30 ms of the R mark
    n = table.windows[table.labels == "N"]
    peak = np.abs(n - np.median(n, axis=1, keepdims=True)).argmax(axis=1)
    assert np.mean(np.abs(peak - SPEC.before) <= 0.03 * SPEC.fs) > 0.95


def test_record_114_uses_mlii_from_its_second_channel():
    rec = data.load_mitbih_record("114")
    assert rec.leads.index("MLII") == 1
    raw = beat_table.record_beats("114", beat_table.BeatSpec(fs=360, band_hz=None))
    r = raw.samples[5]
    start, stop = r - round(0.25 * 360), r + round(0.45 * 360)
    np.testing.assert_allclose(raw.windows[5], rec.signal[start:stop, 1], rtol=1e-6)
    assert not np.allclose(raw.windows[5], rec.signal[start:stop, 0])


def test_paced_records_are_refused():
    with pytest.raises(ValueError, match="paced"):
        beat_table.build_beat_table(("100", "102"), SPEC, cache=False)


def test_beat_table_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    first = beat_table.build_beat_table(("100",), SPEC)
    files = list(tmp_path.glob("mitbih_beats_*.npz"))
    assert len(files) == 1 and SPEC.key() in files[0].name
    second = beat_table.build_beat_table(("100",), SPEC)
    np.testing.assert_array_equal(first.windows, second.windows)
    np.testing.assert_array_equal(first.labels, second.labels)
    other = beat_table.build_beat_table(("100",), beat_table.BeatSpec(before_s=0.3))
    assert other.windows.shape[1] != first.windows.shape[1]
    assert len(list(tmp_path.glob("mitbih_beats_*.npz"))) == 2


def test_table_helpers(small_table):
    t = small_table
    counts = t.class_counts()
    assert sum(counts.values()) == len(t)
    assert counts["S"] > 1000  # record 232 holds most of DS2's S beats
    y = t.y()
    assert y.dtype == np.int64 and (np.array(data.AAMI_CLASSES)[y] == t.labels).all()
    assert len(t.of_records(["232"])) == (t.records == "232").sum()
    assert "beats from 4 records" in repr(t)


# --------------------------------------------------------------------------- splits


def test_inter_patient_split_keeps_patients_apart(small_table):
    train, test = beat_table.inter_patient_split(small_table)
    train_recs, test_recs = set(small_table.records[train]), set(small_table.records[test])
    assert train_recs == {"101", "119"} and test_recs == {"100", "232"}
    assert not train_recs & test_recs
    assert len(train) + len(test) == len(small_table)


def test_inter_patient_split_needs_both_sides():
    table = beat_table.build_beat_table(("100",), SPEC, cache=False)
    with pytest.raises(ValueError, match="empty"):
        beat_table.inter_patient_split(table)


def test_intra_patient_split_mixes_patients_and_keeps_class_shares(small_table):
    train, test = beat_table.intra_patient_split(small_table, test_size=0.2, seed=1)
    assert not set(train) & set(test) and len(train) + len(test) == len(small_table)
    assert len(test) == pytest.approx(0.2 * len(small_table), abs=2)
    # the leak: every record is on both sides
    assert set(small_table.records[train]) == set(small_table.records[test])
    s_share = lambda idx: np.mean(small_table.labels[idx] == "S")  # noqa: E731
    assert s_share(test) == pytest.approx(s_share(train), abs=0.005)
    again, _ = beat_table.intra_patient_split(small_table, test_size=0.2, seed=1)
    np.testing.assert_array_equal(train, again)


def test_split_beats_rejects_unknown_split(small_table):
    with pytest.raises(ValueError, match="inter"):
        beat_table.split_beats(small_table, "random")


def test_load_beat_table_cap_keeps_both_sides(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    t = beat_table.load_beat_table(max_records=2)
    assert set(t.records) == {data.DS1[0], data.DS2[0]}


# --------------------------------------------------------------------------- inputs


def test_record_median_beats(small_table):
    t = small_table[:3000]
    med = beats.record_median_beats(t.windows, t.records)
    assert med.shape == t.windows.shape
    for r in np.unique(t.records):
        m = t.records == r
        np.testing.assert_allclose(med[m][0], np.median(t.windows[m], axis=0), rtol=1e-5)
        assert (med[m] == med[m][0]).all()


def test_model_inputs_shapes(small_table):
    t = small_table[:100]
    x = beat_table.model_inputs(t, rr=True, median_beat=True)
    assert x.shape == (100, 2, SPEC.length + len(beats.RR_FEATURES))
    np.testing.assert_allclose(x[:, 0, -len(beats.RR_FEATURES):], t.rr)
    x = beat_table.model_inputs(t, rr=False, median_beat=False)
    assert x.shape == (100, 1, SPEC.length)
    # relative to the median: channel 0 is the normalised beat minus its record's median
    x = beat_table.model_inputs(t, rr=True, median_beat=False, relative_to_median=True)
    z = beats.normalize_beats(t.windows)
    assert x.shape == (100, 1, SPEC.length + len(beats.RR_FEATURES))
    np.testing.assert_allclose(x[:, 0, :SPEC.length],
                               z - beats.record_median_beats(z, t.records), atol=1e-5)
    x2 = beat_table.model_inputs(t, rr=False, median_beat=True, relative_to_median=True)
    np.testing.assert_allclose(x2[:, 1], beats.record_median_beats(z, t.records), atol=1e-5)


def test_beat_features(small_table):
    X, names = beat_table.beat_features(small_table[:50], n_points=16, rr="normalized")
    assert X.shape == (50, 16 + len(beats.RR_FEATURES)) == (50, len(names))
    X_abs, names_abs = beat_table.beat_features(small_table[:50], n_points=16, rr="absolute")
    assert names_abs[-1] == "local_rr_s" and X_abs.shape == (50, 19)
    with pytest.raises(ValueError, match="n_points"):
        beat_table.beat_features(small_table[:5], n_points=1000)
    # beat minus its record's median beat: a record's median row of the difference is 0
    t = small_table
    X_rel, names_rel = beat_table.beat_features(t, n_points=t.windows.shape[1], rr=None,
                                           relative_to_median=True)
    assert names_rel[0] == "diff_0" and X_rel.shape == t.windows.shape
    for record in np.unique(t.records):
        rows = X_rel[t.records == record]
        np.testing.assert_allclose(np.median(rows, axis=0), 0, atol=1e-5)
    X_plain, _ = beat_table.beat_features(t, n_points=t.windows.shape[1], rr=None)
    assert not np.allclose(X_plain, X_rel)


# --------------------------------------------------------------------------- spec


def test_spec_default_window_at_120_hz():
    assert (SPEC.before, SPEC.after, SPEC.length) == (30, 54, 84)
    assert "MLII" in SPEC.key() and "120hz" in SPEC.key()


@pytest.mark.parametrize("kwargs, match", [
    ({"fs": 500}, "between"),
    ({"before_s": -0.1}, "before_s"),
    ({"fs": 60, "band_hz": (0.5, 40.0)}, "alias"),
    ({"fs": 120.5}, "integer"),
    ({"band_hz": (40.0, 0.5)}, "low < high"),
])
def test_spec_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        beat_table.BeatSpec(**kwargs)


def test_spec_allows_the_records_own_rate():
    beat_table.BeatSpec(fs=data.MITBIH_FS, band_hz=None)
