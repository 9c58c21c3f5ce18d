"""Train / validation / test indices of the MIT-BIH benchmark, patients held out."""
import numpy as np

from ecgkit.experiments.mitbih import split_indices, validation_records


def test_validation_records_hold_out_whole_patients_with_s_and_v():
    rng = np.random.default_rng(0)
    names = [f"r{i}" for i in range(12)]
    records = np.repeat(names, 1000)
    y = np.zeros(len(records), dtype=np.int64)
    for i, r in enumerate(names):  # S in records 0-3, V in 4-7; record 0 holds most S
        m = np.flatnonzero(records == r)
        if i < 4:
            y[rng.choice(m, 400 if i == 0 else 60, replace=False)] = 1
        elif i < 8:
            y[rng.choice(m, 100, replace=False)] = 2
    for seed in range(5):
        val = validation_records(records, y, seed, val_fraction=0.1)
        assert val and len(val) < len(names)
        held = np.isin(records, val)
        assert y[held].tolist().count(1) > 0 and y[held].tolist().count(2) > 0
        assert "r0" not in val  # holds over 30 % of the S beats: training needs it
        assert held.sum() <= 0.2 * len(y) + 1000
    assert validation_records(records[:2000], y[:2000]) == []  # 2 records: none held out
    assert validation_records(records[:9000], y[:9000]) == []  # 9: too few to hold one out


def test_split_indices_inter_validates_on_unseen_records(small_table):
    idx = split_indices(small_table, "inter", seed=0)
    rec = {k: set(small_table.records[v]) for k, v in idx.items()}
    # two DS1 records only: too few to hold one out, so the validation is beat-wise
    assert rec["train"] == rec["val"] == {"101", "119"}
    idx = split_indices(small_table, "intra", seed=0)
    assert set(small_table.records[idx["val"]]) <= set(small_table.records[idx["train"]])
    assert len(np.intersect1d(idx["train"], idx["val"])) == 0
