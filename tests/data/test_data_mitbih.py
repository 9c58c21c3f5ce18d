"""ecgkit.data.mitbih on the real MIT-BIH files: DS1/DS2, AAMI classes, records and leads."""
import numpy as np
import pytest

from ecgkit import data


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


def test_not_a_mitbih_record():
    with pytest.raises(ValueError, match="not a MIT-BIH"):
        data.load_mitbih_record("999")
